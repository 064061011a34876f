"""Every route declares a permission from the one table (or is on the public allow-list)."""

from app.core.permissions import PERMISSIONS, PUBLIC_ENDPOINTS


def test_every_route_declares_a_permission(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        permission = getattr(view, "permission", None)
        if permission not in PERMISSIONS:
            undeclared.append(f"{rule.endpoint} {rule.rule}")
    assert undeclared == []


def test_public_endpoints_exist(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {"auth.login", "static", "main.health"} <= endpoints
