"""The reminder tick against a real SMTP server: each scenario receives exactly the expected
messages (recipients and subjects), once."""

import threading
import time
from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa

from app.core.enums import ReminderKind, ReminderState, Role, TaskKind, TaskStatus
from app.extensions import db
from app.models import ContentItem, Notification, ReminderLog, Task, WorkdayOverride
from app.reminders.attention import attention_items
from tests.reminders.conftest import at, no_digests, sent_pairs, set_policy, tick

OFFICER = "canbo.btg@phunghiep.example"
HEAD = "truongban.btg@phunghiep.example"
CHIEF = "chanhvp@phunghiep.example"
COMMITTEE = "thuongtruc@phunghiep.example"
MTTQ = "canbo.mttq@phunghiep.example"
BTG = "Ban Tuyên giáo Huyện ủy"


def log_rows():
    db.session.expire_all()
    return db.session.scalars(sa.select(ReminderLog).order_by(ReminderLog.id)).all()


def test_before_due_milestones_and_due_today_reach_the_lead_officer_once(smtp, district, factories):
    no_digests()
    factories.task(district.agency, due=date(2024, 6, 28), title="Tổ chức Hội nghị học tập Nghị quyết")
    title = "Tổ chức Hội nghị học tập Nghị quyết"
    expected = {
        date(2024, 6, 19): {(OFFICER, f"[Nhắc việc] Còn 7 ngày làm việc đến hạn 28/06/2024: {title}")},
        date(2024, 6, 25): {(OFFICER, f"[Nhắc việc] Còn 3 ngày làm việc đến hạn 28/06/2024: {title}")},
        date(2024, 6, 27): {(OFFICER, f"[Nhắc việc] Còn 1 ngày làm việc đến hạn 28/06/2024: {title}")},
        date(2024, 6, 28): {(OFFICER, f"[Nhắc việc] Đến hạn hôm nay 28/06/2024: {title}")},
    }
    day = date(2024, 6, 17)
    while day <= date(2024, 6, 28):
        smtp.clear()
        result = tick(day)
        again = tick(day, 15)  # a later tick the same day finds nothing new
        assert sent_pairs(smtp) == expected.get(day, set()), day
        assert again.claimed == 0 and again.sent == 0
        assert result.sent == len(expected.get(day, ()))
        day += timedelta(days=1)
    assert [r.state for r in log_rows()] == [ReminderState.SENT] * 4


def test_escalation_ladder_officer_then_head_then_chief_then_committee(smtp, district, factories):
    no_digests()
    factories.task(district.agency, due=date(2024, 6, 10), title="Rà soát quy hoạch cán bộ")
    t = "Rà soát quy hoạch cán bộ"
    tick(date(2024, 6, 13))  # 3 working days late
    assert sent_pairs(smtp) == {
        (OFFICER, f"[Quá hạn] Quá hạn 3 ngày làm việc: {t}"),
        (HEAD, f"[Báo lãnh đạo cơ quan] {BTG} quá hạn 3 ngày làm việc: {t}"),
    }
    smtp.clear()
    tick(date(2024, 6, 19))  # 7
    assert sent_pairs(smtp) == {
        (OFFICER, f"[Quá hạn] Quá hạn 7 ngày làm việc: {t}"),
        (CHIEF, f"[Báo Chánh Văn phòng] {BTG} quá hạn 7 ngày làm việc: {t}"),
    }
    smtp.clear()
    tick(date(2024, 6, 28))  # 14
    assert sent_pairs(smtp) == {
        (OFFICER, f"[Quá hạn] Quá hạn 14 ngày làm việc: {t}"),
        (COMMITTEE, f"[Báo Thường trực] {BTG} quá hạn 14 ngày làm việc: {t}"),
    }
    message = smtp.to(COMMITTEE)[0]
    assert "Kính báo cáo Thường trực Huyện ủy" in message.text
    assert "http://localhost/tasks/" in message.text and "http://localhost/tasks/" in message.html


def test_content_item_led_by_another_agency_reminds_that_agency_too(smtp, district, factories):
    no_digests()
    factories.task(district.agency, due=date(2024, 6, 28), title="Tuyên truyền bầu cử",
                   items=[("Tuyên truyền trên hệ thống truyền thanh", None), ("Vận động đoàn viên", district.other)])
    tick(date(2024, 6, 19))
    assert {r for r, _s in sent_pairs(smtp)} == {OFFICER, MTTQ}
    assert len(smtp.messages) == 2


