"""The audits area's pages: the auditor's journey, what an audit sets in motion, and the PDF."""

from audit.audits.views import follow_up, journey, pdf, tasks  # noqa: F401  (routes register on import)
