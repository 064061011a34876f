"""WSGI entry point: ``gunicorn wsgi:app``.

Behind a proxy (deploy/nginx), ``TRUSTED_PROXIES=1`` takes the client's address and scheme from the
proxy's X-Forwarded-For/-Proto headers (sessions and the audit log record the real address); leave it
unset when nothing sits in front, or anyone could claim any address.
"""

import os

from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app

app = create_app()
if hops := int(os.environ.get("TRUSTED_PROXIES") or 0):
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
