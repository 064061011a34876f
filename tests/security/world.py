"""A small district for the security tests, and fresh objects of every kind a route can point at.

Two agencies matter: "own" (Ban Tuyên giáo, where the agency head and officer work) and "other"
(Ủy ban Kiểm tra, whose work must stay out of the own agency's sight). The office, the office chief
and the admin sit in the Văn phòng, the committee member in Thường trực. Whatever belongs to the
other agency carries :data:`SECRET` in its text, so a page that leaks it can be caught.

Objects are made fresh on request (``w.task("other")``, ``w.pending_report("own")``, …): a route
that deletes or changes something then never spoils the next case.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.core.clock import now_utc, today_local
from app.core.enums import (
    DirectiveStatus,
    ExtensionState,
    OrganisationKind,
    ReminderKind,
    ReminderState,
    ReportState,
    ReviewState,
    Role,
    TaskStatus,
)
from app.core.security import new_token, token_hash
from app.core.uploads import DOCUMENT_KINDS, EVIDENCE_KINDS, store_upload
from app.extensions import db
from app.models import (
    AgencyPeriodInput,
    Attachment,
    Directive,
    ExplanationRequest,
    ExtensionRequest,
    Meeting,
    Organisation,
    PeriodReport,
    ProgressReport,
    ReminderLog,
    ReportVersion,
    Task,
    User,
    UserSession,
    WorkdayOverride,
)
from tests import factories

#: Every role, oversight roles first (the order the matrix lists them in).
ROLES = (Role.ADMIN, Role.COMMITTEE, Role.OFFICE, Role.OFFICE_CHIEF, Role.AGENCY_HEAD, Role.AGENCY_OFFICER)
#: Written into every text of the other agency: no page an agency user opens may contain it.
SECRET = "ZZ-NOI-DUNG-RIENG-CUA-UBKT-ZZ"
PERIOD_CODE = "2024-Q2"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "minh-chung.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(PDF), filename=name, content_type="application/pdf")


@dataclass
class World:
    own: Organisation
    other: Organisation
    office_org: Organisation
    committee_org: Organisation
    users: dict[Role, User]
    other_officer: User
    meeting: Meeting
    directive: Directive
    draft: Directive
    _counter: int = field(default=0)

    def user(self, role: Role) -> User:
        return self.users[role]

    def org(self, scope: str) -> Organisation:
        """"own" and "draft" (the own agency's work under a draft notice) are the own agency."""
        return self.other if scope == "other" else self.own

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    # -- directives and meetings ----------------------------------------------------------------
    def new_meeting(self) -> Meeting:
        return factories.meeting(held_on=date(2024, 6, 1 + self._next() % 28), label="quý II/2024")

    def new_directive(self, variant: str = "issued") -> Directive:
        status = DirectiveStatus.DRAFT if variant == "draft" else DirectiveStatus.ISSUED
        title = f"Thông báo kết luận dự thảo {SECRET}" if variant == "draft" else "Thông báo kết luận quý I/2024"
        return factories.directive(meeting=self.meeting, status=status, title=title)

    def directive_of(self, variant: str) -> Directive:
        return self.draft if variant == "draft" else self.directive

    def directive_file(self, variant: str = "issued") -> Attachment:
        directive = self.new_directive(variant)
        values = store_upload(pdf_upload("thong-bao-ket-luan.pdf"), allowed_kinds=DOCUMENT_KINDS)
        attachment = Attachment(**values, directive_id=directive.id, uploaded_by_id=self.users[Role.OFFICE].id)
        return _save(attachment)

    # -- tasks ----------------------------------------------------------------------------------
    def task(self, scope: str = "own", *, directive: Directive | None = None) -> Task:
        """An overdue task led by the own or the other agency, with one content item.

        Scope "draft": the own agency's task under a fresh draft notice (not disclosed to agencies
        until issued), so its title carries the secret too."""
        lead = self.org(scope)
        n = self._next()
        title = f"Nhiệm vụ {n} của Ban Tuyên giáo" if scope == "own" else f"Nhiệm vụ {n} {SECRET}"
        if scope == "draft" and directive is None:
            directive = self.new_directive("draft")
        return factories.task(lead, directive_=directive or self.directive, due=today_local() - timedelta(days=10),
                              status=TaskStatus.IN_PROGRESS, progress_percent=30, title=title,
                              items=[(f"Nội dung {n}.1", None)])

    def pending_report(self, scope: str = "own") -> ProgressReport:
        """A completion proposal (đề nghị hoàn thành) waiting for the office, with an evidence file."""
        task = self.task(scope)
        task.status = TaskStatus.COMPLETION_PROPOSED
        task.progress_percent = 100
        author = self.other_officer if scope == "other" else self.users[Role.AGENCY_OFFICER]
        report = ProgressReport(
            task_id=task.id, organisation_id=task.lead_org_id, author_id=author.id, is_lead_report=True,
            status=TaskStatus.COMPLETION_PROPOSED, progress_percent=100, reported_on=today_local() - timedelta(days=1),
            result_text=f"Đã hoàn thành, ban hành Kế hoạch số 12-KH/HU {SECRET if scope != 'own' else ''}",
            created_at=now_utc(), review_state=ReviewState.PENDING,
        )
        db.session.add(report)
        db.session.flush()
        values = store_upload(pdf_upload(), allowed_kinds=EVIDENCE_KINDS)
        report.attachments.append(Attachment(**values, uploaded_by_id=author.id))
        db.session.commit()
        return report

    def evidence(self, scope: str) -> Attachment:
        return self.pending_report(scope).attachments[0]

    def extension(self, scope: str = "own") -> ExtensionRequest:
        task = self.task(scope)
        author = self.other_officer if scope == "other" else self.users[Role.AGENCY_OFFICER]
        return _save(ExtensionRequest(
            task_id=task.id, organisation_id=task.lead_org_id, requested_by_id=author.id,
            current_due_date=task.due_date, requested_due_date=today_local() + timedelta(days=30),
            reason="Chờ ý kiến của Tỉnh ủy", state=ExtensionState.PENDING, created_at=now_utc()))

    def explanation(self, scope: str = "own") -> ExplanationRequest:
        task = self.task(scope)
        return _save(ExplanationRequest(task_id=task.id, requested_by_id=self.users[Role.OFFICE_CHIEF].id,
                                        message="Đề nghị giải trình lý do chậm tiến độ.", requested_at=now_utc()))

    # -- accounts -------------------------------------------------------------------------------
    def session_of(self, user: User) -> UserSession:
        """Another login session of ``user`` (as if opened in a second browser)."""
        now = now_utc()
        return _save(UserSession(user_id=user.id, token_hash=token_hash(new_token()), created_at=now,
                                 last_seen_at=now, user_agent="Trình duyệt khác", ip_address="10.0.0.9"))

    # -- reports, reminders, working days -------------------------------------------------------
    def period_report(self, *, frozen: bool = False) -> PeriodReport:
        year = 2000 + self._next() % 90
        report = _save(PeriodReport(year=year, period_kind="quarter", period_index=2, as_of=date(year, 6, 30),
                                    narrative="{}", state=ReportState.FROZEN if frozen else ReportState.DRAFT,
                                    created_by_id=self.users[Role.OFFICE].id))
        if frozen:
            _save(ReportVersion(report_id=report.id, version_no=1, frozen_at=now_utc(),
                                frozen_by_id=self.users[Role.OFFICE].id,
                                data=json.dumps({"as_of": report.as_of.isoformat(), "annex": []}),
                                docx=_minimal_docx()))
        return report

    def attention_reminder(self) -> ReminderLog:
        """A reminder that gave up after failing: it waits on the office chief's attention list."""
        task = self.task("own")
        n = self._next()
        return _save(ReminderLog(
            dedupe_key=f"overdue.1:{task.id}:tram{n}@example.vn:{task.due_date.isoformat()}", kind=ReminderKind.OVERDUE,
            task_id=task.id, organisation_id=task.lead_org_id, recipient_email=f"tram{n}@example.vn",
            due_date=task.due_date, subject="Nhắc việc quá hạn", state=ReminderState.FAILED, attempts=5,
            last_error="550 mailbox unavailable", next_attempt_at=None, claimed_at=now_utc()))

    def workday_override(self) -> WorkdayOverride:
        return _save(WorkdayOverride(day=date(2030, 1, 1) + timedelta(days=self._next()), is_working_day=True,
                                     note="Làm bù"))

    def calendar_token(self, user: User) -> str:
        token = new_token()
        user.calendar_token_hash = token_hash(token)
        db.session.commit()
        return token


def _save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


def _minimal_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Báo cáo đã chốt")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_world() -> World:
    own = factories.org("BTG", name="Ban Tuyên giáo Huyện ủy", order=20, report_heading="Công tác Tuyên giáo")
    other = factories.org("UBKT", name="Ủy ban Kiểm tra Huyện ủy", order=30, report_heading="Công tác Kiểm tra")
    office_org = factories.org("VP", name="Văn phòng Huyện ủy", order=10)
    committee_org = factories.org("TTHU", name="Thường trực Huyện ủy", kind=OrganisationKind.COMMITTEE, order=1)
    users = {
        Role.ADMIN: factories.user(Role.ADMIN, office_org, name="Quản trị hệ thống"),
        Role.COMMITTEE: factories.user(Role.COMMITTEE, committee_org, name="Phó Bí thư Thường trực"),
        Role.OFFICE: factories.user(Role.OFFICE, office_org, name="Chuyên viên Văn phòng"),
        Role.OFFICE_CHIEF: factories.user(Role.OFFICE_CHIEF, office_org, name="Chánh Văn phòng"),
        Role.AGENCY_HEAD: factories.user(Role.AGENCY_HEAD, own, name="Trưởng Ban Tuyên giáo"),
        Role.AGENCY_OFFICER: factories.user(Role.AGENCY_OFFICER, own, name="Cán bộ Ban Tuyên giáo"),
    }
    other_officer = factories.user(Role.AGENCY_OFFICER, other, name=f"Cán bộ {SECRET}")
    meeting = factories.meeting(held_on=date(2024, 3, 14))
    directive = factories.directive(meeting=meeting, number="198", issued_on=date(2024, 3, 18))
    draft = factories.directive(meeting=meeting, number="199", status=DirectiveStatus.DRAFT,
                                title=f"Dự thảo kết luận {SECRET}", body=f"Nội dung dự thảo {SECRET}")
    # The own agency's (overdue) task under the draft: lists, inbox, search, home, feeds and API
    # must not show it to an agency until the notice is issued.
    factories.task(own, directive_=draft, due=today_local() - timedelta(days=3), status=TaskStatus.IN_PROGRESS,
                   title=f"Nhiệm vụ dự thảo {SECRET}", items=[(f"Nội dung dự thảo {SECRET}", None)])
    period = PERIOD_CODE.split("-Q")
    _save(AgencyPeriodInput(organisation_id=other.id, year=int(period[0]), period_kind="quarter",
                            period_index=int(period[1]), results_text=f"Kết quả kiểm tra {SECRET}",
                            next_tasks_text="", proposals_text=""))
    return World(own=own, other=other, office_org=office_org, committee_org=committee_org, users=users,
                 other_officer=other_officer, meeting=meeting, directive=directive, draft=draft)


def table_fingerprint() -> tuple:
    """Row counts of every table and the versions of versioned rows: changes if anything was written."""
    parts = [sa.select(sa.func.count()).select_from(table).scalar_subquery()
             for table in db.metadata.sorted_tables]
    for model in (Task, Directive, Meeting, PeriodReport, AgencyPeriodInput):
        parts.append(sa.select(sa.func.coalesce(sa.func.sum(model.version_id), 0)).scalar_subquery())
    parts.append(sa.select(sa.func.count()).select_from(User).where(User.is_active_account.is_(True)).scalar_subquery())
    row = db.session.execute(sa.select(*parts)).one()
    db.session.commit()
    return tuple(row)
