"""Benchmark data generator: a large, realistic district (40 agencies, three years, 100,000 tasks).

Used by ``flask bench seed`` and ``bench/oversight_bench.py``; small runs of it also feed the
oversight tests (the scorecard and overdue figures are checked against a plain-Python recount).

Everything the generator writes is recognisable: organisation codes start with ``BENCH-`` and
accounts live under ``@bench.example``, so the data can be found again and deleted (``--reset``)
without touching anything else in the database.  Rows go in with Core ``INSERT … RETURNING`` in
executemany batches (SQLAlchemy's "insertmanyvalues"), which is fast on SQLite and PostgreSQL alike.

The status mix is drawn as of an end date (today by default), the way a district's records look:
most old work is closed, on time or late; the more recent the due date, the more is still open.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

import sqlalchemy as sa

from app.core.enums import (
    DirectiveStatus,
    ExtensionState,
    MeetingKind,
    OrganisationKind,
    ReminderKind,
    ReminderState,
    Role,
    TaskKind,
    TaskStatus,
)
from app.core.periods import Period
from app.extensions import db
from app.models import (
    ContentItem,
    Directive,
    ExplanationRequest,
    ExtensionRequest,
    Indicator,
    IndicatorValue,
    Meeting,
    Organisation,
    ProgressReport,
    ReminderLog,
    Task,
    User,
    task_coordinator,
)

__all__ = ["BENCH_EMAIL_DOMAIN", "BENCH_PREFIX", "SeedSummary", "bench_data_exists", "delete_bench_data",
           "seed_bench", "bench_user_email"]

BENCH_PREFIX = "BENCH-"
BENCH_EMAIL_DOMAIN = "bench.example"
BATCH = 5000


#: (code suffix, name, kind) of the first agencies; more are numbered departments.
_AGENCY_NAMES = [
    ("BTG", "Ban Tuyên giáo Huyện ủy", OrganisationKind.ADVISORY),
    ("BTC", "Ban Tổ chức Huyện ủy", OrganisationKind.ADVISORY),
    ("UBKT", "Ủy ban Kiểm tra Huyện ủy", OrganisationKind.ADVISORY),
    ("BDV", "Ban Dân vận Huyện ủy", OrganisationKind.ADVISORY),
    ("TTCT", "Trung tâm Chính trị huyện", OrganisationKind.TRAINING_CENTRE),
    ("VP", "Văn phòng Huyện ủy", OrganisationKind.ADVISORY),
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam huyện", OrganisationKind.FRONT),
    ("LDLD", "Liên đoàn Lao động huyện", OrganisationKind.MASS_ORG),
    ("CCB", "Hội Cựu chiến binh huyện", OrganisationKind.MASS_ORG),
    ("HND", "Hội Nông dân huyện", OrganisationKind.MASS_ORG),
    ("HLHPN", "Hội Liên hiệp Phụ nữ huyện", OrganisationKind.MASS_ORG),
    ("HD", "Đoàn Thanh niên Cộng sản Hồ Chí Minh huyện", OrganisationKind.MASS_ORG),
    ("CTD", "Hội Chữ thập đỏ huyện", OrganisationKind.ASSOCIATION),
    ("UBND", "Ủy ban nhân dân huyện", OrganisationKind.GOVERNMENT),
    ("PNV", "Phòng Nội vụ huyện", OrganisationKind.DEPARTMENT),
    ("PTCKH", "Phòng Tài chính - Kế hoạch huyện", OrganisationKind.DEPARTMENT),
    ("PGDDT", "Phòng Giáo dục và Đào tạo huyện", OrganisationKind.DEPARTMENT),
    ("PYT", "Phòng Y tế huyện", OrganisationKind.DEPARTMENT),
    ("PTNMT", "Phòng Tài nguyên và Môi trường huyện", OrganisationKind.DEPARTMENT),
    ("PNN", "Phòng Nông nghiệp và Phát triển nông thôn huyện", OrganisationKind.DEPARTMENT),
    ("PVHTT", "Phòng Văn hóa và Thông tin huyện", OrganisationKind.DEPARTMENT),
    ("PLDTBXH", "Phòng Lao động - Thương binh và Xã hội huyện", OrganisationKind.DEPARTMENT),
    ("PKTHT", "Phòng Kinh tế và Hạ tầng huyện", OrganisationKind.DEPARTMENT),
    ("PTP", "Phòng Tư pháp huyện", OrganisationKind.DEPARTMENT),
]
_PLACES = [
    ("thị trấn", "Kinh Cùng"), ("thị trấn", "Búng Tàu"), ("thị trấn", "Cây Dương"), ("xã", "Tân Bình"),
    ("xã", "Hòa An"), ("xã", "Phương Bình"), ("xã", "Phụng Hiệp"), ("xã", "Hòa Mỹ"), ("xã", "Tân Phước Hưng"),
    ("xã", "Bình Thành"), ("xã", "Thạnh Hòa"), ("xã", "Long Thạnh"), ("xã", "Phương Phú"), ("xã", "Hiệp Hưng"),
    ("xã", "Tân Long"), ("xã", "Hòa Lợi"),
]
_DOCS = [
    "Nghị quyết số 26-NQ/TW ngày 19/5/2018", "Chỉ thị số 05-CT/TW ngày 15/5/2016",
    "Kết luận số 49-KL/TW ngày 10/5/2019", "Kế hoạch số 175-KH/HU ngày 29/3/2024",
    "Đề án số 09-ĐA/TU ngày 05/01/2024", "Chỉ thị số 38-CT/TW ngày 31/7/2014",
    "Quy định số 144-QĐ/TW ngày 09/5/2024", "Nghị quyết số 28-NQ/TU",
]
_TEMPLATES = [
    "Tổ chức học tập, quán triệt {doc} cho cán bộ, đảng viên {unit} {place}",
    "Xây dựng hoàn thành các tiêu chí xã Nông thôn mới nâng cao tại {unit} {place}",
    "Kiểm tra, giám sát việc thực hiện {doc} tại Đảng bộ {unit} {place}",
    "Vận động Nhân dân hiến đất, đóng góp ngày công làm lộ giao thông nông thôn tại {unit} {place}",
    "Tham mưu Ban Thường vụ Huyện ủy sơ kết việc thực hiện {doc}",
    "Rà soát, bổ sung quy hoạch cán bộ lãnh đạo, quản lý tại {unit} {place}",
    "Tổ chức tiếp xúc, đối thoại giữa người đứng đầu cấp ủy với Nhân dân {unit} {place}",
    "Mở lớp bồi dưỡng nhận thức về Đảng cho quần chúng ưu tú {unit} {place}",
    "Vận động Quỹ “Vì người nghèo” và xây dựng nhà Đại đoàn kết tại {unit} {place}",
    "Hoàn thành xác minh tài sản, thu nhập theo {doc}",
]
_REPORT_TEXTS = [
    "Đã ban hành kế hoạch triển khai và phân công cán bộ phụ trách; đang tổ chức thực hiện.",
    "Đã tổ chức {n} cuộc kiểm tra tại các chi bộ, đạt {p}% kế hoạch.",
    "Đang phối hợp với Ủy ban nhân dân {unit} {place} hoàn chỉnh hồ sơ.",
    "Hoàn thành nội dung theo ý kiến chỉ đạo; đã báo cáo kết quả về Văn phòng Huyện ủy.",
    "Chưa hoàn thành do chờ hướng dẫn của cấp trên; dự kiến hoàn thành trong quý tới.",
]
_INDICATORS = [
    ("Kết nạp đảng viên mới", "đảng viên"), ("Kiểm tra tổ chức đảng", "cuộc"),
    ("Giám sát chuyên đề", "cuộc"), ("Mở lớp bồi dưỡng chính trị", "lớp"),
    ("Vận động Quỹ Vì người nghèo", "triệu đồng"), ("Xây dựng nhà Đại đoàn kết", "căn"),
    ("Phát triển hội viên mới", "hội viên"), ("Hiến máu tình nguyện", "đơn vị máu"),
]


def bench_user_email(local: str) -> str:
    return f"{local}@{BENCH_EMAIL_DOMAIN}"


@dataclass
class SeedSummary:
    organisations: int = 0
    users: int = 0
    meetings: int = 0
    directives: int = 0
    tasks: int = 0
    content_items: int = 0
    progress_reports: int = 0
    reminders: int = 0
    explanations: int = 0
    extensions: int = 0
    indicators: int = 0
    seconds: float = 0.0
    counts_by_status: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"bench data: {self.organisations} organisations, {self.users} users, {self.meetings} meetings, "
            f"{self.directives} directives, {self.tasks} tasks, {self.content_items} content items, "
            f"{self.progress_reports} progress reports, {self.reminders} reminders, {self.explanations} "
            f"explanation requests, {self.extensions} extension requests, {self.indicators} indicators "
            f"in {self.seconds:.1f} s"
        )


def bench_data_exists() -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Organisation).where(Organisation.code.startswith(BENCH_PREFIX))
    ) > 0


def delete_bench_data() -> int:
    """Delete everything the generator wrote (in foreign-key order); returns the tasks deleted."""
    orgs = sa.select(Organisation.id).where(Organisation.code.startswith(BENCH_PREFIX)).scalar_subquery()
    users = sa.select(User.id).where(User.email.endswith("@" + BENCH_EMAIL_DOMAIN)).scalar_subquery()
    directives = sa.select(Directive.id).where(Directive.issuer_id.in_(orgs)).scalar_subquery()
    tasks = sa.select(Task.id).where(Task.directive_id.in_(directives)).scalar_subquery()
    session = db.session
    n_tasks = session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.directive_id.in_(directives)))
    for model, column in (
        (ReminderLog, ReminderLog.task_id), (ExplanationRequest, ExplanationRequest.task_id),
        (ExtensionRequest, ExtensionRequest.task_id), (ProgressReport, ProgressReport.task_id),
    ):
        session.execute(sa.delete(model).where(column.in_(tasks)))
    indicators = sa.select(Indicator.id).where(Indicator.organisation_id.in_(orgs)).scalar_subquery()
    session.execute(sa.delete(IndicatorValue).where(IndicatorValue.indicator_id.in_(indicators)))
    session.execute(sa.delete(Indicator).where(Indicator.organisation_id.in_(orgs)))
    session.execute(sa.delete(task_coordinator).where(task_coordinator.c.task_id.in_(tasks)))
    session.execute(sa.delete(ContentItem).where(ContentItem.task_id.in_(tasks)))
    session.execute(sa.delete(Task).where(Task.directive_id.in_(directives)))
    session.execute(sa.delete(Directive).where(Directive.issuer_id.in_(orgs)))
    session.execute(sa.delete(Meeting).where(Meeting.organiser_id.in_(orgs)))
    from app.models import AuditEvent, Notification, UserSession

    session.execute(sa.delete(UserSession).where(UserSession.user_id.in_(users)))
    session.execute(sa.delete(Notification).where(Notification.user_id.in_(users)))
    session.execute(sa.update(AuditEvent).where(AuditEvent.actor_id.in_(users)).values(actor_id=None))
    session.execute(sa.delete(User).where(User.email.endswith("@" + BENCH_EMAIL_DOMAIN)))
    session.execute(sa.update(Organisation).where(Organisation.code.startswith(BENCH_PREFIX)).values(parent_id=None))
    session.execute(sa.delete(Organisation).where(Organisation.code.startswith(BENCH_PREFIX)))
    return n_tasks or 0


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, dtime(hour, 0), tzinfo=UTC)


def _quarter_end(day: date) -> date:
    return Period.quarter_containing(day).end


def _quarter_label(day: date) -> tuple[str, int, int]:
    quarter = Period.quarter_containing(day)
    return quarter.label, quarter.year, quarter.index


def _insert(table: sa.Table, rows: list[dict], *, returning: bool = True) -> list[int]:
    """Batched executemany insert; the new ids in parameter order when ``returning``."""
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if returning:
            stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
            ids.extend(db.session.execute(stmt, chunk).scalars())
        else:
            db.session.execute(table.insert(), chunk)
    return ids


class _Generator:
    """One run of the generator: random choices are drawn from one seeded RNG, so runs repeat."""

    def __init__(self, *, tasks: int, agencies: int, years: int, end: date, seed: int, password_hash: str):
        self.n_tasks = tasks
        self.n_agencies = agencies
        self.years = years
        self.end = end
        self.start = date(end.year - years, end.month, min(end.day, 28))
        self.rng = random.Random(seed)
        self.password_hash = password_hash
        self.summary = SeedSummary()
        self.now = _at(end, 8)

    # -- organisations and people ------------------------------------------------------------
    def organisations(self) -> None:
        committee = [
            {"code": f"{BENCH_PREFIX}HU", "name": "Ban Chấp hành Đảng bộ huyện (bench)", "short_name": "Huyện ủy",
             "kind": OrganisationKind.COMMITTEE, "display_order": 900},
            {"code": f"{BENCH_PREFIX}TTHU", "name": "Thường trực Huyện ủy (bench)", "short_name": "Thường trực",
             "kind": OrganisationKind.COMMITTEE, "display_order": 901},
        ]
        self.committee_ids = _insert(Organisation.__table__, committee)
        rows = []
        for i in range(self.n_agencies):
            if i < len(_AGENCY_NAMES):
                suffix, name, kind = _AGENCY_NAMES[i]
            else:
                unit, place = _PLACES[(i - len(_AGENCY_NAMES)) % len(_PLACES)]
                extra = (i - len(_AGENCY_NAMES)) // len(_PLACES)
                suffix = f"X{i:02d}"
                name = f"Đảng ủy {unit} {place}" + (f" ({extra + 1})" if extra else "")
                kind = OrganisationKind.COMMUNE
            rows.append({"code": f"{BENCH_PREFIX}{suffix}", "name": name, "short_name": name.split(" huyện")[0],
                         "kind": kind, "display_order": 1 + i,
                         "contact_emails": bench_user_email(f"org{i + 1:02d}")})
        self.agency_ids = _insert(Organisation.__table__, rows)
        self.agency_names = [r["name"] for r in rows]
        self.communes = [i for i, r in enumerate(rows) if r["kind"] is OrganisationKind.COMMUNE] or list(range(len(rows)))
        # Some agencies carry far more work than others, as in a real district.
        self.weights = [1.0 + 3.0 * self.rng.random() ** 2 for _ in rows]
        self.summary.organisations = len(committee) + len(rows)

    def users(self) -> None:
        office_org = self.agency_ids[min(5, len(self.agency_ids) - 1)]
        rows = [
            {"email": bench_user_email("admin"), "name": "Quản trị bench", "role": Role.ADMIN, "organisation_id": office_org},
            {"email": bench_user_email("chief"), "name": "Chánh Văn phòng bench", "role": Role.OFFICE_CHIEF,
             "organisation_id": office_org, "title": "Chánh Văn phòng Huyện ủy"},
            {"email": bench_user_email("office"), "name": "Chuyên viên Văn phòng bench", "role": Role.OFFICE,
             "organisation_id": office_org},
            {"email": bench_user_email("committee"), "name": "Thường trực bench", "role": Role.COMMITTEE,
             "organisation_id": self.committee_ids[1]},
        ]
        for i, org_id in enumerate(self.agency_ids):
            rows.append({"email": bench_user_email(f"head{i + 1:02d}"), "name": f"Lãnh đạo cơ quan {i + 1:02d}",
                         "role": Role.AGENCY_HEAD, "organisation_id": org_id})
            rows.append({"email": bench_user_email(f"agency{i + 1:02d}"), "name": f"Cán bộ cơ quan {i + 1:02d}",
                         "role": Role.AGENCY_OFFICER, "organisation_id": org_id})
        for row in rows:
            row["password_hash"] = self.password_hash
        ids = _insert(User.__table__, rows)
        self.chief_id = ids[1]
        # agency index → (head id, officer id)
        self.agency_users = {i: (ids[4 + 2 * i], ids[5 + 2 * i]) for i in range(len(self.agency_ids))}
        self.summary.users = len(ids)

    # -- meetings and directives -------------------------------------------------------------
    def directives(self) -> None:
        meetings, meeting_days = [], []
        day = Period.quarter_containing(self.start).start.replace(day=14)
        while day <= self.end:
            label, year, quarter = _quarter_label(day)
            meetings.append({"kind": MeetingKind.PERIODIC, "period_label": label, "year": year, "quarter": quarter,
                             "held_on": day, "chair": "Thường trực Huyện ủy", "organiser_id": self.committee_ids[0],
                             "participants": "Các cơ quan tham mưu, giúp việc Huyện ủy"})
            meeting_days.append(day)
            month = day.month + 3
            day = date(day.year + (month > 12), (month - 1) % 12 + 1, 14)
        meeting_ids = _insert(Meeting.__table__, meetings)
        self.summary.meetings = len(meeting_ids)
        n_directives = max(len(meeting_ids), self.n_tasks // 250)
        span = (self.end - self.start).days
        rows, numbers = [], {}
        issued_days = sorted(self.start + timedelta(days=self.rng.randrange(span)) for _ in range(n_directives))
        for issued in issued_days:
            numbers[issued.year] = numbers.get(issued.year, 0) + 1
            idx = max(i for i, d in enumerate(meeting_days) if d <= issued) if issued >= meeting_days[0] else 0
            label = meetings[idx]["period_label"]
            rows.append({
                "doc_type": "TB", "number": f"{numbers[issued.year]:02d}", "issuer_suffix": "HU", "issued_on": issued,
                "issuer_id": self.committee_ids[0], "issuing_body": "Thường trực Huyện ủy", "term_start_year": 2020,
                "title": f"Kết luận của Thường trực Huyện ủy tại buổi làm việc định kỳ {label} (bench {numbers[issued.year]:02d}/{issued.year})",
                "meeting_id": meeting_ids[idx], "status": DirectiveStatus.ISSUED,
                "created_at": _at(issued), "updated_at": _at(issued),
            })
        self.directive_ids = _insert(Directive.__table__, rows)
        self.directive_days = issued_days
        self.summary.directives = len(rows)

    # -- tasks -------------------------------------------------------------------------------
    def _due(self, issued: date) -> tuple[date, str]:
        if self.rng.random() < 0.25:
            month_due = issued + timedelta(days=self.rng.randrange(25, 100))
            nxt = date(month_due.year + (month_due.month == 12), month_due.month % 12 + 1, 1)
            return nxt - timedelta(days=1), f"trong tháng {month_due.month}/{month_due.year}"
        due = _quarter_end(issued + timedelta(days=self.rng.choice((20, 45, 100, 190))))
        label, _year, _q = _quarter_label(due)
        return due, f"trong {label}"

    def _open_probability(self, due: date) -> float:
        age = (self.end - due).days
        if age < 90:
            return 0.20
        if age < 365:
            return 0.06
        return 0.02

    def _status_of(self, issued: date, due: date) -> tuple[TaskStatus, date | None, int]:
        """(status, completed_on, percent) as of the end date."""
        rng = self.rng
        if due < self.end:
            if rng.random() < self._open_probability(due):
                status = rng.choices(
                    (TaskStatus.NOT_COMPLETED, TaskStatus.IN_PROGRESS, TaskStatus.NOT_STARTED, TaskStatus.COMPLETION_PROPOSED),
                    (45, 35, 10, 10))[0]
                return status, None, {TaskStatus.NOT_STARTED: 0}.get(status, rng.randrange(10, 95, 5))
            if rng.random() < 0.8:
                done = due - timedelta(days=rng.randrange(0, max(1, min(60, (due - issued).days))))
            else:
                done = due + timedelta(days=rng.randrange(1, 75))
            if done > self.end:
                return TaskStatus.IN_PROGRESS, None, rng.randrange(50, 95, 5)
            return TaskStatus.COMPLETED, max(done, issued), 100
        roll = rng.random()
        if roll < 0.25 and (self.end - issued).days > 2:
            return TaskStatus.COMPLETED, issued + timedelta(days=rng.randrange(1, (self.end - issued).days)), 100
        if roll < 0.75:
            return TaskStatus.IN_PROGRESS, None, rng.randrange(5, 95, 5)
        if roll < 0.8:
            return TaskStatus.COMPLETION_PROPOSED, None, 100
        return TaskStatus.NOT_STARTED, None, 0

    def _title(self) -> str:
        unit, place = self.rng.choice(_PLACES)
        return self.rng.choice(_TEMPLATES).format(doc=self.rng.choice(_DOCS), unit=unit, place=place)

    def tasks(self) -> None:
        rng = self.rng
        task_rows, plans = [], []
        directive_count = len(self.directive_ids)
        for n in range(self.n_tasks):
            d_index = n * directive_count // self.n_tasks
            issued = self.directive_days[d_index]
            lead = rng.choices(range(len(self.agency_ids)), self.weights)[0]
            kind = rng.choices((TaskKind.ONE_OFF, TaskKind.RECURRING, TaskKind.CONTINUOUS), (85, 8, 7))[0]
            if kind is TaskKind.CONTINUOUS:
                due, phrase, status, done, percent = None, "thường xuyên", TaskStatus.IN_PROGRESS, None, 0
            else:
                due, phrase = self._due(issued)
                status, done, percent = self._status_of(issued, due)
            task_rows.append({
                "directive_id": self.directive_ids[d_index], "ordinal": n % 250 + 1, "title": self._title(),
                "description": "Tham mưu, tổ chức thực hiện theo ý kiến chỉ đạo của Thường trực Huyện ủy.",
                "lead_org_id": self.agency_ids[lead], "kind": kind, "due_phrase": phrase, "due_date": due,
                "original_due_date": due, "status": status, "progress_percent": percent, "completed_on": done,
                "created_by_id": self.chief_id, "created_at": _at(issued), "updated_at": _at(done or issued),
            })
            plans.append((lead, issued, due, status, done))
        task_ids = _insert(Task.__table__, task_rows)
        self.summary.tasks = len(task_ids)
        self.tasks_plan = list(zip(task_ids, plans, strict=True))
        self._coordinators_and_items()

    def _coordinators_and_items(self) -> None:
        rng = self.rng
        coordinator_rows, item_rows = [], []
        for task_id, (lead, issued, due, status, done) in self.tasks_plan:
            if rng.random() < 0.3:
                for other in rng.sample(range(len(self.agency_ids)), 2):
                    if other != lead:
                        coordinator_rows.append({"task_id": task_id, "organisation_id": self.agency_ids[other]})
            if due is None or rng.random() >= 0.15:
                continue
            n_items = rng.choice((2, 2, 3))
            for ordinal in range(1, n_items + 1):
                commune = rng.choice(self.communes) if rng.random() < 0.3 else None
                item_status, item_done = status, done
                if status is not TaskStatus.COMPLETED and ordinal > 1 and rng.random() < 0.5:
                    item_status, item_done = TaskStatus.COMPLETED, min(due, self.end) - timedelta(days=rng.randrange(0, 20))
                    item_done = max(item_done, issued)
                item_due = None
                if rng.random() < 0.2:
                    item_due = max(issued + timedelta(days=15), due - timedelta(days=rng.randrange(0, 60)))
                    if item_status is TaskStatus.COMPLETED and item_done and item_done > item_due and status is TaskStatus.COMPLETED:
                        item_due = None  # keep a completed task's items on its own due date
                item_rows.append({
                    "task_id": task_id, "ordinal": ordinal, "text": self._title(),
                    "lead_org_id": self.agency_ids[commune] if commune is not None else None,
                    "due_date": item_due, "status": item_status,
                    "progress_percent": 100 if item_status is TaskStatus.COMPLETED else 40,
                    "completed_on": item_done if item_status is TaskStatus.COMPLETED else None,
                    "created_at": _at(issued), "updated_at": _at(issued),
                })
        _insert(task_coordinator, coordinator_rows, returning=False)
        _insert(ContentItem.__table__, item_rows, returning=False)
        self.summary.content_items = len(item_rows)

    # -- what agencies and the office did about the tasks ------------------------------------
    def activity(self) -> None:
        rng = self.rng
        reports, reminders, explanations, extensions = [], [], [], []
        for task_id, (lead, issued, due, status, done) in self.tasks_plan:
            head_id, officer_id = self.agency_users[lead]
            org_id = self.agency_ids[lead]
            is_open = status is not TaskStatus.COMPLETED
            if is_open or rng.random() < 0.5:
                for k in range(1 if not is_open else rng.choice((1, 2))):
                    on = min(self.end, issued + timedelta(days=rng.randrange(7, 60) + 30 * k))
                    if done:
                        on = done
                    unit, place = rng.choice(_PLACES)
                    text = rng.choice(_REPORT_TEXTS).format(n=rng.randrange(3, 40), p=rng.randrange(40, 100),
                                                            unit=unit, place=place)
                    reports.append({
                        "task_id": task_id, "organisation_id": org_id, "author_id": officer_id, "is_lead_report": True,
                        "status": TaskStatus.COMPLETED if done else (status if k else TaskStatus.IN_PROGRESS),
                        "progress_percent": 100 if done else rng.randrange(10, 95, 5), "result_text": text,
                        "reported_on": on, "created_at": _at(on, 10 + k),
                    })
            if not is_open or due is None or due >= self.end:
                continue
            late = (self.end - due).days
            sent = [(ReminderKind.OVERDUE, 1, officer_id)]
            if late > 7:
                sent.append((ReminderKind.ESCALATION_HEAD, 7, head_id))
            if late > 30 and rng.random() < 0.7:
                sent.append((ReminderKind.ESCALATION_CHIEF, 30, self.chief_id))
            if late > 60 and rng.random() < 0.4:
                sent.append((ReminderKind.ESCALATION_COMMITTEE, 60, self.chief_id))
            for kind, after, user_id in sent:
                at = _at(due + timedelta(days=after), 7)
                reminders.append({
                    "dedupe_key": f"{kind.value}:{task_id}:{user_id}:{due.isoformat()}", "kind": kind, "task_id": task_id,
                    "organisation_id": org_id, "recipient_user_id": user_id,
                    "recipient_email": bench_user_email(f"u{user_id}"), "due_date": due,
                    "subject": f"[{kind.label}] Nhiệm vụ quá hạn", "state": ReminderState.SENT, "attempts": 1,
                    "claimed_at": at, "sent_at": at,
                })
            if late > 30 and rng.random() < 0.1:
                asked = due + timedelta(days=31)
                answered = rng.random() < 0.5
                explanations.append({
                    "task_id": task_id, "requested_by_id": self.chief_id, "requested_at": _at(asked),
                    "message": "Đề nghị cơ quan giải trình lý do chậm tiến độ và đề xuất thời hạn hoàn thành.",
                    "answer": "Do chờ hướng dẫn của cấp trên; dự kiến hoàn thành trong tháng tới." if answered else None,
                    "answered_by_id": head_id if answered else None,
                    "answered_at": _at(asked + timedelta(days=5)) if answered else None,
                })
            if rng.random() < 0.03:
                extensions.append({
                    "task_id": task_id, "organisation_id": org_id, "requested_by_id": head_id, "current_due_date": due,
                    "requested_due_date": _quarter_end(self.end + timedelta(days=40)),
                    "reason": "Khối lượng công việc lớn, cần thêm thời gian phối hợp với các xã.",
                    "state": ExtensionState.PENDING, "created_at": _at(due + timedelta(days=3)),
                })
        _insert(ProgressReport.__table__, reports, returning=False)
        _insert(ReminderLog.__table__, reminders, returning=False)
        _insert(ExplanationRequest.__table__, explanations, returning=False)
        _insert(ExtensionRequest.__table__, extensions, returning=False)
        self.summary.progress_reports = len(reports)
        self.summary.reminders = len(reminders)
        self.summary.explanations = len(explanations)
        self.summary.extensions = len(extensions)

    def indicators(self) -> None:
        rng = self.rng
        rows, plans = [], []
        for year in range(self.start.year, self.end.year + 1):
            for i, org_id in enumerate(self.agency_ids):
                for k, (phrase, unit) in enumerate(rng.sample(_INDICATORS, 5), start=1):
                    rows.append({"organisation_id": org_id, "year": year, "code": f"{k:02d}", "phrase": phrase,
                                 "unit": unit, "target": rng.randrange(20, 400), "is_year_end": rng.random() < 0.15,
                                 "display_order": k, "source": "Chương trình công tác năm"})
                    plans.append((year, rows[-1]["target"], self.agency_users[i][1]))
        ids = _insert(Indicator.__table__, rows)
        values = []
        for indicator_id, (year, target, user_id) in zip(ids, plans, strict=True):
            achieved = rng.uniform(0.3, 1.25)
            for quarter in (1, 2, 3, 4):
                as_of = Period.quarter(year, quarter).end
                if as_of > self.end:
                    break
                actual = round(target * achieved * quarter / 4)
                values.append({"indicator_id": indicator_id, "as_of": as_of, "actual": actual, "entered_by_id": user_id,
                               "created_at": _at(as_of)})
        _insert(IndicatorValue.__table__, values, returning=False)
        self.summary.indicators = len(ids)


def seed_bench(*, tasks: int = 100_000, agencies: int = 40, years: int = 3, end: date | None = None, seed: int = 2024,
               password: str) -> SeedSummary:
    """Write the benchmark district into the current session's transaction (the caller commits).

    Refuses (ValueError) when bench data already exists: delete it first with :func:`delete_bench_data`.
    """
    from app.core.clock import today_local
    from app.core.security import hash_password

    if tasks < 1 or agencies < 2 or years < 1:
        raise ValueError("tasks >= 1, agencies >= 2 and years >= 1 are required")
    if bench_data_exists():
        raise ValueError("bench data already exists (use --reset to replace it)")
    began = time.perf_counter()
    generator = _Generator(tasks=tasks, agencies=agencies, years=years, end=end or today_local(), seed=seed,
                           password_hash=hash_password(password))
    generator.organisations()
    generator.users()
    generator.directives()
    generator.tasks()
    generator.activity()
    generator.indicators()
    summary = generator.summary
    summary.seconds = time.perf_counter() - began
    return summary
