"""The admin pages, a module for each thing an admin manages."""

from audit.admin.views import cases, downloads, notifications, subject_access, teams, tools, users  # noqa: F401  (routes register on import)
