"""Forms of the progress pages: the report, the completion review, extension requests and decisions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.dates import DayField
from app.core.uploads import EVIDENCE_KINDS, describe_kinds


class FigureForm(Form):
    """One indicator row of a report: counts only; the percentage is computed, never typed."""

    indicator_id = HiddenField()
    actual = StringField(_l("Số thực hiện (lũy kế)"), validators=[Optional(), Length(max=40)])
    base = StringField(_l("Số gốc"), validators=[Optional(), Length(max=40)])
    printed_percent = StringField(_l("Tỷ lệ ghi trong văn bản của cơ quan (nếu có, để đối chiếu)"),
                                  validators=[Optional(), Length(max=20)])


class ProgressReportForm(FlaskForm):
    #: Task.version_id when the form was opened: a save against an older version is a conflict.
    version = HiddenField()
    status = SelectField(_l("Trạng thái"), validators=[DataRequired()])
    progress_percent = IntegerField(_l("Tiến độ (%)"), validators=[InputRequired(), NumberRange(0, 100)], default=0)
    content_item_id = SelectField(_l("Nội dung báo cáo"), coerce=int, default=0, validate_choice=True)
    reported_on = DayField(_l("Ngày báo cáo"), validators=[Optional()])
    result_text = TextAreaField(_l("Kết quả thực hiện"), validators=[DataRequired(), Length(max=20000)],
                                description=_l("Nêu cụ thể việc đã làm, văn bản đã ban hành (số, ngày), số liệu."))
    evidence = MultipleFileField(
        _l("Tệp minh chứng"),
        description=_l("Nhận %(kinds)s; mỗi tệp tối đa theo cấu hình hệ thống.", kinds=describe_kinds(EVIDENCE_KINDS)),
    )
    figures = FieldList(FormField(FigureForm), min_entries=0)
    submit = SubmitField(_l("Gửi báo cáo"))


class ConfirmCompletionForm(FlaskForm):
    completed_on = DayField(_l("Ngày hoàn thành"), validators=[Optional()],
                             description=_l("Mặc định là ngày cơ quan báo cáo hoàn thành."))
    note = TextAreaField(_l("Ý kiến (nếu có)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Xác nhận hoàn thành"))


class ReturnCompletionForm(FlaskForm):
    reason = TextAreaField(_l("Lý do trả lại"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Trả lại"))


class ExtensionRequestForm(FlaskForm):
    requested_due_date = DayField(_l("Đề nghị gia hạn đến ngày"), validators=[DataRequired()])
    reason = TextAreaField(_l("Lý do"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Gửi đề nghị gia hạn"))


class ExtensionDecisionForm(FlaskForm):
    note = TextAreaField(_l("Ý kiến"), validators=[Optional(), Length(max=2000)],
                         description=_l("Bắt buộc khi không đồng ý."))
    approve = SubmitField(_l("Đồng ý gia hạn"))
    reject = SubmitField(_l("Không đồng ý"))


class InboxFilterForm(FlaskForm):
    """GET filters of the inbox (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Tìm kiếm"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Vai trò"), validators=[Optional()],
                       choices=[SelectChoice("", _l("Tất cả")), SelectChoice("lead", _l("Chủ trì")),
                                SelectChoice("coordinator", _l("Phối hợp"))])
    status = SelectField(_l("Trạng thái"), validators=[Optional()])
    agency = SelectField(_l("Cơ quan"), validators=[Optional()])
    completed = BooleanField(_l("Gồm cả nhiệm vụ đã hoàn thành"))
