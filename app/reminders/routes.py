"""Pages: the reminder policy and working-day calendar (admin), the reminder log (office), and the
office chief's list of reminders that were interrupted or gave up."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.auth.forms import EmptyForm
from app.core.args import int_arg
from app.core.clock import now_utc, today_local
from app.core.dates import parse_day
from app.core.enums import ReminderKind, ReminderState
from app.core.errors import DomainError, ValidationFailed
from app.core.permissions import requires
from app.extensions import db
from app.reminders import workdays
from app.reminders.attention import attention_count, attention_items, dismiss_reminder, resend_reminder
from app.reminders.blueprint import bp
from app.reminders.delivery import mail_settings_summary
from app.reminders.heartbeats import scheduler_processes
from app.reminders.log import list_log, state_counts
from app.reminders.policy import WEEKDAY_NAMES, load_policy, save_policy

WEEKDAY_CHOICES = [SelectChoice("", _l("Không gửi"))] + [SelectChoice(str(i), name) for i, name in enumerate(WEEKDAY_NAMES[:6])]


class PolicyForm(FlaskForm):
    """Numbers are plain text fields: the policy service validates them with Vietnamese messages."""

    before_due_working_days = StringField(_l("Nhắc trước hạn (số ngày làm việc, cách nhau bởi dấu phẩy)"),
                                          validators=[Length(max=100)])
    remind_on_due_date = BooleanField(_l("Nhắc vào ngày đến hạn"))
    overdue_every_working_days = StringField(_l("Nhắc quá hạn lặp lại sau mỗi (ngày làm việc)"), validators=[Length(max=10)])
    escalate_to_head_after = StringField(_l("Báo lãnh đạo cơ quan khi quá hạn (ngày làm việc, 0 = không báo)"), validators=[Length(max=10)])
    escalate_to_chief_after = StringField(_l("Báo Chánh Văn phòng khi quá hạn (ngày làm việc, 0 = không báo)"), validators=[Length(max=10)])
    escalate_to_committee_after = StringField(_l("Báo Thường trực khi quá hạn (ngày làm việc, 0 = không báo)"), validators=[Length(max=10)])
    escalation_catch_up_working_days = StringField(_l("Gửi bù báo cáo vượt cấp bị lỡ trong vòng (ngày làm việc)"), validators=[Length(max=10)])
    agency_digest_weekday = SelectField(_l("Tổng hợp hằng tuần cho cơ quan vào"), choices=WEEKDAY_CHOICES)
    chief_digest_weekday = SelectField(_l("Tổng hợp quá hạn cho Chánh Văn phòng vào"), choices=WEEKDAY_CHOICES)
    reporting_call_working_days_before = StringField(_l("Nhiệm vụ thường xuyên: đề nghị báo cáo trước buổi làm việc định kỳ (ngày làm việc)"), validators=[Length(max=10)])
    quarterly_meeting_day = StringField(_l("Ngày làm việc định kỳ dự kiến (ngày trong tháng cuối quý, khi chưa có lịch)"), validators=[Length(max=10)])
    pause_when_completion_proposed = BooleanField(_l("Tạm dừng nhắc khi cơ quan đã đề nghị hoàn thành"))
    retry_backoff_minutes = StringField(_l("Gửi lại khi lỗi sau (phút, cách nhau bởi dấu phẩy)"), validators=[Length(max=100)])
    retry_give_up_hours = StringField(_l("Ngừng tự gửi lại sau (giờ)"), validators=[Length(max=10)])
    stuck_after_minutes = StringField(_l("Báo Chánh Văn phòng thư bị gián đoạn sau (phút)"), validators=[Length(max=10)])
    submit = SubmitField(_l("Lưu chính sách"))

    def load(self, policy) -> None:
        data = policy.to_dict()
        for name, field in self._fields.items():
            if name in data:
                value = data[name]
                if isinstance(value, list):
                    value = ", ".join(str(v) for v in value)
                elif value is None:
                    value = ""
                elif not isinstance(value, bool):
                    value = str(value)
                field.data = value

    def as_dict(self) -> dict:
        return {name: field.data for name, field in self._fields.items() if name not in ("submit", "csrf_token")}


class OverrideForm(FlaskForm):
    day = StringField(_l("Ngày (dd/mm/yyyy)"), validators=[Length(max=10)])
    is_working_day = SelectField(_l("Điều chỉnh"), choices=[SelectChoice("0", _l("Nghỉ (không làm việc)")),
                                                           SelectChoice("1", _l("Làm việc (làm bù)"))])
    note = StringField(_l("Ghi chú"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Lưu"))


def _field_error(form: FlaskForm, error: DomainError, fallback: str) -> None:
    field = getattr(form, error.field or fallback, None) or getattr(form, fallback)
    field.errors = [*field.errors, error.message]


@bp.route("/", methods=["GET", "POST"])
@requires("admin.settings")
def settings():
    form = PolicyForm()
    if request.method == "GET":
        form.load(load_policy())
    elif form.validate_on_submit():
        try:
            save_policy(current_user, form.as_dict())
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            _field_error(form, error, "before_due_working_days")
        else:
            flash(_("Đã lưu chính sách nhắc việc."), "success")
            return redirect(url_for("reminders.settings"))
    return render_template(
        "reminders/settings.html", form=form, processes=scheduler_processes(),
        counts=state_counts(), attention=attention_count(now_utc()),
        mail=mail_settings_summary(),
    )


def _year_arg() -> int:
    raw = request.args.get("year", "")
    year = int(raw) if raw.isdigit() else today_local().year
    return year if 2000 <= year <= 2100 else today_local().year


@bp.route("/workdays", methods=["GET", "POST"])
@requires("admin.settings")
def workdays_index():
    year = _year_arg()
    form = OverrideForm()
    if form.validate_on_submit() and (saved := _save_override(form)):
        return saved
    calendar = workdays.WorkingCalendar([year], workdays.override_map())
    return render_template("reminders/workdays.html", form=form, year=year, overrides=workdays.list_overrides(year),
                           days_off=calendar.days_off(year), delete_form=EmptyForm())


def _save_override(form: OverrideForm, override_id: int | None = None):
    """Save a new or edited override; the redirect to its year, or None with the error on the form."""
    day = parse_day(form.day.data)
    try:
        if day is None:
            raise ValidationFailed(_("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy."), field="day")
        workdays.save_override(current_user, day=day, is_working_day=form.is_working_day.data == "1",
                               note=form.note.data, override_id=override_id)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _field_error(form, error, "day")
        return None
    flash(_("Đã lưu ngày điều chỉnh %(day)s.", day=day.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("reminders.workdays_index", year=day.year))


@bp.route("/workdays/<int:override_id>", methods=["GET", "POST"])
@requires("admin.settings")
def workday_edit(override_id: int):
    override = workdays.find_override(override_id)
    if override is None:
        abort(404)
    form = OverrideForm()
    if request.method == "GET":
        form.day.data = override.day.strftime("%d/%m/%Y")
        form.is_working_day.data = "1" if override.is_working_day else "0"
        form.note.data = override.note
    elif form.validate_on_submit() and (saved := _save_override(form, override_id)):
        return saved
    return render_template("reminders/workday_form.html", form=form, override=override)


@bp.route("/workdays/<int:override_id>/delete", methods=["POST"])
@requires("admin.settings")
def workday_delete(override_id: int):
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    override = workdays.find_override(override_id)
    if override is None:
        abort(404)
    year = override.day.year
    workdays.delete_override(current_user, override_id)
    db.session.commit()
    flash(_("Đã xóa ngày điều chỉnh."), "success")
    return redirect(url_for("reminders.workdays_index", year=year))


@bp.route("/log")
@requires("reminders.log")
def log():
    state = request.args.get("state") or None
    kind = request.args.get("kind") or None
    if state not in {s.value for s in ReminderState} | {None}:
        state = None
    if kind not in {k.value for k in ReminderKind} | {None}:
        kind = None
    query = (request.args.get("q") or "").strip()[:100] or None
    rows, next_after = list_log(state=state, kind=kind, query=query, after_id=int_arg("after"))
    return render_template("reminders/log.html", rows=rows, next_after=next_after, state=state, kind=kind, q=query or "",
                           states=list(ReminderState), kinds=list(ReminderKind))


@bp.route("/attention")
@requires("reminders.resolve")
def attention():
    now = now_utc()
    policy = load_policy()
    return render_template("reminders/attention.html", items=attention_items(now, policy), form=EmptyForm(),
                           stuck_after=policy.stuck_after_minutes, now=now)


@bp.route("/attention/<int:log_id>/<action>", methods=["POST"])
@requires("reminders.resolve")
def resolve(log_id: int, action: str):
    if action not in ("resend", "dismiss"):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        handler = resend_reminder if action == "resend" else dismiss_reminder
        row = handler(current_user, log_id, now_utc())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if error.status_code == 404:
            abort(404)
        flash(error.message, "warning")
    else:
        flash(_("Sẽ gửi lại ở lượt nhắc việc tiếp theo: %(s)s", s=row.subject) if action == "resend"
              else _("Đã đánh dấu đã xử lý: %(s)s", s=row.subject), "success")
    return redirect(url_for("reminders.attention"))