def test_a_confidential_task_never_puts_its_content_in_an_email(smtp, district, factories):
    no_digests()
    factories.task(district.agency, due=date(2024, 6, 19), title="Xác minh theo đơn số 12",
                   description="Xác minh tài sản thu nhập đối với 05 đồng chí", is_confidential=True)
    factories.task(district.agency, due=date(2024, 6, 19), title="Báo cáo sơ kết", description="Nội dung công khai")
    tick(date(2024, 6, 19))
    by_subject = {m.subject: m for m in smtp.messages}
    secret = by_subject["[Nhắc việc] Đến hạn hôm nay 19/06/2024: Xác minh theo đơn số 12"]
    assert "tài sản" not in secret.text and "tài sản" not in secret.html
    assert "xem trên hệ thống" in secret.text.lower() and "xem trên hệ thống" in secret.html.lower()
    public = by_subject["[Nhắc việc] Đến hạn hôm nay 19/06/2024: Báo cáo sơ kết"]
    assert "Nội dung công khai" in public.text and "Nội dung công khai" in public.html


def test_an_agency_without_officers_is_reminded_at_its_contact_mailbox(smtp, district, factories):
    no_digests()
    mailbox_only = factories.org("HPN", name="Hội Phụ nữ huyện", contact_emails="hoiphunu@phunghiep.example\n")
    factories.task(mailbox_only, due=date(2024, 6, 19), title="Ra quân tháng hành động")
    tick(date(2024, 6, 19))
    assert sent_pairs(smtp) == {("hoiphunu@phunghiep.example", "[Nhắc việc] Đến hạn hôm nay 19/06/2024: Ra quân tháng hành động")}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_daily_mode_users_get_one_email_a_day(smtp, district, factories):
    no_digests()
    district.officer.notification_mode = "daily"
    db.session.commit()
    for n, due in enumerate((date(2024, 6, 19), date(2024, 6, 21), date(2024, 6, 28)), start=1):
        factories.task(district.agency, due=due, title=f"Việc {n}")
    result = tick(date(2024, 6, 19))
    [message] = smtp.messages
    assert message.recipients == [OFFICER]
    assert message.subject == "[Nhắc việc] Tổng hợp ngày 19/06/2024: 3 việc cần chú ý"
    assert all(f"Việc {n}" in message.text for n in (1, 2, 3))
    assert len(message.ids) == 3 and result.sent == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(Notification.user_id == district.officer.id)) == 3

    factories.task(district.agency, due=date(2024, 6, 20), title="Việc phát sinh")  # arrives mid-day
    smtp.clear()
    later = tick(date(2024, 6, 19), 14)
    assert smtp.messages == [] and later.deferred == 1
    tick(date(2024, 6, 20))
    [next_day] = smtp.messages
    assert "Việc phát sinh" in next_day.text


def test_weekly_digests_for_agencies_and_the_office_chief(smtp, district, factories):
    factories.task(district.agency, due=date(2024, 12, 31), title="Việc dài hạn")
    factories.task(district.agency, due=date(2024, 6, 3), title="Việc quá hạn")
    factories.task(district.agency, kind=TaskKind.CONTINUOUS, due=None, title="Việc thường xuyên")
    tick(date(2024, 6, 17))
    digests = {(m.recipients[0], m.subject) for m in smtp.messages if "Tổng hợp" in m.subject}
    assert digests == {
        (OFFICER, f"[Tổng hợp tuần] Nhiệm vụ của {BTG}, tuần từ 17/06/2024"),
        (HEAD, f"[Tổng hợp tuần] Nhiệm vụ của {BTG}, tuần từ 17/06/2024"),
        ("btg@phunghiep.example", f"[Tổng hợp tuần] Nhiệm vụ của {BTG}, tuần từ 17/06/2024"),
        (CHIEF, "[Tổng hợp quá hạn] Nhiệm vụ quá hạn, tuần từ 17/06/2024"),
    }  # MTTQ has no open task: no digest
    agency = smtp.to("btg@phunghiep.example")[0]
    assert "QUÁ HẠN (1)" in agency.text and "NHIỆM VỤ THƯỜNG XUYÊN (1)" in agency.text and "ĐANG THỰC HIỆN (1)" in agency.text
    [chief] = [m for m in smtp.to(CHIEF) if m.subject.startswith("[Tổng hợp quá hạn]")]
    assert "Việc quá hạn" in chief.text and "quá 10 ngày làm việc" in chief.text and "Việc dài hạn" not in chief.text
    smtp.clear()
    tick(date(2024, 6, 18))
    assert not [m for m in smtp.messages if "Tổng hợp" in m.subject]
    tick(date(2024, 6, 24))
    assert len([m for m in smtp.messages if "Tổng hợp" in m.subject]) == 4


