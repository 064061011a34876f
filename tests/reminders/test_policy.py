"""The admin-editable reminder policy: documented defaults, validation, storage."""

import json

import pytest
import sqlalchemy as sa

from app.core.enums import Role
from app.core.errors import ValidationFailed
from app.extensions import db
from app.models import AuditEvent, Setting
from app.reminders.policy import (
    DEFAULT_POLICY,
    SETTING_KEY,
    ReminderPolicy,
    load_policy,
    policy_from_dict,
    save_policy,
)


def test_documented_defaults():
    p = DEFAULT_POLICY
    assert p.before_due_working_days == (7, 3, 1)
    assert p.overdue_every_working_days == 3
    assert p.escalation_ladder == (("head", 3), ("chief", 7), ("committee", 14))
    assert p.agency_digest_weekday == 0 and p.chief_digest_weekday == 0
    assert [p.backoff_minutes(n) for n in (1, 2, 3, 4, 5, 9)] == [5, 15, 60, 240, 240, 240]


def test_an_empty_database_uses_the_defaults():
    assert load_policy() == DEFAULT_POLICY


def test_save_and_load_round_trip_with_an_audit_entry(factories):
    admin = factories.user(Role.ADMIN)
    saved = save_policy(admin, {**DEFAULT_POLICY.to_dict(), "before_due_working_days": "5, 2", "escalate_to_committee_after": "0",
                                "chief_digest_weekday": "", "retry_backoff_minutes": "10; 30"})
    db.session.commit()
    assert load_policy() == saved
    assert saved.before_due_working_days == (5, 2)
    assert saved.escalation_ladder == (("head", 3), ("chief", 7))
    assert saved.chief_digest_weekday is None
    assert saved.retry_backoff_minutes == (10, 30)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_type == "Setting"))
    assert event.actor_id == admin.id and "before_due_working_days" in event.after


@pytest.mark.parametrize("changes, field", [
    ({"before_due_working_days": "7, ba"}, "before_due_working_days"),
    ({"before_due_working_days": "0"}, "before_due_working_days"),
    ({"overdue_every_working_days": "0"}, "overdue_every_working_days"),
    ({"escalate_to_head_after": "9", "escalate_to_chief_after": "7"}, "escalate_to_chief_after"),
    ({"agency_digest_weekday": "8"}, "agency_digest_weekday"),
    ({"retry_backoff_minutes": ""}, "retry_backoff_minutes"),
    ({"quarterly_meeting_day": "31"}, "quarterly_meeting_day"),
])
def test_bad_values_are_refused_with_the_field_named_and_nothing_stored(factories, changes, field):
    admin = factories.user(Role.ADMIN)
    with pytest.raises(ValidationFailed) as caught:
        save_policy(admin, {**DEFAULT_POLICY.to_dict(), **changes})
    assert caught.value.field == field
    db.session.rollback()
    assert db.session.get(Setting, SETTING_KEY) is None


def test_a_corrupt_stored_setting_falls_back_to_the_defaults():
    from app.core.clock import now_utc

    db.session.add(Setting(key=SETTING_KEY, value=json.dumps({"overdue_every_working_days": -4}), updated_at=now_utc()))
    db.session.commit()
    assert load_policy() == DEFAULT_POLICY


def test_partial_settings_keep_the_other_defaults():
    assert policy_from_dict({"overdue_every_working_days": 5}) == ReminderPolicy(overdue_every_working_days=5)


def test_a_list_field_left_out_of_the_form_means_no_values_not_a_server_error():
    """Found by fuzzing the settings form: a missing "days before due" field came in as None."""
    assert policy_from_dict({"before_due_working_days": None}).before_due_working_days == ()
    assert policy_from_dict({"before_due_working_days": 5}).before_due_working_days == (5,)
    assert policy_from_dict({"before_due_working_days": [1, "3"]}).before_due_working_days == (3, 1)
    with pytest.raises(ValidationFailed):
        policy_from_dict({"before_due_working_days": {"x": 1}})
