"""Entry point for `flask --app wsgi` and for gunicorn (`gunicorn wsgi:app`)."""

from audit import create_app

app = create_app()