def test_a_monday_holiday_moves_the_digest_to_the_next_working_day(smtp, district, factories):
    set_policy(chief_digest_weekday=None)
    factories.task(district.agency, due=date(2024, 12, 31), title="Việc dài hạn")
    for day in (date(2024, 9, 2), date(2024, 9, 3)):  # Quốc khánh
        tick(day)
        assert smtp.messages == []
    tick(date(2024, 9, 4))
    assert {m.recipients[0] for m in smtp.messages} == {OFFICER, HEAD, "btg@phunghiep.example"}


def test_notifications_list_and_unread_count(smtp, district, factories, client):
    no_digests()
    factories.task(district.agency, due=date(2024, 6, 19), title="Việc hôm nay")
    factories.task(district.agency, due=date(2024, 6, 10), title="Việc trễ")
    tick(date(2024, 6, 19))
    client.login(district.officer)
    page = client.get("/notifications").get_data(as_text=True)
    assert "[Nhắc việc] Đến hạn hôm nay 19/06/2024: Việc hôm nay" in page
    assert 'data-testid="unread-count">2<' in client.get("/").get_data(as_text=True)


def test_completion_stops_reminders_and_a_pending_retry_is_dropped(smtp, district, factories):
    no_digests()
    task = factories.task(district.agency, due=date(2024, 6, 10), title="Việc trễ")
    smtp.handler.fail_codes[OFFICER] = "451 4.3.0 Thử lại sau"
    tick(date(2024, 6, 11))
    [row] = log_rows()
    assert row.state is ReminderState.FAILED and row.attempts == 1
    task.status, task.completed_on = TaskStatus.COMPLETED, date(2024, 6, 11)
    db.session.commit()
    smtp.handler.fail_codes.clear()
    tick(date(2024, 6, 11), 10)
    assert log_rows()[0].state is ReminderState.SKIPPED
    for day in (date(2024, 6, 12), date(2024, 6, 14), date(2024, 6, 19), date(2024, 7, 1)):
        tick(day)
    assert smtp.messages == [] and len(log_rows()) == 1


def test_an_extension_rearms_reminders_for_the_new_due_date(smtp, district, factories):
    no_digests()
    task = factories.task(district.agency, due=date(2024, 6, 10), title="Việc được gia hạn")
    tick(date(2024, 6, 11))
    assert sent_pairs(smtp) == {(OFFICER, "[Quá hạn] Quá hạn 1 ngày làm việc: Việc được gia hạn")}
    task.due_date = date(2024, 6, 28)  # extension approved
    db.session.commit()
    smtp.clear()
    for day in (date(2024, 6, 12), date(2024, 6, 14), date(2024, 6, 18)):
        tick(day)
    assert smtp.messages == []
    tick(date(2024, 6, 19))
    assert sent_pairs(smtp) == {(OFFICER, "[Nhắc việc] Còn 7 ngày làm việc đến hạn 28/06/2024: Việc được gia hạn")}


def test_reporting_call_for_a_continuous_task_before_the_quarterly_session(smtp, district, factories):
    no_digests()
    factories.meeting(held_on=date(2024, 6, 20), label="quý II/2024")
    factories.task(district.agency, kind=TaskKind.CONTINUOUS, due=date(2024, 3, 31), title="Duy trì sinh hoạt chuyên đề")
    for day in (date(2024, 6, 11), date(2024, 6, 12)):
        tick(day)
    assert smtp.messages == []  # continuous: never "overdue"
    tick(date(2024, 6, 13))
    assert sent_pairs(smtp) == {(OFFICER, "[Đề nghị báo cáo] Trước buổi làm việc định kỳ ngày 20/06/2024: Duy trì sinh hoạt chuyên đề")}
    assert "còn 5 ngày làm việc" in smtp.messages[0].text
    tick(date(2024, 6, 14))
    assert len(smtp.messages) == 1


