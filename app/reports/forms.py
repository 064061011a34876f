"""Forms of the report pages (all with CSRF); per-agency and per-task fields are added at run time."""

from __future__ import annotations

from collections.abc import Sequence

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
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.dates import DayField
from app.progress.indicators import TallyTemplate
from app.reports.narrative import NARRATIVE_FIELDS
from app.reports.tallies import TALLY_PREFIX

PERIOD_KIND_LABELS = {
    "quarter": _l("Quý"),
    "half": _l("6 tháng"),
    "nine_months": _l("9 tháng"),
    "year": _l("Năm"),
}

TALLY_CHOICES = [
    SelectChoice(TallyTemplate.BUCKETS.value, _l("Từng nhóm (như UB MTTQ): “…04 chỉ tiêu, 40 chỉ tiêu đạt trên 75%; …”")),
    SelectChoice(TallyTemplate.RANGE.value, _l("Khoảng tỷ lệ (như LĐLĐ): “…04 chỉ tiêu đạt từ 63-96% và …”")),
    SelectChoice(TallyTemplate.NAMED_LOW.value,
                 _l("Trên tổng số, nêu tên chỉ tiêu thấp (như Hội CTĐ): “…16/20 chỉ tiêu, …”")),
]


class NewReportForm(FlaskForm):
    year = IntegerField(_l("Năm"), validators=[DataRequired(), NumberRange(2000, 2100)])
    period_kind = SelectField(_l("Loại kỳ"), choices=[SelectChoice(k, v) for k, v in PERIOD_KIND_LABELS.items()])
    period_index = SelectField(_l("Kỳ số"), choices=[SelectChoice(str(i)) for i in range(1, 5)], coerce=int,
                               description=_l("Quý 1–4; 6 tháng: 1 (đầu năm) hoặc 2; 9 tháng và năm: 1."))
    as_of = DayField(_l("Ngày chốt số liệu"), validators=[DataRequired()])
    submit = SubmitField(_l("Tạo dự thảo"))


class ReportEditForm(FlaskForm):
    """Issuing details and the human-written sections; tally template selects are added per agency."""

    version = HiddenField()
    number = IntegerField(_l("Số văn bản (khi ban hành)"), validators=[Optional(), NumberRange(1, 99999)])
    issued_on = DayField(_l("Ngày ban hành"), validators=[Optional()])
    signer_title = StringField(_l("Chức vụ người ký"), validators=[Optional(), Length(max=120)],
                               description=_l("Để trống: Chánh Văn phòng."))
    signer_name = StringField(_l("Họ và tên người ký"), validators=[Optional(), Length(max=120)])
    #: Set by the editor script when "Cập nhật số liệu" is pressed with unsaved edits: save, then regenerate.
    regenerate_as_of = HiddenField()
    submit = SubmitField(_l("Lưu nội dung"))


def edit_form_class(agencies: Sequence) -> type[ReportEditForm]:
    """The edit form with one textarea per narrative section and one tally select per tallied agency."""

    class Form(ReportEditForm):
        pass

    for key, (label, help_text) in NARRATIVE_FIELDS.items():
        setattr(Form, f"n_{key}", TextAreaField(label, validators=[Optional(), Length(max=50000)],
                                                description=help_text, render_kw={"rows": 6}))
    for org in agencies:
        setattr(Form, f"t_{org.id}", SelectField(org.name, choices=TALLY_CHOICES, validators=[Optional()]))
    return Form


def narrative_from(form: ReportEditForm, agencies: Sequence) -> dict[str, str]:
    narrative = {key: getattr(form, f"n_{key}").data or "" for key in NARRATIVE_FIELDS}
    for org in agencies:
        narrative[TALLY_PREFIX + org.code] = getattr(form, f"t_{org.id}").data or ""
    return {k: v for k, v in narrative.items() if v}


class RegenerateForm(FlaskForm):
    version = HiddenField()
    as_of = DayField(_l("Ngày chốt số liệu"), validators=[DataRequired()])
    submit = SubmitField(_l("Cập nhật số liệu"))


class FreezeForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField(_l("Chốt phiên bản"))


def carry_form_class(candidates: Sequence) -> type[FlaskForm]:
    """One checkbox and one new due date per unfinished task."""

    class Form(FlaskForm):
        submit = SubmitField(_l("Tạo dự thảo kết luận với các nhiệm vụ đã chọn"))

    for candidate in candidates:
        setattr(Form, f"pick_{candidate.task.id}", BooleanField(candidate.task.title[:200],
                                                               default=not candidate.carried))
        setattr(Form, f"due_{candidate.task.id}", DayField(_l("Hạn mới"), default=candidate.suggested_due,
                                                            validators=[Optional()]))
    return Form


class AgencyInputForm(FlaskForm):
    version = HiddenField()
    results_text = TextAreaField(
        _l("Kết quả thực hiện nhiệm vụ trong kỳ (mục II.3)"), validators=[Optional(), Length(max=50000)],
        description=_l("Mỗi đoạn một dòng. Chú thích cuối trang: viết [^nội dung chú thích] ngay sau chữ cần chú thích."),
        render_kw={"rows": 10})
    declared_indicator_total = IntegerField(
        _l("Tổng số chỉ tiêu của cơ quan trong năm"), validators=[Optional(), NumberRange(0, 1000)],
        description=_l("Dùng để kiểm tra câu tổng hợp chỉ tiêu: các nhóm phải cộng lại đúng bằng số này."))
    tally_text = TextAreaField(
        _l("Câu tổng hợp chỉ tiêu do cơ quan viết (tùy chọn)"), validators=[Optional(), Length(max=1000)],
        description=_l("Để trống để in câu được tính từ số liệu chỉ tiêu; nếu nhập, báo cáo in câu này và "
                       "Văn phòng vẫn thấy câu tính tự động."),
        render_kw={"rows": 2})
    difficulties_text = TextAreaField(
        _l("Khó khăn, hạn chế trong kỳ (gợi ý cho mục III.2)"), validators=[Optional(), Length(max=50000)],
        render_kw={"rows": 4})
    next_tasks_text = TextAreaField(_l("Nhiệm vụ thời gian tới (mục IV.2)"), validators=[Optional(), Length(max=50000)],
                                    render_kw={"rows": 6})
    proposals_text = TextAreaField(_l("Đề xuất, kiến nghị (mục V)"), validators=[Optional(), Length(max=50000)],
                                   description=_l("Để trống nếu không có đề xuất."), render_kw={"rows": 4})
    submit = SubmitField(_l("Lưu báo cáo của cơ quan"))
