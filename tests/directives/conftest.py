"""Fixtures of the directives tests: the demo district's organisation catalog and a few logins."""

from __future__ import annotations

import pytest

from app.core.enums import OrganisationKind, Role
from app.demo.catalog import ORGANISATIONS
from app.extensions import db
from app.models import Organisation


@pytest.fixture
def catalog() -> dict[str, Organisation]:
    """Every demo organisation (committee bodies, 13 agencies, government, 15 communes) by code."""
    by_code: dict[str, Organisation] = {}
    for row in ORGANISATIONS:
        org = Organisation(code=row["code"], name=row["name"], short_name=row["short_name"],
                           kind=OrganisationKind(row["kind"]), display_order=row["order"],
                           report_heading=row["report_heading"], aliases="\n".join(row["aliases"]),
                           contact_emails="\n".join(row["emails"]))
        db.session.add(org)
        by_code[row["code"]] = org
    db.session.flush()
    for row in ORGANISATIONS:
        if row["parent_code"]:
            by_code[row["code"]].parent = by_code[row["parent_code"]]
    db.session.commit()
    return by_code


@pytest.fixture
def office(factories, catalog):
    return factories.user(Role.OFFICE, catalog["VP"])


@pytest.fixture
def office_client(client, office):
    client.login(office)
    return client


def form_values(html: str, index: int = 0, *, overrides: dict | None = None) -> list[tuple[str, str]]:
    """What a browser would post for the page's main-content form number *index* (lxml reads inputs, selects, textareas).

    *overrides* replaces a field's values (a list for multi-selects; None removes the field).
    """
    import lxml.html

    forms = lxml.html.fromstring(html).xpath("//main//form[@method='post']")
    form = forms[index]
    values = [(name, value) for name, value in form.form_values()]
    for name, value in (overrides or {}).items():
        values = [(n, v) for n, v in values if n != name]
        if value is None:
            continue
        for each in value if isinstance(value, list) else [value]:
            values.append((name, str(each)))
    return values


def post_values(client, url: str, values: list[tuple[str, str]], **kwargs):
    """Post (name, value) pairs as a multi-valued form (the CSRF token is already among them)."""
    from werkzeug.datastructures import MultiDict

    return client.post(url, data=MultiDict(values), **kwargs)
