"""Supervision: recording case, reflective and group supervision, the worker's acknowledgement,
amendments, the PDFs for the child's file and the parties, and frequency compliance."""

from flask import Blueprint

supervision = Blueprint("supervision", __name__, url_prefix="/supervision")

from audit.supervision import views  # noqa: E402,F401  (routes register on import)
