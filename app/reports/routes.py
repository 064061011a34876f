"""Report pages: list, new draft, editor with live preview, regenerate, freeze, downloads, carry-over,
and each agency's period input."""

from __future__ import annotations

import io
from datetime import date

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.clock import today_local
from app.core.errors import DomainError, NotFound
from app.core.numbers import date_vn
from app.core.periods import Period, parse_period
from app.core.permissions import has_permission, requires
from app.extensions import db
from app.models import Organisation
from app.reports import carry_over as carrying
from app.reports import drafts
from app.reports.agency_inputs import (
    agency_input_preview,
    editor_prefills,
    get_agency_input,
    save_agency_input,
)
from app.reports.blueprint import bp
from app.reports.builder import build_for
from app.reports.docx import DOCX_MIMETYPE, PdfUnavailable, convert_to_pdf, render_docx, soffice_path
from app.reports.forms import (
    AgencyInputForm,
    FreezeForm,
    NewReportForm,
    RegenerateForm,
    carry_form_class,
    edit_form_class,
    narrative_from,
)
from app.reports.meetings import report_meeting
from app.reports.narrative import NARRATIVE_FIELDS, narrative_of
from app.reports.results import report_agencies
from app.reports.tallies import TALLY_KINDS, tally_template_for
from app.reports.xlsx import XLSX_MIMETYPE, annex_for, render_annex
from app.tasks.services import form_version


def _download(data: bytes, name: str, mimetype: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


def _file_stem(report) -> str:
    return f"bao-cao-{report.period.code}"


def _tallied_agencies() -> list[Organisation]:
    return [o for o in report_agencies() if o.kind in TALLY_KINDS]


# --------------------------------------------------------------------------------------------
# List and new draft
# --------------------------------------------------------------------------------------------


@bp.route("/")
@requires("report.view")
def index():
    reports = drafts.list_reports()
    today = today_local()
    current_period = Period.quarter_containing(today)
    form = NewReportForm() if has_permission(current_user, "report.edit") else None
    if form is not None and not form.is_submitted():
        form.year.data, form.period_kind.data = current_period.year, "quarter"
        form.period_index.data, form.as_of.data = current_period.index, today
    return render_template("reports/index.html", reports=reports, form=form, Period=Period, current_period=current_period,
                           can_draft=drafts.can_view_drafts(current_user),
                           is_agency=has_permission(current_user, "agency.own"))


@bp.route("/new", methods=["POST"])
@requires("report.edit")
def create():
    form = NewReportForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng kiểm tra lại năm, kỳ và ngày chốt số liệu."), "danger")
        return redirect(url_for("reports.index"))
    try:
        period = Period(form.year.data, form.period_kind.data, form.period_index.data)
        report = drafts.create_report(current_user, period, form.as_of.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("reports.index"))
    flash(_("Đã tạo dự thảo báo cáo %(p)s.", p=period.label), "success")
    return redirect(url_for("reports.edit", report_id=report.id))


# --------------------------------------------------------------------------------------------
# Editor
# --------------------------------------------------------------------------------------------


def _edit_form(report, agencies, *, load: bool):
    form_class = edit_form_class(agencies)
    form = form_class()
    if load:
        narrative = narrative_of(report)
        form.version.data = str(report.version_id)
        form.number.data, form.issued_on.data = report.number, report.issued_on
        form.signer_name.data, form.signer_title.data = report.signer_name, report.signer_title
        suggested = editor_prefills(build_for(report))
        for key in NARRATIVE_FIELDS:
            field = getattr(form, f"n_{key}")
            field.data = narrative.get(key) or suggested.get(key, "")
            if not narrative.get(key) and key in suggested:
                field.render_kw = {**(field.render_kw or {}), "data-prefilled": "1"}
                field.description = _("Gợi ý từ số liệu; sửa rồi bấm “Lưu nội dung” để giữ.")
        for org in agencies:
            getattr(form, f"t_{org.id}").data = tally_template_for(org.code, narrative).value
    return form


def _render_editor(report, form, *, status: int = 200):
    built = build_for(report)
    regenerate = RegenerateForm(formdata=None, version=str(report.version_id), as_of=report.as_of)
    freeze = FreezeForm(formdata=None, version=str(report.version_id))
    return render_template(
        "reports/edit.html", report=report, built=built, form=form, regenerate=regenerate, freeze=freeze,
        period=report.period,
        can_edit=has_permission(current_user, "report.edit"), tallied=_tallied_agencies(),
        pdf_available=soffice_path() is not None,
    ), status


@bp.route("/<int:report_id>", methods=["GET"])
@requires("report.draft")
def edit(report_id: int):
    report = drafts.get_report(report_id)
    form = _edit_form(report, _tallied_agencies(), load=True) if has_permission(current_user, "report.edit") else None
    return _render_editor(report, form)


@bp.route("/<int:report_id>", methods=["POST"])
@requires("report.edit")
def save(report_id: int):
    report = drafts.get_report(report_id)
    agencies = _tallied_agencies()
    form = _edit_form(report, agencies, load=False)
    if not form.validate_on_submit():
        flash(_("Vui lòng kiểm tra lại các ô được đánh dấu."), "danger")
        return _render_editor(report, form, status=422)
    try:
        drafts.save_report(current_user, report, narrative=narrative_from(form, agencies), number=form.number.data,
                        issued_on=form.issued_on.data, signer_name=form.signer_name.data,
                        signer_title=form.signer_title.data, expected_version=form_version(form.version.data))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        report = drafts.get_report(report_id)
        return _render_editor(report, form, status=error.status_code)
    if form.regenerate_as_of.data:
        return _save_then_regenerate(report, form.regenerate_as_of.data)
    flash(_("Đã lưu nội dung báo cáo."), "success")
    return redirect(url_for("reports.edit", report_id=report.id))


def _save_then_regenerate(report, as_of_text: str):
    """"Cập nhật số liệu" pressed with unsaved edits: the edits were just saved, now the figures."""
    try:
        as_of = date.fromisoformat(as_of_text)
        built = drafts.regenerate_report(current_user, report, as_of, expected_version=report.version_id)
        db.session.commit()
    except ValueError:
        flash(_("Đã lưu nội dung; ngày chốt số liệu không hợp lệ nên chưa cập nhật số liệu."), "warning")
    except DomainError as error:
        db.session.rollback()
        flash(_("Đã lưu nội dung; chưa cập nhật số liệu: %(e)s", e=error.message), "warning")
    else:
        flash(_("Đã lưu nội dung và cập nhật số liệu đến ngày %(d)s.", d=date_vn(built.as_of)), "success")
    return redirect(url_for("reports.edit", report_id=report.id))


@bp.route("/<int:report_id>/regenerate", methods=["POST"])
@requires("report.edit")
def regenerate(report_id: int):
    report = drafts.get_report(report_id)
    form = RegenerateForm()
    if not form.validate_on_submit():
        flash(_("Ngày chốt số liệu không hợp lệ."), "danger")
        return redirect(url_for("reports.edit", report_id=report.id))
    try:
        built = drafts.regenerate_report(current_user, report, form.as_of.data, expected_version=form_version(form.version.data))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("reports.edit", report_id=report_id))
    flash(_("Đã cập nhật số liệu đến ngày %(d)s; phần nội dung đã lưu được giữ nguyên.",
            d=date_vn(built.as_of)), "success")
    return redirect(url_for("reports.edit", report_id=report.id))


