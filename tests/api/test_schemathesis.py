"""Acceptance: Schemathesis generates requests from the OpenAPI document and checks the real answers.

The app runs in-process (WSGI) on the seeded demo district with an office user's token. Every
operation gets valid requests (positive mode) and schema-violating ones (negative mode), and the
operations with an id in the path get the ids of real rows as well, so the services are exercised,
not just the 404 path. Checks on every response: no server error (5xx), a documented status code
and content type, the documented headers, a body that matches its schema; in negative mode also
that the request was refused (4xx). At least :data:`MIN_REQUESTS` requests are made in total.

``API_FUZZ_EXAMPLES`` raises the examples per strategy and ``API_FUZZ_SEED`` picks another seed
(the default seed keeps CI reproducible) for longer exploratory runs.
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.auth.services import find_user_by_email, issue_api_token
from app.core.database import write_intent
from app.demo.seed import seed_demo_district
from app.extensions import db
from app.models import Directive, Meeting, Organisation, Task

MIN_REQUESTS = 1000
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "40"))
SEED = int(os.environ.get("API_FUZZ_SEED", "20240614"))
OFFICE_EMAIL = "ha.ntt@phunghiep.example"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


class CountingApp:
    """The WSGI app with its own app context per request (as in production) and a tally of statuses."""

    def __init__(self, app):
        self.app = app
        self.statuses: Counter[int] = Counter()

    def __call__(self, environ, start_response):
        def recording(status, headers, exc_info=None):
            self.statuses[int(status.split()[0])] += 1
            return start_response(status, headers, exc_info)

        with self.app.app_context():
            return list(self.app.wsgi_app(environ, recording))


def _real_ids() -> dict[str, list]:
    """Ids of seeded rows for the path parameters (and codes for the organisation fields)."""
    ids = {
        "task_id": list(db.session.scalars(sa.select(Task.id).order_by(Task.id).limit(30))),
        "directive_id": list(db.session.scalars(sa.select(Directive.id).order_by(Directive.id))),
        "meeting_id": list(db.session.scalars(sa.select(Meeting.id).order_by(Meeting.id))),
        # The report inputs: the demo's period and the agencies with a block in the report.
        "period_code": ["2024-Q2", "2024-Q1"],
        "code": list(db.session.scalars(sa.select(Organisation.code).where(Organisation.report_heading.is_not(None))
                                        .order_by(Organisation.display_order))),
    }
    db.session.commit()
    return ids


def _codes() -> list[str]:
    codes = list(db.session.scalars(sa.select(Organisation.code).order_by(Organisation.display_order)))
    db.session.commit()
    return codes


def _with_real_codes(case, codes: list[str], pick: int) -> None:
    """Valid organisation codes in a positive body, so creation gets past the catalog to the services."""
    body = case.body if isinstance(case.body, dict) else None
    if not body:
        return
    for key in ("lead_agency", "organiser", "issuer"):
        if isinstance(body.get(key), str):
            body[key] = codes[pick % len(codes)]
    for n, task in enumerate(body.get("tasks") or []):
        if isinstance(task, dict):
            task["lead_agency"] = codes[(pick + n) % len(codes)]
            task["coordinating_agencies"] = []
            for item in task.get("items") or []:
                if isinstance(item, dict):
                    item["lead_agency"] = None


def _describe(error: BaseException) -> str:
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in error.exceptions)
    return f"{type(error).__name__}: {error}"


class Fuzzer:
    def __init__(self, schema, token: str, wsgi: CountingApp):
        self.schema = schema
        # Given to Schemathesis as configuration, so it neither generates nor negates the header.
        schema.config.update(headers={"Authorization": f"Bearer {token}"})
        self.wsgi = wsgi
        self.failures: list[str] = []
        self.codes: list[str] = []
        self.timings: dict[str, tuple[float, int]] = {}

    def run(self, label: str, strategy, checks, *, realistic: bool = False, examples: int = EXAMPLES) -> None:
        @seed(SEED)
        @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy, pick=st.integers(0, 1000))
        def fuzz(case, pick):
            if realistic and self.codes and pick % 2:
                _with_real_codes(case, self.codes, pick)
            if case.operation.method.upper() == "PATCH" and realistic and pick % 3:
                self._current_version(case)
            response = case.call()
            try:
                case.validate_response(response, checks=checks)
            except (Exception, BaseExceptionGroup) as error:  # collected: one run reports every kind of failure
                if len(self.failures) < 20:
                    self.failures.append(f"{label}: {_describe(error)}\n{case.as_curl_command()}")

        started, before = time.monotonic(), sum(self.wsgi.statuses.values())
        fuzz()
        self.timings[label] = (time.monotonic() - started, sum(self.wsgi.statuses.values()) - before)

    def _current_version(self, case) -> None:
        """Half the PATCHes carry the task's real version, so the update itself runs."""
        task = db.session.get(Task, case.path_parameters.get("task_id"))
        db.session.commit()
        if task is not None:
            case.headers = {**(case.headers or {}), "If-Match": str(task.version_id)}
            if isinstance(case.body, dict):
                case.body.pop("version", None)


@pytest.fixture
def seeded_office_token() -> str:
    with write_intent():
        seed_demo_district()
        db.session.commit()
    token = issue_api_token(find_user_by_email(OFFICE_EMAIL))
    db.session.commit()
    return token


def test_schemathesis_finds_no_server_error_and_no_schema_violation(app, seeded_office_token):
    started = time.monotonic()
    wsgi = CountingApp(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi)
    fuzzer = Fuzzer(schema, seeded_office_token, wsgi)
    fuzzer.codes = _codes()
    real_ids = _real_ids()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13  # every operation but the document itself
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        fuzzer.run(f"{label} [positive]", operation.as_strategy(GenerationMode.POSITIVE), CHECKS, realistic=True)
        has_inputs = bool(operation.path_parameters or operation.query or operation.headers or operation.body)
        if has_inputs:
            fuzzer.run(f"{label} [negative]", operation.as_strategy(GenerationMode.NEGATIVE),
                       [*CHECKS, negative_data_rejection])
        for name in (p.name for p in operation.path_parameters):
            strategy = st.sampled_from(real_ids[name]).flatmap(
                lambda value, name=name, operation=operation: operation.as_strategy(
                    GenerationMode.POSITIVE, path_parameters={name: value}))
            fuzzer.run(f"{label} [real {name}]", strategy, CHECKS, realistic=True)
    elapsed = time.monotonic() - started
    total = sum(wsgi.statuses.values())
    summary = f"{total} requests in {elapsed:.0f} s, statuses {dict(sorted(wsgi.statuses.items()))}"
    print(summary)
    for label, (seconds, requests) in sorted(fuzzer.timings.items(), key=lambda item: -item[1][0]):
        print(f"  {seconds:5.1f} s {requests:4d} requests  {label}")
    assert not fuzzer.failures, summary + "\n\n" + "\n\n".join(fuzzer.failures)
    assert total >= MIN_REQUESTS, summary
    assert not [status for status in wsgi.statuses if status >= 500], summary
    assert wsgi.statuses[200] + wsgi.statuses[201] >= 100, summary
