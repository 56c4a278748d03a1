"""``flask report ...``: the reports for scheduled runs, written to a file.

Each command is added to the ``report`` group where it is defined (the themed report below; the
improvement plan in ``audit.plan.cli``)."""

from __future__ import annotations

from flask.cli import AppGroup

report = AppGroup("report", help="Produce a report as a PDF file, for scheduled runs.")
