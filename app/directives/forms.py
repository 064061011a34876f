"""Forms of the directives feature, and the parser of the task editor's indexed rows.

The meeting and directive forms are ordinary WTForms.  The task editor and the import review
screen have a variable number of tasks and content items, so they post plain indexed field
names ("tasks-0-title", "tasks-0-items-1-lead"); :func:`parse_task_rows` reads them into
:class:`~app.directives.breakdown.TaskInput` objects (the CSRF token is checked by a FlaskForm).
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.core.dates import DayField, parse_day
from app.core.enums import DirectiveStatus, MeetingKind
from app.directives.breakdown import ItemInput, TaskInput
from app.directives.import_flow import ImportPlan
from app.directives.meetings import MeetingInput
from app.directives.notices import DirectiveInput
from app.directives.refs import DOC_TYPES


def _required(message):
    return InputRequired(message=message)


def _max(limit: int) -> Length:
    return Length(max=limit, message=_l("Quá dài: tối đa %(max)d ký tự."))


class MeetingForm(FlaskForm):
    version = HiddenField()
    kind = SelectField(_l("Loại buổi làm việc"), choices=MeetingKind.choices, validate_choice=False)
    held_on = DayField(_l("Ngày họp"), validators=[_required(_l("Chưa nhập ngày họp."))])
    period_label = StringField(_l("Kỳ (ví dụ quý I/2024)"), validators=[Optional(), _max(64)],
                               description=_l("Để trống: lấy quý theo ngày họp."))
    chair = StringField(_l("Chủ trì"), default="Thường trực Huyện ủy",
                        validators=[_required(_l("Chưa nhập chủ trì buổi làm việc.")), _max(200)])
    participants = TextAreaField(_l("Thành phần dự họp (mỗi nhóm một dòng)"), validators=[_max(5000)])
    organiser_id = SelectField(_l("Cơ quan tổ chức"), coerce=int, validate_choice=False, default=0)
    notes = TextAreaField(_l("Ghi chú"), validators=[_max(20000)])
    submit = SubmitField(_l("Lưu buổi làm việc"))

    def to_input(self) -> MeetingInput:
        return MeetingInput(held_on=self.held_on.data, kind=self.kind.data or MeetingKind.PERIODIC.value,
                            period_label=self.period_label.data or "", chair=self.chair.data or "",
                            participants=self.participants.data or "", organiser_id=self.organiser_id.data or None,
                            notes=self.notes.data or "")


DOC_TYPE_CHOICES = [SelectChoice(code, f"{name} ({code})") for code, name in DOC_TYPES.items()]
EDITABLE_STATUSES = [SelectChoice(DirectiveStatus.ISSUED.value, DirectiveStatus.ISSUED.label),
                     SelectChoice(DirectiveStatus.DRAFT.value, DirectiveStatus.DRAFT.label)]


class DirectiveForm(FlaskForm):
    version = HiddenField()
    doc_type = SelectField(_l("Loại văn bản"), choices=DOC_TYPE_CHOICES, default="TB", validate_choice=False)
    number = StringField(_l("Số"), validators=[Optional(), _max(6)],
                         description=_l("Để trống nếu chưa có số; xem số đề xuất bên dưới."))
    issuer_suffix = StringField(_l("Ký hiệu cơ quan ban hành (sau dấu /)"), default="HU",
                                validators=[Optional(), _max(32)])
    issued_on = DayField(_l("Ngày ban hành"), validators=[Optional()])
    title = TextAreaField(_l("Trích yếu"), validators=[_max(1000)])
    issuing_body = StringField(_l("Cơ quan, tổ chức ban hành (ví dụ Thường trực Huyện ủy)"),
                               validators=[Optional(), _max(200)])
    meeting_id = SelectField(_l("Buổi làm việc"), coerce=int, validate_choice=False, default=0)
    status = SelectField(_l("Trạng thái"), choices=EDITABLE_STATUSES, default=DirectiveStatus.ISSUED.value,
                         validate_choice=False)
    body = TextAreaField(_l("Nội dung văn bản"), validators=[_max(200_000)])
    attachments = MultipleFileField(_l("Tệp đính kèm (bản ký PDF hoặc DOCX)"))
    submit = SubmitField(_l("Lưu văn bản"))

    def to_input(self) -> DirectiveInput:
        return DirectiveInput(title=self.title.data or "", doc_type=self.doc_type.data or "",
                              number=self.number.data or "", issuer_suffix=self.issuer_suffix.data or "",
                              issued_on=self.issued_on.data, issuing_body=self.issuing_body.data or "",
                              body=self.body.data or "", meeting_id=self.meeting_id.data or None,
                              status=self.status.data or DirectiveStatus.ISSUED.value)


class AttachmentForm(FlaskForm):
    attachments = MultipleFileField(_l("Thêm tệp đính kèm (PDF, DOCX)"))
    submit = SubmitField(_l("Tải lên"))


class ActionForm(FlaskForm):
    """A button that posts (delete, move): only the CSRF token."""


class TaskRowsForm(FlaskForm):
    """CSRF and the optimistic-lock version of the task editor; the rows are read by :func:`parse_task_rows`."""

    version = HiddenField()


class ImportForm(FlaskForm):
    text = TextAreaField(_l("Dán nội dung Thông báo kết luận"), validators=[_max(200_000)])
    file = FileField(_l("hoặc chọn tệp Word (.docx) hoặc văn bản (.txt)"))
    submit = SubmitField(_l("Đọc và đề xuất nhiệm vụ"))


class ImportReviewForm(FlaskForm):
    """CSRF of the review screen; tasks and header fields are posted as indexed rows."""


# --------------------------------------------------------------------------- indexed rows

_TASK_INDEX = re.compile(r"^tasks-(\d+)-title$")
_ITEM_INDEX = re.compile(r"-items-(\d+)-text$")
MAX_ROWS = 300


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _date(value: str | None, errors: list[str], label: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    day = parse_day(value)
    if day is not None:
        return day
    errors.append(str(_l("%(label)s: ngày “%(value)s” không hợp lệ.", label=label, value=value[:20])))
    return None


def _flag(form: MultiDict, name: str) -> bool:
    return form.get(name) in ("y", "on", "1", "true")


def parse_task_rows(form: MultiDict, prefix: str) -> tuple[TaskInput, list[str]]:
    """One task and its item rows from fields named ``{prefix}-title``, ``{prefix}-items-0-text`` …"""
    errors: list[str] = []
    items: list[ItemInput] = []
    indices = sorted({int(m.group(1)) for key in form.keys()
                      if key.startswith(f"{prefix}-items-") and (m := _ITEM_INDEX.search(key))})[:MAX_ROWS]
    for index in indices:
        name = f"{prefix}-items-{index}"
        if _flag(form, f"{name}-remove"):
            continue
        label = str(_l("Nội dung %(n)d", n=len(items) + 1))
        items.append(ItemInput(text=form.get(f"{name}-text", ""), lead_org_id=_int(form.get(f"{name}-lead")),
                               due_phrase=form.get(f"{name}-due_phrase", ""),
                               due_date=_date(form.get(f"{name}-due_date"), errors, label),
                               id=_int(form.get(f"{name}-id"))))
    coordinators = [value for value in (_int(v) for v in form.getlist(f"{prefix}-coordinators")) if value]
    task = TaskInput(
        title=form.get(f"{prefix}-title", ""), lead_org_id=_int(form.get(f"{prefix}-lead")),
        coordinator_ids=coordinators, due_phrase=form.get(f"{prefix}-due_phrase", ""),
        due_date=_date(form.get(f"{prefix}-due_date"), errors, str(_l("Hạn hoàn thành"))),
        kind=form.get(f"{prefix}-kind", ""), recurrence=form.get(f"{prefix}-recurrence", ""),
        all_communes=_flag(form, f"{prefix}-all_communes"), is_confidential=_flag(form, f"{prefix}-confidential"),
        description=form.get(f"{prefix}-description", ""), items=items, ordinal=_int(form.get(f"{prefix}-ordinal")),
        warnings=[w for w in form.getlist(f"{prefix}-warning") if w][:20],
        communes_mentioned=_flag(form, f"{prefix}-communes_mentioned"),
    )
    return task, errors


def parse_review(form: MultiDict, *, new_directive: bool) -> tuple[ImportPlan, dict[int, list[str]]]:
    """The reviewed import: every task row not marked "bỏ", and for a new directive its header."""
    indices = sorted({int(m.group(1)) for key in form.keys() if (m := _TASK_INDEX.match(key))})[:MAX_ROWS]
    tasks: list[TaskInput] = []
    errors: dict[int, list[str]] = {}
    for index in indices:
        prefix = f"tasks-{index}"
        if _flag(form, f"{prefix}-remove"):
            continue
        task, row_errors = parse_task_rows(form, prefix)
        if row_errors:
            errors[len(tasks)] = row_errors
        tasks.append(task)
    header_errors: list[str] = []
    directive = meeting = None
    if new_directive:
        directive = DirectiveInput(
            title=form.get("d-title", ""), doc_type=form.get("d-doc_type", "TB"), number=form.get("d-number", ""),
            issuer_suffix=form.get("d-issuer_suffix", ""),
            issued_on=_date(form.get("d-issued_on"), header_errors, str(_l("Ngày ban hành"))),
            body=form.get("source_text", ""), status=form.get("d-status", DirectiveStatus.ISSUED.value),
            issuing_body=form.get("d-issuing_body", ""))
        choice = form.get("d-meeting", "")
        if choice == "new":
            meeting = MeetingInput(held_on=_date(form.get("m-held_on"), header_errors, str(_l("Ngày họp"))),
                                   period_label=form.get("m-period_label", ""),
                                   chair=form.get("m-chair", "") or "Thường trực Huyện ủy")
        else:
            directive.meeting_id = _int(choice)
    if header_errors:
        errors[-1] = header_errors
    return ImportPlan(tasks=tasks, source_text=form.get("source_text", ""), directive=directive, meeting=meeting,
                      warnings=[w for w in form.getlist("warning") if w][:50]), errors
