"""The plan's pages: reading it (page and PDF) and leaders' changes to it."""

from audit.plan.views import editing, indicators, progress, reading  # noqa: F401  (routes register on import)