def test_days_off_send_nothing_unless_made_working_days(smtp, district, factories):
    no_digests()
    factories.task(district.agency, due=date(2024, 6, 10), title="Việc trễ")
    assert tick(date(2024, 6, 15)).due == 0  # Saturday
    db.session.add(WorkdayOverride(day=date(2024, 6, 15), is_working_day=True, note="Làm bù"))
    db.session.commit()
    tick(date(2024, 6, 15))
    assert sent_pairs(smtp) == {(OFFICER, "[Quá hạn] Quá hạn 5 ngày làm việc: Việc trễ"), (HEAD, f"[Báo lãnh đạo cơ quan] {BTG} quá hạn 5 ngày làm việc: Việc trễ")}


def test_dry_run_lists_and_changes_nothing_then_the_cli_sends(smtp, district, factories, runner):
    no_digests()
    factories.task(district.agency, due=date(2024, 6, 19), title="Việc hôm nay")
    out = runner.invoke(args=["reminders", "run", "--today", "2024-06-19", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "would_send" in out.output and OFFICER in out.output and "Đến hạn hôm nay 19/06/2024: Việc hôm nay" in out.output
    assert log_rows() == [] and smtp.messages == []
    out = runner.invoke(args=["reminders", "run", "--today", "2024-06-19"])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert lines[0].startswith("sent") and OFFICER in lines[0]
    assert "2024-06-19: 1 nhắc việc đến hạn, 1 mới, đã gửi 1 thư" in lines[-1]
    assert len(smtp.messages) == 1
    again = runner.invoke(args=["reminders", "run", "--today", "2024-06-19"])
    assert "0 mới, đã gửi 0 thư" in again.output and len(smtp.messages) == 1


def test_temporary_failure_is_retried_with_back_off_and_sent_once(smtp, district, factories):
    no_digests()
    factories.task(district.agency, due=date(2024, 6, 10), title="Việc trễ")
    smtp.handler.fail_codes[OFFICER] = "451 4.3.0 Thử lại sau"
    first = tick(date(2024, 6, 13), 8, 0)
    assert first.failed == 1 and first.sent == 1  # the head's escalation went through
    row = next(r for r in log_rows() if r.recipient_email == OFFICER)
    assert row.state is ReminderState.FAILED and row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at == at(date(2024, 6, 13)) + timedelta(minutes=5) or \
        abs((row.next_attempt_at - (at(date(2024, 6, 13)) + timedelta(minutes=5))).total_seconds()) < 2
    smtp.handler.fail_codes.clear()
    assert tick(date(2024, 6, 13), 8, 3).sent == 0  # back-off not over
    assert tick(date(2024, 6, 13), 8, 6).sent == 1
    assert tick(date(2024, 6, 13), 9, 0).sent == 0
    assert Counter(m.recipients[0] for m in smtp.messages) == Counter({OFFICER: 1, HEAD: 1})
    row = next(r for r in log_rows() if r.recipient_email == OFFICER)
    assert row.state is ReminderState.SENT and row.attempts == 2


def test_a_permanent_failure_is_not_retried_and_is_shown_to_the_chief(smtp, district, factories):
    no_digests()
    factories.task(district.agency, due=date(2024, 6, 19), title="Việc hôm nay")
    smtp.handler.fail_codes[OFFICER] = "550 5.1.1 Không có hộp thư này"
    tick(date(2024, 6, 19))
    [row] = log_rows()
    assert row.state is ReminderState.FAILED and row.next_attempt_at is None
    assert [r.id for r in attention_items(at(date(2024, 6, 19), 9))] == [row.id]
    smtp.handler.fail_codes.clear()
    tick(date(2024, 6, 19), 12)
    assert smtp.messages == []


def test_a_hung_smtp_server_times_out_and_the_reminder_is_retried(smtp, district, factories, app):
    no_digests()
    app.config["MAIL_TIMEOUT"] = 1
    factories.task(district.agency, due=date(2024, 6, 19), title="Việc hôm nay")
    smtp.handler.hang.set()
    started = time.monotonic()
    result = tick(date(2024, 6, 19))
    assert time.monotonic() - started < 10
    assert result.failed == 1 and "timed out" in log_rows()[0].last_error.lower()
    smtp.handler.hang.clear()
    tick(date(2024, 6, 19), 8, 10)
    assert [m.recipients[0] for m in smtp.messages if m.subject.endswith("Việc hôm nay")].count(OFFICER) <= 2
    assert log_rows()[0].state is ReminderState.SENT


def test_smtp_server_down_for_a_day_everything_is_sent_later_once(smtp, district, factories):
    no_digests()
    for n, due in enumerate((date(2024, 6, 10), date(2024, 6, 19), date(2024, 6, 21), date(2024, 6, 28)), start=1):
        factories.task(district.agency, due=due, title=f"Việc {n}")
    smtp.stop()
    for hour in (8, 9, 12, 16, 20):
        tick(date(2024, 6, 19), hour)
    day_one = log_rows()
    assert day_one and all(r.state is ReminderState.FAILED for r in day_one)
    assert max(r.attempts for r in day_one) >= 3
    smtp.start()
    for hour in (7, 8, 12):
        tick(date(2024, 6, 20), hour)
    keys = Counter(tuple(m.ids) for m in smtp.messages)
    assert all(n == 1 for n in keys.values())
    rows = log_rows()
    assert all(r.state is ReminderState.SENT for r in rows)
    received = {i for ids in keys for i in ids}
    assert received == {r.id for r in rows}
    assert {r.id for r in day_one} <= received
    assert len(smtp.messages) == len(rows)


def test_an_interrupted_send_is_flagged_once_and_can_be_resent_by_the_chief(smtp, district, factories):
    from app.reminders.attention import resend_reminder

    no_digests()
    factories.task(district.agency, due=date(2024, 6, 19), title="Việc hôm nay")
    tick(date(2024, 6, 19))
    row = log_rows()[0]
    # As if the process had died mid-send: attempt started, outcome unknown.
    db.session.execute(sa.update(ReminderLog).values(state=ReminderState.CLAIMED, next_attempt_at=at(date(2024, 6, 19)), sent_at=None))
    db.session.commit()
    smtp.clear()
    tick(date(2024, 6, 19), 8, 5)  # too early to call it stuck
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(Notification.user_id == district.chief.id)) == 0
    result = tick(date(2024, 6, 19), 9)
    again = tick(date(2024, 6, 19), 10)
    assert result.interrupted == 1 and again.interrupted == 0 and smtp.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == district.chief.id, Notification.kind == "reminder_interrupted")) == 1
    assert [r.id for r in attention_items(at(date(2024, 6, 19), 10))] == [row.id]
    resend_reminder(district.chief, row.id, at(date(2024, 6, 19), 10))
    db.session.commit()
    tick(date(2024, 6, 19), 10, 5)
    assert len(smtp.messages) == 1 and log_rows()[0].state is ReminderState.SENT