@bp.route("/<int:report_id>/freeze", methods=["POST"])
@requires("report.edit")
def freeze(report_id: int):
    report = drafts.get_report(report_id)
    form = FreezeForm()
    if not form.validate_on_submit():
        flash(_("Biểu mẫu không hợp lệ."), "danger")
        return redirect(url_for("reports.edit", report_id=report.id))
    try:
        version = drafts.freeze_report(current_user, report, expected_version=form_version(form.version.data))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("reports.edit", report_id=report_id))
    flash(_("Đã chốt phiên bản %(n)d.", n=version.version_no), "success")
    return redirect(url_for("reports.edit", report_id=report.id))


@bp.route("/<int:report_id>/preview")
@requires("report.draft")
def preview(report_id: int):
    report = drafts.get_report(report_id)
    return render_template("reports/preview.html", report=report, built=build_for(report))


# --------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------


@bp.route("/<int:report_id>/report.docx")
@requires("report.draft")
def draft_docx(report_id: int):
    report = drafts.get_report(report_id)
    return _download(render_docx(build_for(report)), f"{_file_stem(report)}.docx", DOCX_MIMETYPE)


@bp.route("/<int:report_id>/annex.xlsx")
@requires("report.draft")
def draft_annex(report_id: int):
    report = drafts.get_report(report_id)
    return _download(annex_for(build_for(report)), f"{_file_stem(report)}-phu-luc.xlsx", XLSX_MIMETYPE)


