"""The editing flow of a report row (PeriodReport): create, save, regenerate, freeze, and its frozen versions.

A draft keeps the human text and the cut-off; the data parts are rebuilt from the database every time,
so regenerating (possibly with a new cut-off) never loses an edit.  Freezing stores a :class:`ReportVersion`
with the whole built report as JSON and the Word file.  Services flush, never commit; every write is audited.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.core import audit
from app.core.clock import now_utc
from app.core.db import check_version as core_check_version
from app.core.enums import ReportState
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.numbers import date_vn
from app.core.periods import Period
from app.core.permissions import has_permission, require
from app.core.text import normalize
from app.extensions import db
from app.models import Organisation, PeriodReport, ReportVersion
from app.progress import indicators as arithmetic
from app.reports.builder import build_for
from app.reports.document import AnnexRow, QuarterlyReport
from app.reports.docx import render_docx
from app.reports.meetings import session_meetings
from app.reports.narrative import NARRATIVE_FIELDS
from app.reports.results import report_agencies
from app.reports.tallies import TALLY_PREFIX

REPORT_FIELDS = ("as_of", "number", "issued_on", "signer_name", "signer_title", "narrative", "state")


def _require_editor(actor) -> None:
    require(actor, "report.edit", _("Chỉ Văn phòng được soạn báo cáo định kỳ."))


def check_version(obj, expected_version: int | None) -> None:
    core_check_version(obj, expected_version,
                       lambda: _("Báo cáo đã được người khác cập nhật trong lúc bạn sửa. Vui lòng tải lại trang và nhập lại."))


def list_reports() -> list[PeriodReport]:
    return list(db.session.scalars(
        sa.select(PeriodReport).options(selectinload(PeriodReport.versions))
        .order_by(PeriodReport.year.desc(), PeriodReport.as_of.desc(), PeriodReport.id.desc())
    ))


def get_report(report_id: int) -> PeriodReport:
    report = db.session.get(PeriodReport, report_id)
    if report is None:
        raise NotFound(_("Không tìm thấy báo cáo."))
    return report


def find_report(period: Period) -> PeriodReport | None:
    return db.session.scalar(sa.select(PeriodReport).where(
        PeriodReport.year == period.year, PeriodReport.period_kind == period.kind,
        PeriodReport.period_index == period.index))


def check_as_of(period: Period, as_of: date | None) -> date:
    if as_of is None:
        raise ValidationFailed(_("Cần nhập ngày chốt số liệu."), field="as_of")
    if as_of.year != period.year:
        raise ValidationFailed(_("Ngày chốt số liệu phải thuộc năm %(y)s của kỳ báo cáo.", y=period.year), field="as_of")
    return as_of


def create_report(actor, period: Period, as_of: date) -> PeriodReport:
    """Open a draft for the period, built from the data as of ``as_of``; one report per period."""
    _require_editor(actor)
    check_as_of(period, as_of)
    if find_report(period) is not None:
        raise Conflict(_("Đã có báo cáo %(p)s; hãy mở báo cáo đó để sửa.", p=period.label))
    current, previous = session_meetings(period, as_of)
    report = PeriodReport(
        year=period.year, period_kind=period.kind, period_index=period.index, as_of=as_of,
        meeting_id=current.id if current else None, previous_meeting_id=previous.id if previous else None,
        narrative="{}", state=ReportState.DRAFT, created_by_id=actor.id,
    )
    db.session.add(report)
    db.session.flush()
    audit.record(actor, "create", report, summary=_("Tạo dự thảo báo cáo %(p)s", p=period.label),
                 after=audit.snapshot(report, REPORT_FIELDS))
    return report


def _clean_narrative(narrative: Mapping[str, str | None], agencies: Sequence[Organisation]) -> dict[str, str]:
    allowed_tally = {TALLY_PREFIX + o.code for o in agencies}
    values = {t.value for t in arithmetic.TallyTemplate}
    clean: dict[str, str] = {}
    for key, value in narrative.items():
        text = (value or "").replace("\r\n", "\n").strip()
        if key in NARRATIVE_FIELDS:
            if len(text) > 50000:
                raise ValidationFailed(_("Nội dung quá dài (tối đa 50.000 ký tự)."), field=key)
            if text:
                clean[key] = normalize(text)
        elif key in allowed_tally:
            if text not in values:
                raise ValidationFailed(_("Mẫu câu tổng hợp chỉ tiêu không hợp lệ."), field=key)
            clean[key] = text
        else:
            raise ValidationFailed(_("Phần báo cáo không hợp lệ: %(k)s", k=key))
    return clean


def save_report(actor, report: PeriodReport, *, narrative: Mapping[str, str | None], number: int | None,
                issued_on: date | None, signer_name: str | None, signer_title: str | None,
                expected_version: int | None) -> PeriodReport:
    """Save the human parts and the issuing details; the data parts are untouched (they are rebuilt)."""
    _require_editor(actor)
    check_version(report, expected_version)
    if number is not None and not 1 <= number <= 99999:
        raise ValidationFailed(_("Số văn bản phải từ 1 đến 99999."), field="number")
    if (number is None) != (issued_on is None):
        raise ValidationFailed(_("Khi ban hành cần nhập cả số văn bản và ngày ban hành."), field="number")
    if issued_on is not None and issued_on < report.as_of.replace(month=1, day=1):
        raise ValidationFailed(_("Ngày ban hành không được trước năm của kỳ báo cáo."), field="issued_on")
    clean = _clean_narrative(narrative, report_agencies())
    before = audit.snapshot(report, REPORT_FIELDS)
    report.narrative = json.dumps(clean, ensure_ascii=False, sort_keys=True)
    report.number, report.issued_on = number, issued_on
    report.signer_name = (signer_name or "").strip()[:120] or None
    report.signer_title = (signer_title or "").strip()[:120] or None
    old, new = audit.diff(before, audit.snapshot(report, REPORT_FIELDS))
    if not new:
        return report
    report.state = ReportState.DRAFT
    db.session.flush()
    audit.record(actor, "update", report, summary=_("Sửa báo cáo %(p)s", p=report.period.label),
                 before=old, after=new)
    return report


def regenerate_report(actor, report: PeriodReport, as_of: date, *, expected_version: int | None) -> QuarterlyReport:
    """Rebuild the data parts from the data as of ``as_of`` (a new cut-off is allowed); edits are kept."""
    _require_editor(actor)
    check_version(report, expected_version)
    period = report.period
    check_as_of(period, as_of)
    before = audit.snapshot(report, REPORT_FIELDS)
    current, previous = session_meetings(period, as_of)
    report.as_of = as_of
    report.meeting_id = current.id if current else None
    report.previous_meeting_id = previous.id if previous else None
    report.state = ReportState.DRAFT
    report.updated_at = now_utc()  # bumps the version even when the cut-off is unchanged
    db.session.flush()
    old, new = audit.diff(before, audit.snapshot(report, REPORT_FIELDS))
    audit.record(actor, "regenerate", report, before=old or None, after=new or None,
                 summary=_("Cập nhật số liệu báo cáo %(p)s đến ngày %(d)s", p=period.label, d=date_vn(as_of)))
    return build_for(report)


def freeze_report(actor, report: PeriodReport, *, expected_version: int | None) -> ReportVersion:
    """Chốt: store the built report (figures and text as JSON) and its Word file as a new version."""
    _require_editor(actor)
    check_version(report, expected_version)
    built = build_for(report)
    if built.blocking:
        raise ValidationFailed(_("Chưa thể chốt báo cáo: %(e)s", e="; ".join(built.errors)))
    number = (db.session.scalar(sa.select(sa.func.max(ReportVersion.version_no))
                                .where(ReportVersion.report_id == report.id)) or 0) + 1
    version = ReportVersion(
        report_id=report.id, version_no=number, frozen_at=now_utc(), frozen_by_id=actor.id,
        data=json.dumps(built.to_json(), ensure_ascii=False, sort_keys=True), docx=render_docx(built),
    )
    db.session.add(version)
    report.state = ReportState.FROZEN
    db.session.flush()
    audit.record(actor, "freeze", report, after={"version_no": number, "as_of": report.as_of.isoformat()},
                 summary=_("Chốt báo cáo %(p)s, phiên bản %(n)d", p=report.period.label, n=number))
    return version


def get_version(report: PeriodReport, version_no: int) -> ReportVersion:
    version = db.session.scalar(sa.select(ReportVersion).where(
        ReportVersion.report_id == report.id, ReportVersion.version_no == version_no))
    if version is None:
        raise NotFound(_("Không tìm thấy phiên bản báo cáo."))
    return version


def version_annex(version: ReportVersion) -> list[AnnexRow]:
    """The annex rows stored with a frozen version (the figures it was built from)."""
    return [AnnexRow.from_json(row) for row in json.loads(version.data).get("annex", [])]


def version_as_of(version: ReportVersion) -> date:
    return date.fromisoformat(json.loads(version.data)["as_of"])


def can_view_drafts(user) -> bool:
    return has_permission(user, "report.draft")
