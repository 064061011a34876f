from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.core.dates import DayField
from app.core.enums import TaskKind


class TaskEditForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Nhiệm vụ"), validators=[DataRequired(), Length(max=1000)])
    description = TextAreaField(_l("Nội dung chi tiết"), validators=[Optional(), Length(max=20000)])
    lead_org_id = SelectField(_l("Cơ quan chủ trì"), coerce=int)
    due_phrase = StringField(_l("Thời hạn (như văn bản ghi)"), validators=[Optional(), Length(max=200)])
    due_date = DayField(_l("Hạn hoàn thành"), validators=[Optional()])
    kind = SelectField(_l("Loại nhiệm vụ"), choices=TaskKind.choices)
    is_confidential = BooleanField(_l("Nội dung mật (không gửi nội dung qua email)"))
    submit = SubmitField(_l("Lưu"))


class TaskFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Tìm kiếm"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Trạng thái"), validators=[Optional()])
    agency = IntegerField(_l("Cơ quan"), validators=[Optional()])
