"""Forms of the oversight pages: GET filters (no CSRF, nothing changes) and the action forms (CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.core.dates import DayField
from app.core.enums import TaskKind

SORT_CHOICES = [SelectChoice("late", _l("Quá hạn lâu nhất trước")), SelectChoice("recent", _l("Mới quá hạn trước"))]
BUCKET_CHOICES = [SelectChoice("", _l("Mọi nhóm")), SelectChoice("1-7", _l("1–7 ngày")),
                  SelectChoice("8-30", _l("8–30 ngày")), SelectChoice("30+", _l("trên 30 ngày"))]
KIND_CHOICES = [SelectChoice("", _l("Mọi loại")),
                *[SelectChoice(k.value, k._label) for k in TaskKind if k is not TaskKind.CONTINUOUS]]


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class OverdueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    as_of = DayField(_l("Tính đến ngày"), validators=[Optional()])
    period = SelectField(_l("Kỳ (theo hạn)"), validators=[Optional()], validate_choice=False)
    directive = SelectField(_l("Văn bản"), validators=[Optional()], validate_choice=False)
    agency = SelectField(_l("Cơ quan"), validators=[Optional()], validate_choice=False)
    kind = SelectField(_l("Loại nhiệm vụ"), choices=KIND_CHOICES, validators=[Optional()])
    bucket = SelectField(_l("Nhóm quá hạn"), choices=BUCKET_CHOICES, validators=[Optional()])
    sort = SelectField(_l("Sắp xếp"), choices=SORT_CHOICES, validators=[Optional()])


class ReminderForm(FlaskForm):
    message = TextAreaField(_l("Lời nhắc (không bắt buộc)"), validators=[Optional(), Length(max=2000)])
    item_id = StringField(validators=[Optional(), Length(max=12)])
    submit = SubmitField(_l("Gửi nhắc việc"))


class ExplanationRequestForm(FlaskForm):
    message = TextAreaField(_l("Nội dung yêu cầu giải trình"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Yêu cầu giải trình"))


class ExplanationAnswerForm(FlaskForm):
    answer = TextAreaField(_l("Nội dung giải trình"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Gửi giải trình"))


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Lý do trả lại"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Trả lại đề nghị hoàn thành"))


class ScorecardFilterForm(FlaskForm):
    class Meta:
        csrf = False

    period = SelectField(_l("Kỳ"), validators=[Optional()], validate_choice=False)
    cutoff = DayField(_l("Chốt số liệu đến ngày"), validators=[Optional()])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Từ khóa (gõ có dấu hoặc không dấu)"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Loại"), choices=[SelectChoice("", _l("Tất cả")), SelectChoice("directive", _l("Văn bản")),
                                           SelectChoice("task", _l("Nhiệm vụ")),
                                           SelectChoice("report", _l("Báo cáo tiến độ"))], validators=[Optional()])


class CalendarForm(FlaskForm):
    """CSRF-only form for issuing or revoking the calendar address."""

    submit = SubmitField(_l("Xác nhận"))
