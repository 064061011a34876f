"""Builds the periodic working-session report (báo cáo làm việc định kỳ) from the data as of a cut-off.

:func:`build_period_report` reads the database and returns a :class:`~app.reports.document.QuarterlyReport`
holding every line of every section (domain.md §5.1–5.2); Word, Excel, HTML preview and CLI render that one object.

Where each part comes from:

- header, title, recipients, signature (AS-06): configuration, the report row, fixed text;
- I. the previous periodic session's conclusion (AS-01, AS-09): :mod:`app.reports.conclusion`;
- II.1 district key indicators (AS-02): :func:`app.progress.indicators.indicator_line` on the latest
  value on or before the cut-off;
- II.2, III, IV.1, V: text the office writes in the editor (``PeriodReport.narrative``);
- II.3 per-agency blocks in agency order (AS-07): each agency's period input (or, failing that, its
  progress narratives), closed for the Front and mass organisations by a tally line (AS-03) checked
  against the number of indicators the agency declared;
- IV.2 per agency: its planned tasks and its open tasks;
- footnotes: ``[^text]`` written in any narrative becomes a numbered footnote.

Read only: the data parts are rebuilt every time, so the office's edits are never lost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.core.enums import Role
from app.core.numbers import date_vn, place_date_line
from app.core.periods import Period, report_period_heading
from app.extensions import db
from app.models import AgencyPeriodInput, Indicator, IndicatorValue, Meeting, Organisation, PeriodReport, User
from app.reports import narrative as narrative_parts
from app.reports.annex import (
    TaskRow,
    annex_rows,
    last_reports,
    open_tasks_by_agency,
    period_tasks,
    task_context,
)
from app.reports.conclusion import conclusion_result, section_one_paragraphs
from app.reports.document import (
    AgencyBlock,
    ConclusionResult,
    Header,
    Para,
    QuarterlyReport,
    Section,
    Subsection,
)
from app.reports.meetings import conclusions_of, meeting_label, session_meetings, sibling_sessions
from app.reports.narrative import draft_warnings, narrative_of
from app.reports.paragraphs import Notes, clean_line, paragraphs, starts_with_name, strip_end, style_of
from app.reports.results import district_indicator_lines, inputs_for, progress_narratives, report_agencies
from app.reports.tallies import (
    TALLY_KINDS,
    AgencyTally,
    agency_tally,
    latest_values,
    printed_tally,
    tally_template_for,
)

DEFAULT_RECIPIENTS = (
    "Thường trực Huyện ủy",
    "Thường trực HĐND, UBND huyện",
    "Các cơ quan tham mưu, giúp việc Huyện ủy",
    "Trung tâm Chính trị huyện",
    "MTTQ và các đoàn thể CT-XH huyện",
    "Lưu Văn phòng Huyện ủy",
)
REPORT_CODE = "BC/VPHU"
_BLANK_NUMBER = " " * 7  # "Số       -BC/VPHU": the number is written in by hand when issued (003:L9)


def _recipient_lines(text: str | None) -> tuple[str, ...]:
    """"- X," for every line and "- Y." for the last one (domain.md §5.4 rule 3)."""
    names = [strip_end(line).removeprefix("-").strip() for line in (text or "").splitlines()]
    names = [n for n in names if n] or list(DEFAULT_RECIPIENTS)
    return tuple(f"- {name}{'.' if i == len(names) - 1 else ','}" for i, name in enumerate(names))


def _default_signer() -> str:
    user = db.session.scalar(
        sa.select(User).where(User.role == Role.OFFICE_CHIEF, User.is_active_account.is_(True)).order_by(User.id).limit(1))
    return user.name if user else ""


def _header(period: Period, as_of: date, report: PeriodReport | None) -> Header:
    district = current_app.config.get("DISTRICT_NAME") or "Phụng Hiệp"
    number = report.number if report is not None and report.number else None
    issued_on = report.issued_on if report is not None else None
    place_date = (place_date_line(district, issued_on) if issued_on
                  else place_date_line(district, None, month=as_of.month, year=as_of.year))
    return Header(
        parent_line=f"HUYỆN ỦY {district.upper()}",
        unit_line="VĂN PHÒNG",
        number_line=f"Số {number}-{REPORT_CODE}" if number else f"Số{_BLANK_NUMBER}-{REPORT_CODE}",
        party_line="ĐẢNG CỘNG SẢN VIỆT NAM",
        place_date_line=place_date,
    )


def _title(period: Period) -> tuple[str, ...]:
    return (
        "BÁO CÁO",
        f"Làm việc định kỳ {period.label} giữa Thường trực Huyện ủy",
        "với các cơ quan tham mưu, giúp việc Huyện ủy; Mặt trận Tổ quốc",
        "và đoàn thể chính trị - xã hội huyện",
    )


@dataclass
class _Builder:
    period: Period
    as_of: date
    narrative: dict[str, str]
    notes: Notes = field(default_factory=Notes)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def text(self, key: str, *, default: str = "body") -> tuple[Para, ...]:
        return paragraphs(self.narrative.get(key), self.notes, default=default)

    def part(self, key: str) -> tuple[Para, ...]:
        """An office part, or the draft placeholder when it is still empty (never a bare heading)."""
        return self.text(key) or (Para("draft", (narrative_parts.PLACEHOLDER,)),)

    def headed(self, heading: str, key: str) -> tuple[Para, ...]:
        """"* Khó khăn, hạn chế:" then the text, unless the office wrote that line itself."""
        if narrative_parts.has_own_heading(self.narrative.get(key)):
            return self.text(key)
        return (Para("field", (heading,)),) + self.part(key)

    # --- I ---------------------------------------------------------------------------------
    def section_one(self, previous: Meeting | None) -> tuple[Section, ConclusionResult | None]:
        heading = "NHỮNG KẾT QUẢ THỰC HIỆN THÔNG BÁO KẾT LUẬN TẠI BUỔI LÀM VIỆC ĐỊNH KỲ"
        if previous is None:
            self.warnings.append(_("Chưa có buổi làm việc định kỳ nào trước kỳ này (đến ngày %(d)s).", d=date_vn(self.as_of)))
            paras = (Para("body", ("Chưa có buổi làm việc định kỳ trước để báo cáo kết quả thực hiện kết luận.",)),)
            return Section("I", heading + " TRƯỚC", paras + self.text("section1_note")), None
        title = f"{heading} {meeting_label(previous).upper()}"
        siblings = sibling_sessions(previous)
        if siblings:
            self.warnings.append(_("%(q)s có %(n)d buổi làm việc định kỳ; mục I báo cáo buổi ngày %(d)s (buổi có Thông "
                                   "báo kết luận), không báo cáo buổi ngày %(others)s.",
                                   q=meeting_label(previous), n=len(siblings) + 1, d=date_vn(previous.held_on),
                                   others=", ".join(date_vn(m.held_on) for m in siblings)))
        issued, drafts = conclusions_of(previous)
        if not issued:
            self.warnings.append(_("Buổi làm việc ngày %(d)s chưa có Thông báo kết luận được ban hành%(draft)s.",
                                   d=date_vn(previous.held_on), draft=_(" (còn ở dạng dự thảo)") if drafts else ""))
            sentence = (f"Ngày {date_vn(previous.held_on)}, {previous.chair} có buổi làm việc định kỳ "
                        f"{meeting_label(previous)}; chưa có Thông báo kết luận được ban hành.")
            return Section("I", title, (Para("body", (sentence,)),) + self.text("section1_note")), None
        result = conclusion_result(previous, issued, self.as_of)
        paras = tuple(Para("body", (line,)) for line in section_one_paragraphs(result))
        return Section("I", title, paras + self.text("section1_note")), result

    # --- II --------------------------------------------------------------------------------
    def section_two(self, agencies: Sequence[Organisation], inputs: Mapping[int, AgencyPeriodInput],
                    indicator_lines: Sequence[str]) -> tuple[Section, list[AgencyBlock]]:
        subsections = []
        if indicator_lines:
            subsections.append(Subsection("II.indicators", "Kết quả thực hiện các chỉ tiêu về xây dựng Đảng, Đoàn thể",
                                          tuple(Para("bullet", (line,)) for line in indicator_lines)))
        subsections.append(Subsection("II.key_work", "Các mặt công tác trọng tâm", self.part("key_work")))
        blocks = self.agency_blocks(agencies, inputs)
        subsections.append(Subsection("II.fields", "Kết quả cụ thể trên từng lĩnh vực", blocks=tuple(blocks)))
        title = f"KẾT QUẢ THỰC HIỆN NHIỆM VỤ {report_period_heading(self.period.year, self.period.end_quarter)}"
        return Section("II", title, subsections=tuple(subsections)), blocks

    def agency_blocks(self, agencies: Sequence[Organisation], inputs: Mapping[int, AgencyPeriodInput]) -> list[AgencyBlock]:
        missing_input = [o.id for o in agencies if not (inputs.get(o.id) and inputs[o.id].results_text.strip())]
        narratives = progress_narratives(missing_input, self.period.year, self.as_of)
        tallied = [o for o in agencies if o.kind in TALLY_KINDS]
        indicators: dict[int, list[Indicator]] = defaultdict(list)
        if tallied:
            for indicator in db.session.scalars(
                sa.select(Indicator).where(Indicator.organisation_id.in_([o.id for o in tallied]),
                                           Indicator.year == self.period.year, Indicator.is_district_key.is_(False))
                .order_by(Indicator.display_order, Indicator.code, Indicator.id)
            ):
                indicators[indicator.organisation_id].append(indicator)
        latest = latest_values([i.id for group in indicators.values() for i in group], self.as_of)
        return [self.agency_block(o, inputs.get(o.id), narratives.get(o.id, []), indicators.get(o.id, []), latest)
                for o in agencies]

    def agency_block(self, org: Organisation, entry: AgencyPeriodInput | None, narratives: list[str],
                     indicators: list[Indicator], latest: Mapping[int, IndicatorValue]) -> AgencyBlock:
        if entry is not None and entry.results_text.strip():
            paras, source = paragraphs(entry.results_text, self.notes), "input"
        elif narratives:
            paras, source = tuple(Para("body", self.notes.parts(text)) for text in narratives), "progress"
        else:
            paras, source = (), "none"
            self.warnings.append(_("%(agency)s chưa có báo cáo kết quả cho kỳ này.", agency=org.name))
        declared = entry.declared_indicator_total if entry is not None else None
        tally = AgencyTally(None, None, None)
        if org.kind in TALLY_KINDS and indicators:
            tally = agency_tally(indicators, latest, declared, tally_template_for(org.code, self.narrative),
                                 self.as_of)
        own = entry.tally_text if entry is not None else ""
        for name in tally.missing:
            self.warnings.append(_("%(agency)s: chỉ tiêu “%(name)s” chưa có số liệu đến ngày %(d)s.",
                                   agency=org.name, name=name, d=date_vn(self.as_of)))
        if tally.error:
            self.errors.append(f"{org.name}: {tally.error}")
        return AgencyBlock(
            organisation_id=org.id, code=org.code, name=org.name, heading=org.report_heading or org.name,
            paras=paras, source=source, tally_line=printed_tally(own, tally.line), tally_counts=tally.counts,
            declared_total=declared, tally_error=tally.error, computed_tally_line=tally.line,
        )

    # --- III -------------------------------------------------------------------------------
    def section_three(self) -> Section:
        difficulties = (self.headed(narrative_parts.LIMITATIONS_HEADING, "limitations")
                        + self.headed(narrative_parts.CAUSES_HEADING, "causes"))
        return Section("III", "NHẬN XÉT, ĐÁNH GIÁ", subsections=(
            Subsection("III.achievements", "Kết quả đạt được", self.part("achievements")),
            Subsection("III.difficulties", "Khó khăn, hạn chế và nguyên nhân", difficulties),
        ))

    # --- IV --------------------------------------------------------------------------------
    def section_four(self, result: ConclusionResult | None, agencies: Sequence[Organisation],
                     inputs: Mapping[int, AgencyPeriodInput], open_tasks: Mapping[int, list[TaskRow]]) -> Section:
        key_work = self.next_key_work(result)
        per_agency: list[Para] = []
        for org in agencies:
            per_agency.extend(self.agency_next_tasks(org, inputs.get(org.id), open_tasks.get(org.id, [])))
        return Section("IV", "MỘT SỐ NHIỆM VỤ TRONG THỜI GIAN TỚI", subsections=(
            Subsection("IV.key_work", "Các mặt công tác trọng tâm", key_work),
            Subsection("IV.fields", "Nhiệm vụ cụ thể từng lĩnh vực", tuple(per_agency)),
        ))

    def next_key_work(self, result: ConclusionResult | None) -> tuple[Para, ...]:
        """IV.1: the office's text once written (it decides what to carry); until then the unfinished
        items of the previous conclusion, so nothing unfinished silently drops out of the draft."""
        written = self.narrative.get("next_key_work")
        pending = [u for u in (result.unfinished if result else ()) if u.completed_on is None]
        if not (written or "").strip():
            lines = narrative_parts.carry_lines([(u.text, u.lead) for u in pending], result.meeting_label) if pending else []
            return tuple(Para("bullet", (line,)) for line in lines) or self.part("next_key_work")
        for unit in pending:
            if not narrative_parts.mentions(written, unit.text):
                self.warnings.append(_("Mục IV.1 chưa nhắc nội dung chưa hoàn thành: %(t)s", t=unit.text))
        return self.text("next_key_work")

    def agency_next_tasks(self, org: Organisation, entry: AgencyPeriodInput | None, tasks: list[TaskRow]) -> list[Para]:
        lines = [clean_line(line) for line in (entry.next_tasks_text if entry else "").splitlines()]
        lines = [line.removeprefix("- ").strip() for line in lines if line]
        paras: list[Para] = []
        if lines:
            first = lines[0] if starts_with_name(lines[0], org) else f"{org.name}: {lines[0]}"
            paras.append(Para("bullet", self.notes.parts(f"- {first}")))
            paras.extend(Para(style_of(line, "body"), self.notes.parts(line)) for line in lines[1:])
        elif tasks:
            paras.append(Para("bullet", (f"- {org.name} tiếp tục thực hiện các nhiệm vụ:",)))
        paras.extend(Para("subbullet", (f"+ {strip_end(t.title)}{_due_suffix(t)}.",)) for t in tasks)
        return paras

    # --- V ---------------------------------------------------------------------------------
    def section_five(self, agencies: Sequence[Organisation], inputs: Mapping[int, AgencyPeriodInput]) -> Section:
        paras: list[Para] = []
        for org in agencies:
            entry = inputs.get(org.id)
            text = entry.proposals_text.strip() if entry is not None else ""
            if not text:
                continue
            lines = [clean_line(line) for line in text.splitlines() if clean_line(line)]
            first = lines[0] if starts_with_name(lines[0], org) else f"{org.name} đề xuất: {lines[0]}"
            paras.append(Para("body", self.notes.parts(first)))
            paras.extend(Para(style_of(line, "body"), self.notes.parts(line)) for line in lines[1:])
        paras.extend(self.text("proposals"))
        if not paras:
            self.warnings.append(_("Mục V chưa có đề xuất nào; báo cáo in “Không.”."))
        return Section("V", "ĐỀ XUẤT, KIẾN NGHỊ", tuple(paras) or (Para("body", ("Không.",)),))


def _due_suffix(task: TaskRow) -> str:
    return f" (hạn {date_vn(task.due_date)})" if task.due_date else ""


def build_period_report(year: int, period_kind: str, period_index: int, as_of: date, *,
                        report: PeriodReport | None = None) -> QuarterlyReport:
    """Build every line of the report for the period from the data as of ``as_of`` (read only)."""
    period = Period(year, period_kind, period_index)
    narrative = narrative_of(report)
    builder = _Builder(period, as_of, narrative)
    builder.warnings.extend(draft_warnings(narrative))
    current, previous = session_meetings(period, as_of)
    section_one, result = builder.section_one(previous)
    indicator_lines, indicator_figures = district_indicator_lines(year, as_of, builder.warnings)
    agencies = report_agencies(as_of)
    inputs = inputs_for(period)
    section_two, blocks = builder.section_two(agencies, inputs, indicator_lines)
    section_three = builder.section_three()
    tasks = period_tasks(year, as_of)
    section_four = builder.section_four(result, agencies, inputs, open_tasks_by_agency(tasks, as_of))
    section_five = builder.section_five(agencies, inputs)
    annex = tuple(annex_rows(tasks, last_reports([t.id for t in tasks], as_of), task_context(tasks), as_of))
    signer_title = (report.signer_title if report is not None and report.signer_title else "Chánh Văn phòng")
    signer_name = report.signer_name if report is not None and report.signer_name else _default_signer()
    return QuarterlyReport(
        period=period, as_of=as_of, header=_header(period, as_of, report), title_lines=_title(period),
        sections=(section_one, section_two, section_three, section_four, section_five),
        recipients=_recipient_lines(narrative.get("recipients")),
        signature_title=tuple(line.strip().upper() for line in signer_title.splitlines() if line.strip()),
        signer_name=signer_name, footnotes=tuple(builder.notes.texts), conclusion=result,
        indicator_lines=tuple(indicator_lines), indicator_figures=tuple(indicator_figures),
        agency_blocks=tuple(blocks), annex=annex,
        warnings=tuple(builder.warnings), errors=tuple(builder.errors),
        meeting_id=current.id if current else None, previous_meeting_id=previous.id if previous else None,
        issued_on=report.issued_on if report is not None else None,
    )


def build_for(report: PeriodReport, as_of: date | None = None) -> QuarterlyReport:
    """The report row's draft as of its cut-off (or ``as_of``), with its narrative and header fields."""
    return build_period_report(report.year, report.period_kind, report.period_index, as_of or report.as_of, report=report)
