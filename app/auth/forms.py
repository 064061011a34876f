from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length


class LoginForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("Đăng nhập"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(), Length(max=128)])
    new_password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"), validators=[DataRequired(), EqualTo("new_password", _l("Mật khẩu nhập lại không khớp."))]
    )
    submit = SubmitField(_l("Đổi mật khẩu"))


class ForgotPasswordForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Gửi liên kết đặt lại mật khẩu"))


class SetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"), validators=[DataRequired(), EqualTo("new_password", _l("Mật khẩu nhập lại không khớp."))]
    )
    submit = SubmitField(_l("Đặt mật khẩu"))


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Ngôn ngữ"), choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")])
    notification_mode = SelectField(
        _l("Nhận nhắc việc"), choices=[SelectChoice("item", _l("Từng việc một")),
                                         SelectChoice("daily", _l("Một thư tổng hợp mỗi ngày"))]
    )
    submit = SubmitField(_l("Lưu"))


class EmptyForm(FlaskForm):
    """CSRF-only form for buttons that post (logout, revoke)."""

    submit = SubmitField(_l("Xác nhận"))
