"""Import of a conclusion notice (nhập Thông báo kết luận): read the file, propose, review, confirm in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core import audit
from app.core.errors import ValidationFailed
from app.directives.agency_matching import AgencyRef
from app.directives.breakdown import ItemInput, TaskInput, add_task, next_ordinal, plan_task
from app.directives.editing import require_editor
from app.directives.meetings import MeetingInput, create_meeting
from app.directives.notice_files import ImportFileError, read_import_file
from app.directives.notices import DirectiveInput, create_directive
from app.directives.proposal import ImportDraft, ProposedTask, propose_tasks
from app.directives.refs import DOC_TYPES
from app.extensions import db
from app.models import Directive, Meeting, Organisation, Task

#: Longest notice text accepted by the import screen (a real notice is 10–30 thousand characters).
MAX_IMPORT_CHARS = 200_000
#: Largest notice file read for import (a Word notice is well under a megabyte).
MAX_IMPORT_FILE_BYTES = 10 * 1024 * 1024


@dataclass
class ImportPlan:
    """The reviewed draft of a notice import: the tasks, and for a new directive its header."""

    tasks: list[TaskInput]
    source_text: str = ""
    directive: DirectiveInput | None = None
    #: A meeting to create for a new directive (when no existing meeting was chosen).
    meeting: MeetingInput | None = None
    warnings: list[str] = field(default_factory=list)


def agency_refs_from_db() -> list[AgencyRef]:
    """The importer's view of the organisation catalog: code, name, other names, kind (active only)."""
    rows = db.session.scalars(sa.select(Organisation).where(Organisation.is_active.is_(True))
                              .order_by(Organisation.display_order, Organisation.name))
    refs = []
    for org in rows:
        aliases = [a for a in (org.short_name, *org.alias_list) if a and a.strip() and a != org.name]
        refs.append(AgencyRef(code=org.code, name=org.name, aliases=tuple(dict.fromkeys(aliases)),
                                       kind=org.kind.value))
    return refs


