from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from app.core.enums import OrganisationKind, Role
from app.models import Organisation


class OrganisationForm(FlaskForm):
    version = HiddenField()
    code = StringField(_l("Mã"), validators=[DataRequired(), Length(max=32), Regexp(Organisation.CODE_PATTERN, message=_l("Mã chỉ gồm chữ, số, dấu chấm, gạch."))])
    name = StringField(_l("Tên"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Tên ngắn"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Loại"), choices=OrganisationKind.choices)
    parent_id = SelectField(_l("Trực thuộc"), coerce=int)
    display_order = IntegerField(_l("Thứ tự trong báo cáo"), default=1000, validators=[NumberRange(min=0, max=100000)])
    report_heading = StringField(_l("Tiêu đề lĩnh vực trong báo cáo"), validators=[Optional(), Length(max=200)])
    aliases = TextAreaField(_l("Tên gọi khác (mỗi dòng một tên)"), validators=[Optional(), Length(max=5000)])
    contact_emails = TextAreaField(_l("Email liên hệ (mỗi dòng một địa chỉ)"), validators=[Optional(), Length(max=2000)])
    is_active = BooleanField(_l("Đang hoạt động"), default=True)
    submit = SubmitField(_l("Lưu"))


class ImportForm(FlaskForm):
    """A directory file to preview (dry run) or import; after a clean preview the file rides along in
    ``payload`` (base64) so "Nhập" imports exactly what was previewed."""

    file = FileField(_l("Tệp .csv hoặc .xlsx"))
    payload = HiddenField()
    filename = HiddenField(validators=[Optional(), Length(max=255)])
    deactivate_missing = BooleanField(_l("Ngừng hoạt động các tổ chức không có trong tệp (không xóa)"))
    preview = SubmitField(_l("Xem trước"))
    confirm = SubmitField(_l("Nhập"))


class UserForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=120)])
    title = StringField(_l("Chức danh"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Vai trò"), choices=Role.choices)
    organisation_id = SelectField(_l("Tổ chức"), coerce=int)
    is_active = BooleanField(_l("Đang hoạt động"), default=True)
    submit = SubmitField(_l("Lưu"))
