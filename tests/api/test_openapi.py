"""The OpenAPI document covers exactly the API's routes, and its schemas hang together."""

from __future__ import annotations

import re

import pytest

from app.api import openapi, schemas, validation
from app.api.errors import ERROR_CODES
from app.core.errors import ValidationFailed


@pytest.fixture
def document(make_client) -> dict:
    return make_client().get("/api/v1/openapi.json").get_json()


def _api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method.lower(), path))
    return routes


def test_every_route_is_documented_and_nothing_else(app, document):
    documented = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert documented == _api_routes(app)
    assert document["servers"] == [{"url": "/api/v1"}]


def test_every_table_entry_names_its_view(app):
    for op in openapi.OPERATIONS:
        assert op.endpoint in app.view_functions, op.endpoint
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == op.endpoint and op.method.upper() in r.methods)
        assert set(rule.arguments) == {p.name for p in op.params if p.where == "path"}, op.endpoint


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_resolves_and_every_component_is_used(document):
    components = document["components"]["schemas"]
    used = set()
    for ref in _refs(document):
        name = ref.removeprefix("#/components/schemas/")
        assert name in components, ref
        used.add(name)
    assert used == set(components)


def test_operations_are_described_with_roles_and_errors(document):
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and op["operationId"]
            if path == "/openapi.json":
                assert op["security"] == []
                continue
            assert op["security"] == [{"bearerAuth": []}]
            assert op["x-roles"], (method, path)
            assert {"401", "403"} <= set(op["responses"]), (method, path)
            if "requestBody" in op:
                assert {"400", "422"} <= set(op["responses"])
            for status, reply in op["responses"].items():
                if int(status) >= 400:
                    assert reply["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_roles_come_from_the_permission_table(document):
    overdue = document["paths"]["/overdue"]["get"]
    assert set(overdue["x-roles"]) == {"admin", "committee", "office", "office_chief"}
    patch = document["paths"]["/tasks/{task_id}"]["patch"]
    assert "agency_officer" not in patch["x-roles"]


def test_response_objects_list_every_property_as_required():
    """The serialisers always write every key (null when empty): the schemas say so."""
    for name, schema in schemas.COMPONENTS.items():
        if name.endswith(("Create", "Update")) or name in ("Error", "FigureCreate", "EvidenceFile"):
            continue
        assert schema["additionalProperties"] is False, name
        assert set(schema["required"]) == set(schema["properties"]), name


def test_error_codes_are_the_documented_enum():
    documented = schemas.ERROR["properties"]["error"]["properties"]["code"]["enum"]
    assert set(documented) == set(ERROR_CODES)


def test_request_validation_uses_the_documented_schema():
    task_update = schemas.COMPONENTS["TaskUpdate"]
    assert validation.validate({"title": "Tiêu đề", "due_date": "2024-06-30"}, task_update)["due_date"].year == 2024
    with pytest.raises(ValidationFailed) as refused:
        validation.validate({"title": "Tiêu đề", "owner": "BTG"}, task_update)
    assert refused.value.field == "owner"