@bp.route("/<int:report_id>/report.pdf")
@requires("report.draft")
def draft_pdf(report_id: int):
    report = drafts.get_report(report_id)
    if soffice_path() is None:
        raise NotFound(_("Máy chủ chưa cài LibreOffice nên chưa xuất được PDF; hãy tải tệp Word."))
    try:
        data = convert_to_pdf(render_docx(build_for(report)))
    except PdfUnavailable:
        abort(503)
    return _download(data, f"{_file_stem(report)}.pdf", "application/pdf")


@bp.route("/<int:report_id>/versions/<int:version_no>/report.docx")
@requires("report.view")
def version_docx(report_id: int, version_no: int):
    report = drafts.get_report(report_id)
    version = drafts.get_version(report, version_no)
    if not version.docx:
        raise NotFound(_("Phiên bản này không có tệp Word."))
    return _download(version.docx, f"{_file_stem(report)}-v{version_no}.docx", DOCX_MIMETYPE)


@bp.route("/<int:report_id>/versions/<int:version_no>/annex.xlsx")
@requires("report.draft")
def version_annex(report_id: int, version_no: int):
    report = drafts.get_report(report_id)
    version = drafts.get_version(report, version_no)
    period = report.period
    data = render_annex(drafts.version_annex(version), period_label=period.label, as_of=drafts.version_as_of(version))
    return _download(data, f"{_file_stem(report)}-v{version_no}-phu-luc.xlsx", XLSX_MIMETYPE)


# --------------------------------------------------------------------------------------------
# Carry-over into the next conclusion
# --------------------------------------------------------------------------------------------


@bp.route("/<int:report_id>/carry-over", methods=["GET", "POST"])
@requires("report.carry_over")
def carry_over(report_id: int):
    report = drafts.get_report(report_id)
    candidates = carrying.carry_over_candidates(report)
    form = carry_form_class(candidates)()
    status = 200
    if form.validate_on_submit():
        choices = {c.task.id: getattr(form, f"due_{c.task.id}").data
                   for c in candidates if getattr(form, f"pick_{c.task.id}").data and not c.carried}
        try:
            directive = carrying.carry_over(current_user, report, choices)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            status = error.status_code
        else:
            flash(_("Đã chuyển tiếp %(n)d nhiệm vụ vào dự thảo kết luận.", n=len(choices)), "success")
            if "directives.detail" in _endpoints():
                return redirect(url_for("directives.detail", directive_id=directive.id))
            return redirect(url_for("reports.carry_over", report_id=report.id))
    elif form.is_submitted():
        flash(_("Vui lòng kiểm tra lại hạn mới của các nhiệm vụ."), "danger")
        status = 422
    meeting = report_meeting(report)
    return render_template("reports/carry_over.html", report=report, candidates=candidates, form=form,
                           meeting=meeting, period=report.period
                           ), status


def _endpoints():
    from flask import current_app

    return current_app.view_functions


# --------------------------------------------------------------------------------------------
# Agency period input
# --------------------------------------------------------------------------------------------


def _input_org(period_code: str) -> Organisation:
    if has_permission(current_user, "agency.own"):
        return current_user.organisation
    org_id = request.args.get("org", "")
    agencies = report_agencies()
    chosen = next((o for o in agencies if str(o.id) == org_id), None)
    if chosen is None:
        return agencies[0] if agencies else abort(404)
    return chosen


@bp.route("/inputs/<period_code>", methods=["GET", "POST"])
@requires("report.agency_input")
def agency_input(period_code: str):
    period = parse_period(period_code)
    org = _input_org(period_code)
    entry = get_agency_input(current_user, org, period)
    form = AgencyInputForm(obj=entry) if request.method == "GET" else AgencyInputForm()
    if request.method == "GET":
        form.version.data = str(entry.version_id) if entry else ""
    status = 200
    if form.validate_on_submit():
        data = {"results_text": form.results_text.data, "next_tasks_text": form.next_tasks_text.data,
                "proposals_text": form.proposals_text.data, "tally_text": form.tally_text.data or "",
                "difficulties_text": form.difficulties_text.data or "",
                "declared_indicator_total": form.declared_indicator_total.data}
        try:
            save_agency_input(current_user, org, period, data,
                                  expected_version=form_version(form.version.data, required=entry is not None))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            status = error.status_code
        else:
            flash(_("Đã lưu báo cáo của %(agency)s.", agency=org.name), "success")
            return redirect(url_for("reports.agency_input", period_code=period.code, org=org.id))
    elif form.is_submitted():
        status = 422
    preview = agency_input_preview(org, period)
    agencies = report_agencies() if not has_permission(current_user, "agency.own") else []
    return render_template("reports/agency_input.html", form=form, org=org, period=period, preview=preview,
                           agencies=agencies, entry=entry), status
