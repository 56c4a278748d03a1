"""The supervision pages: records, compliance with the standards, and the PDFs."""

from audit.supervision.views import compliance, documents, records  # noqa: F401  (routes register on import)
