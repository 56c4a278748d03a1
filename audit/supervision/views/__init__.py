"""The supervision pages: records, leaders' list across the service, compliance with the standards,
and the PDFs."""

from audit.supervision.views import browse, compliance, documents, records, tasks  # noqa: F401  (routes register on import)
