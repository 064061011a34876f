"""Fuzzing every API endpoint with Hypothesis: hostile paths, queries, headers and bodies, 0 server errors.

Independent of the OpenAPI-driven Schemathesis run (tests/api): here the generator does not trust
the document. It takes the parameter and property names the document lists and the ids of real rows,
then sends what a broken or hostile client would: wrong JSON types, nested junk, unknown keys,
numbers beyond every integer column, non-JSON bodies and content types, odd If-Match headers and
tokens of other roles (an agency officer and the office). All API endpoints together are one family
of at least :data:`~tests.security.fuzzing.FAMILY_CASES` cases; every answer must be below 500 and
JSON.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from app.auth.services import issue_api_token
from app.core.enums import Role
from app.extensions import db
from tests.security.fuzzing import assert_reports_build, examples_per_endpoint, hostile_text, json_value
from tests.security.world import PERIOD_CODE, build_world

SEED = 20261125


def _schema_properties(document: dict, schema: dict | None, depth: int = 0) -> dict[str, dict]:
    """Property name → its schema (references followed), for field-aware bodies."""
    if not schema or depth > 3:
        return {}
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return dict(schema.get("properties", {}))


def _operations(app) -> list[dict]:
    from app.api.openapi import document

    with app.test_request_context():
        doc = document()
    operations = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            operations.append({
                "method": method.upper(), "path": "/api/v1" + path,
                "query": [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"],
                "path_params": [p["name"] for p in op.get("parameters", []) if p.get("in") == "path"],
                "properties": _schema_properties(doc, body), "has_body": body is not None,
            })
    return operations


def test_every_api_route_is_in_the_document(app):
    """The fuzzer walks the document: an API route missing from it would escape the fuzzing."""
    documented = {(op["method"], op["path"].replace("{", "<").replace("}", ">")) for op in _operations(app)}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.replace("<int:", "<")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((method, path))
    assert routes - documented == set()


def _body(properties: dict) -> st.SearchStrategy:
    """Known properties with hostile values (some dropped), unknown extras, or any JSON at all."""
    known = st.fixed_dictionaries({}, optional={name: json_value(1) for name in properties})
    items = st.lists(st.fixed_dictionaries({}, optional={"text": hostile_text(), "lead_agency": hostile_text(),
                                                         "due_date": hostile_text()}), max_size=3)
    tasks = st.lists(st.fixed_dictionaries({}, optional={"title": hostile_text(), "lead_agency": hostile_text(),
                                                         "items": items, "due_phrase": hostile_text()}), max_size=2)
    shaped = known.flatmap(lambda body: st.just(body) if "tasks" not in properties else
                           tasks.map(lambda t: {**body, "tasks": t}))
    return st.one_of(shaped, shaped.map(lambda b: {**b, "zz_unknown": 1}), json_value(2))


def _raw_body() -> st.SearchStrategy[tuple[bytes, str]]:
    """Bodies that are not JSON objects at all, under various content types."""
    return st.tuples(
        st.one_of(st.binary(max_size=300), st.sampled_from([b"", b"{", b"null", b"[]", b'{"a":', b"\xff\xfe",
                                                           b'{"title": "' + b"x" * 100000 + b'"}'])),
        st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                         "multipart/form-data", "application/json; charset=latin-1"]))


def _ids(w) -> dict[str, list[int]]:
    own, other = w.task("own"), w.task("other")
    return {"task_id": [own.id, other.id], "directive_id": [w.directive.id, w.draft.id],
            "meeting_id": [w.meeting.id]}


def _path_value(real: list[int]) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(real), st.integers(min_value=0, max_value=10**25),
                     st.sampled_from(["-1", "abc", "1.5", "%00", "0x10"]))


@pytest.fixture
def tokens() -> dict[str, str]:
    w = build_world()
    result = {"office": issue_api_token(w.user(Role.OFFICE)), "agency": issue_api_token(w.user(Role.AGENCY_OFFICER)),
              "admin": issue_api_token(w.user(Role.ADMIN))}
    result["ids"] = _ids(w)
    db.session.commit()
    return result


def test_fuzz_api(app, make_client, tokens):
    operations = _operations(app)
    # A few generated headers cannot be sent at all (newlines): a tenth more examples keeps 1,000 sent.
    per_operation = examples_per_endpoint(len(operations)) * 11 // 10
    client = make_client()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    total = 0
    for op in operations:
        total += _fuzz_operation(client, op, tokens, per_operation, statuses, failures)
    summary = f"{total} API cases over {len(operations)} operations, statuses {dict(sorted(statuses.items()))}"
    print(summary)
    assert failures == [], summary + "\n" + "\n".join(failures[:20])
    assert total >= 1000, summary
    assert statuses[200] + statuses[201] > 0, summary
    assert_reports_build(PERIOD_CODE)


def _fuzz_operation(client, op: dict, tokens: dict, examples: int, statuses: Counter, failures: list[str]) -> int:
    count = 0
    query_keys = st.sampled_from(op["query"] + ["zz", "limit", "after"]) if op["query"] else st.just("zz")
    path_values = st.fixed_dictionaries({name: _path_value(tokens["ids"].get(name, [1])) for name in op["path_params"]})

    @seed(SEED)
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(path=path_values, query=st.dictionaries(query_keys, hostile_text(), max_size=4),
           who=st.sampled_from(["office", "office", "agency", "admin", "none", "garbage"]),
           if_match=st.one_of(st.none(), hostile_text(), st.integers(0, 10**12).map(lambda n: f'"{n}"')),
           body=_body(op["properties"]), raw=st.one_of(st.none(), _raw_body()))
    def call(path, query, who, if_match, body, raw):
        nonlocal count
        url = op["path"]
        for name, value in path.items():
            url = url.replace("{" + name + "}", str(value))
        headers = {}
        if who in tokens and who != "ids":
            headers["Authorization"] = f"Bearer {tokens[who]}"
        elif who == "garbage":
            headers["Authorization"] = "Bearer " + "é" * 50
        if if_match is not None:
            headers["If-Match"] = if_match
        kwargs = {"query_string": query, "headers": headers}
        if op["method"] != "GET":
            if raw is not None:
                kwargs.update(data=raw[0], content_type=raw[1])
            else:
                kwargs["json"] = body
        try:
            response = client.open(url, method=op["method"], **kwargs)
        except (UnicodeEncodeError, ValueError):
            return  # a header the client library refuses to send (newline, non-Latin-1): nothing was sent
        count += 1
        statuses[response.status_code] += 1
        problem = None
        if response.status_code >= 500:
            problem = "server error"
        elif response.status_code != 404 or url.startswith("/api/v1/"):
            if response.mimetype != "application/json" and not url.endswith("openapi.json") and \
                    not response.mimetype.startswith("application/vnd.openxmlformats"):
                problem = f"answered {response.mimetype}, not JSON"
        if problem and len(failures) < 50:
            failures.append(f"{op['method']} {url} {query} → {response.status_code} ({problem}) "
                            f"body={json.dumps(body, ensure_ascii=False, default=str)[:200]} raw={raw and raw[1]}")

    call()
    return count