def read_notice_file(data: bytes, filename: str) -> str:
    """Text of an uploaded notice (.docx or .txt, UTF-8); refuses anything else with a Vietnamese message."""
    if len(data) > MAX_IMPORT_FILE_BYTES:
        raise ValidationFailed(_("Tệp quá lớn: tối đa %(n)d MB.", n=MAX_IMPORT_FILE_BYTES // (1024 * 1024)),
                               field="file")
    try:
        return read_import_file(data, filename)
    except ImportFileError as error:
        raise ValidationFailed(str(error), field="file") from None


def propose_import(text: str, *, reference_date: date | None = None) -> ImportDraft:
    """The importer's proposal for a pasted or uploaded notice (nothing is saved)."""
    text = text or ""
    if not text.strip():
        raise ValidationFailed(_("Chưa dán nội dung thông báo hoặc chọn tệp."), field="text")
    if len(text) > MAX_IMPORT_CHARS:
        raise ValidationFailed(_("Văn bản quá dài (tối đa %(n)d ký tự).", n=MAX_IMPORT_CHARS), field="text")
    return propose_tasks(text, agency_refs_from_db(), reference_date=reference_date)


def plan_from_draft(draft: ImportDraft, source_text: str, *, new_directive: bool) -> ImportPlan:
    """Turn the importer's draft into editable inputs (agency codes become organisation ids)."""
    ids = dict(db.session.execute(sa.select(Organisation.code, Organisation.id)).all())
    tasks = []
    for proposed in draft.tasks:
        items = []
        for item in proposed.items:
            own_due = item.due_phrase != proposed.due_phrase
            items.append(ItemInput(
                text=item.text,
                lead_org_id=ids.get(item.lead_code) if item.lead_code != proposed.lead_code else None,
                due_phrase=(item.due_phrase or "") if own_due else "",
                due_date=item.due_date if own_due and item.approximate else None))
        communes_lead = proposed.all_communes and proposed.lead_code is None
        tasks.append(TaskInput(
            title=proposed.title, lead_org_id=ids.get(proposed.lead_code),
            coordinator_ids=[ids[c] for c in proposed.coordinator_codes if c in ids],
            due_phrase=proposed.due_phrase or "",
            due_date=proposed.due_date if proposed.approximate else None,
            all_communes=communes_lead, description=_extra_description(proposed),
            items=items, ordinal=proposed.ordinal, warnings=list(proposed.warnings),
            communes_mentioned=proposed.all_communes,
        ))
    header = draft.directive
    directive = meeting = None
    if new_directive:
        directive = DirectiveInput(
            title=(header.title if header and header.title else ""),
            doc_type=(header.doc_type if header and header.doc_type in DOC_TYPES else "TB"),
            number=(header.number or "") if header else "",
            issuer_suffix=(header.issuer_suffix or "HU") if header else "HU",
            issued_on=header.issued_on if header else None, body=source_text)
        if header and header.meeting_on:
            existing = db.session.scalar(sa.select(Meeting).where(Meeting.held_on == header.meeting_on).limit(1))
            if existing is not None:
                directive.meeting_id = existing.id
            else:
                meeting = MeetingInput(held_on=header.meeting_on, period_label=header.period_label or "")
    return ImportPlan(tasks=tasks, source_text=source_text, directive=directive, meeting=meeting,
                      warnings=[w for w in draft.warnings if not w.startswith("Nhiệm vụ ")])


def _extra_description(proposed: ProposedTask) -> str:
    """The task's paragraph when it says more than its title (the items are kept as items, not here)."""
    header = proposed.text.split("\n- ", 1)[0].strip()
    return "" if header.rstrip(" .:;") == proposed.title else header


def confirm_import(actor, plan: ImportPlan, directive: Directive | None = None) -> Directive:
    """Save a reviewed import in the caller's one transaction: the directive (and meeting) when new, then every task.

    Every task is validated first; if any is wrong, ValidationFailed lists them all ("Nhiệm vụ 3:
    …") with ``details["tasks"]`` = {index: [messages]} and nothing is written to the tasks (the
    caller rolls back the directive created here as well).
    """
    require_editor(actor)
    tasks = sorted(enumerate(plan.tasks), key=lambda pair: (pair[1].ordinal or 10_000, pair[0]))
    if not tasks:
        raise ValidationFailed(_("Không có nhiệm vụ nào để lưu."))
    if directive is None:
        if plan.directive is None:
            raise ValidationFailed(_("Chưa có thông tin văn bản."))
        if plan.meeting is not None and not plan.directive.meeting_id:
            plan.directive.meeting_id = create_meeting(actor, plan.meeting).id
        directive = create_directive(actor, plan.directive)
    errors: dict[int, list[str]] = {}
    plans: list[tuple[int, TaskInput]] = []
    for index, data in tasks:
        try:
            plan_task(data, directive)
        except ValidationFailed as error:
            errors.setdefault(index, []).append(error.message)
            continue
        plans.append((index, data))
    if errors:
        lines = [_("Nhiệm vụ %(n)d: %(m)s", n=plan.tasks[i].ordinal or i + 1, m=" ".join(msgs))
                 for i, msgs in sorted(errors.items())]
        raise ValidationFailed(_("Chưa lưu được: %(errors)s", errors=" ".join(lines)), details={"tasks": errors})
    start = next_ordinal(directive)
    for offset, (_index, data) in enumerate(plans):
        add_task(actor, directive, data, ordinal=start + offset)
    audit.record(actor, "import", directive, summary=_("Nhập %(n)d nhiệm vụ, %(m)d nội dung từ văn bản",
                                                       n=len(plans), m=sum(len(t.items) for t in directive_tasks_all(directive))))
    return directive


def task_count(directive: Directive | None) -> int:
    """Every task row of the directive, recurring occurrences included (what its page lists)."""
    if directive is None:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.directive_id == directive.id))


def directive_tasks_all(directive: Directive) -> list[Task]:
    return list(db.session.scalars(sa.select(Task).where(Task.directive_id == directive.id,
                                                         Task.parent_task_id.is_(None)).order_by(Task.ordinal)))


# =============================================================================================