def test_concurrent_ticks_send_each_reminder_once(smtp, district, factories, app):
    no_digests()
    directive = factories.directive()
    for n in range(150):
        db.session.add(Task(directive=directive, ordinal=n, title=f"Việc {n}", lead_org=district.agency,
                            due_date=date(2024, 6, 19), original_due_date=date(2024, 6, 19)))
    db.session.commit()
    errors = []

    def worker():
        try:
            with app.app_context():
                tick(date(2024, 6, 19))
                db.session.remove()
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(smtp.messages) == 150
    assert Counter(tuple(m.ids) for m in smtp.messages).most_common(1)[0][1] == 1


def test_items_of_a_completed_task_and_completed_items_are_not_chased(smtp, district, factories):
    no_digests()
    task = factories.task(district.agency, due=date(2024, 6, 19), title="Việc có nội dung",
                          items=[("Nội dung của MTTQ", district.other)])
    item = db.session.scalar(sa.select(ContentItem).where(ContentItem.task_id == task.id))
    item.status = TaskStatus.COMPLETED
    db.session.commit()
    tick(date(2024, 6, 19))
    assert {r for r, _s in sent_pairs(smtp)} == {OFFICER}
    assert not db.session.scalars(sa.select(ReminderLog).where(ReminderLog.kind == ReminderKind.AGENCY_DIGEST)).all()


def test_inactive_users_and_other_roles_get_nothing(smtp, district, factories):
    no_digests()
    district.officer.is_active_account = False
    db.session.commit()
    factories.user(Role.AGENCY_OFFICER, district.agency, email="moi@phunghiep.example")
    factories.task(district.agency, due=date(2024, 6, 19), title="Việc hôm nay")
    tick(date(2024, 6, 19))
    assert {r for r, _s in sent_pairs(smtp)} == {"moi@phunghiep.example"}
