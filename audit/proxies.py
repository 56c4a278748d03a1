"""Trusting the proxy in front of the app (``TRUSTED_PROXIES``): behind a TLS-terminating proxy
the app sees plain HTTP from the proxy's address. With ``TRUSTED_PROXIES=n`` it believes the last
n hops of ``X-Forwarded-For``, ``-Proto`` and ``-Host``, so ``request.is_secure`` is true for an
HTTPS visitor (HSTS is sent, external URLs are https) and the client address is the visitor's.
With 0 (the default) those headers are ignored: anyone could send them.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
