"""Load the demo district (Huyện ủy Phụng Hiệp) so that every screen has real-looking content.

Idempotent: each part checks whether it is already there (by code, e-mail or meeting date) and
leaves existing rows alone, so `flask seed-demo` can run on every start.

What it loads:
- the organisations and one account per role from :mod:`app.demo.catalog`;
- the Q1/2024 periodic working session (14/3/2024), its conclusion 198-TB/HU with 9 tasks and
  11 content items, progress as 003 reports it (10 items completed, the Tân Bình item not);
- the Q2/2024 session and the district's key Party-building indicators for 2024 (AS-02);
- a current session (the last quarter before today) with open work, so dashboards show what is
  due soon and what is late relative to the real date.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.core.clock import now_utc, today_local
from app.core.enums import (
    DirectiveStatus,
    MeetingKind,
    OrganisationKind,
    ReviewState,
    Role,
    TaskKind,
    TaskStatus,
)
from app.core.periods import quarter_bounds, quarter_label, quarter_of
from app.core.security import hash_password
from app.core.text import normalize
from app.demo import catalog
from app.extensions import db
from app.models import (
    ContentItem,
    Directive,
    Indicator,
    IndicatorValue,
    Meeting,
    Organisation,
    ProgressReport,
    Task,
    User,
)
from app.tasks.rollup import apply_rollup

PARTICIPANTS = (
    "các cơ quan tham mưu, giúp việc Huyện ủy\n"
    "Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện"
)

#: Progress narratives per task ordinal (from what 003 reports each agency did in Q2/2024).
Q1_RESULTS = {
    1: "Đã tổ chức học tập, quán triệt Đề án số 09-ĐA/TU ngày 05/01/2024 của Ban Thường vụ Tỉnh ủy cho cán bộ, "
       "đảng viên; tỷ lệ tham gia đạt trên 98%.",
    2: "Đã tham mưu ban hành Quyết định thành lập các Tiểu ban Đại hội; hoàn thành rà soát, bổ sung quy hoạch "
       "cấp ủy nhiệm kỳ 2025 - 2030 trình Ban Thường vụ Tỉnh ủy.",
    3: "Đã triển khai Chương trình kiểm tra, giám sát năm 2024; phục vụ tốt Đoàn giám sát 3615 và Đoàn kiểm tra "
       "165 của Tỉnh ủy; hoàn thành xác minh tài sản, thu nhập đối với 05 đồng chí.",
    4: "Tham mưu Ban Thường vụ Huyện ủy ban hành Kế hoạch số 175-KH/HU ngày 29/3/2024 về “Tiếp tục duy trì mô "
       "hình lấy ý kiến của người dân”; tổ chức đối thoại tại xã Phương Bình và thị trấn Kinh Cùng.",
    5: "Mở 34 lớp bồi dưỡng với 3.039 học viên; thông báo chiêu sinh lớp Sơ cấp Lý luận chính trị khóa I/2024.",
    6: "Phục vụ chu đáo Đoàn công tác của Thường trực Tỉnh ủy và Hội nghị lần thứ 20 Ban Chấp hành Đảng bộ huyện.",
    7: "Tổ chức thành công Đại hội đại biểu Mặt trận Tổ quốc Việt Nam huyện lần thứ XII, nhiệm kỳ 2024 - 2029 "
       "(điểm của Tỉnh); vận động Quỹ “Vì người nghèo” được 23,2 tỷ đồng, đạt 77,3% kế hoạch.",
    8: "Tổ chức Lễ ra quân Chiến dịch Thanh niên tình nguyện hè năm 2024; hoàn thành Văn kiện và Đề án nhân sự "
       "Đại hội Hội Liên hiệp Thanh niên Việt Nam huyện.",
}
TAN_BINH_PROGRESS = ("Xã đã đạt 17/19 tiêu chí; còn tiêu chí thu nhập và tiêu chí giao thông đang hoàn thiện hồ "
                     "sơ, dự kiến trình thẩm định trong quý III/2024.", 85)

#: District key indicators 2024 (AS-02): year-to-date actuals reported mid-June, before the Q2 report's cut-off.
KEY_INDICATORS_AS_OF = date(2024, 6, 15)
KEY_INDICATORS = [
    dict(code="01", phrase="Tổ chức kết nạp mới", unit="đảng viên", target=158, actual=112, owner="BTC"),
    dict(code="02", phrase="Chỉ đạo thực hiện", unit="cuộc kiểm tra tại các chi bộ", target=537, actual=498, owner="UBKT"),
    dict(code="03", phrase="Vận động, tập hợp", unit="hộ có đoàn viên, hội viên tham gia các đoàn thể chính trị - xã hội",
         target=50652, target_rate="82.41", base_label="số hộ", actual=43140, owner="BDV"),
]


def seed_demo_district() -> str:
    """Load whatever part of the demo district is missing; return a one-line summary."""
    orgs = _seed_organisations()
    users = _seed_users(orgs)
    loaded = []
    if _seed_q1_2024(orgs, users):
        loaded.append("Q1/2024 conclusion")
    if _seed_q2_2024(users):
        loaded.append("Q2/2024 session")
    if _seed_indicators(orgs, users):
        loaded.append("indicators 2024")
    if _seed_current_period(orgs, users):
        loaded.append("current period")
    _seed_report_inputs()
    db.session.flush()
    return (f"demo district: {len(orgs)} organisations, {len(set(users.values()))} demo users"
            + (f"; loaded {', '.join(loaded)}" if loaded else "; nothing new to load"))


def _seed_report_inputs() -> None:
    """Agency inputs for the quarterly report, when the reports feature provides them."""
    try:
        from app.demo.report_data import seed_report_inputs
    except ImportError:
        return
    seed_report_inputs()


def _seed_organisations() -> dict[str, Organisation]:
    existing = {o.code: o for o in db.session.scalars(sa.select(Organisation))}
    for row in catalog.ORGANISATIONS:
        if row["code"] in existing:
            continue
        org = Organisation(
            code=row["code"],
            name=row["name"],
            short_name=row["short_name"],
            kind=OrganisationKind.coerce(row["kind"]),
            display_order=row["order"],
            report_heading=row["report_heading"],
            aliases="\n".join(row["aliases"]),
            contact_emails="\n".join(row["emails"]),
        )
        db.session.add(org)
        existing[row["code"]] = org
    for row in catalog.ORGANISATIONS:
        if row["parent_code"] and existing[row["code"]].parent_id is None:
            existing[row["code"]].parent = existing[row["parent_code"]]
    db.session.flush()
    return existing


def _seed_users(orgs: dict[str, Organisation]) -> dict[str, User]:
    existing = {u.email: u for u in db.session.scalars(sa.select(User))}
    password_hash = None
    by_role: dict[str, User] = {}
    for row in catalog.DEMO_USERS:
        user = existing.get(row["email"])
        if user is None:
            password_hash = password_hash or hash_password(catalog.DEMO_PASSWORD)
            user = User(email=row["email"], name=row["name"], role=Role.coerce(row["role"]), title=row["title"],
                        organisation=orgs[row["org_code"]], password_hash=password_hash)
            db.session.add(user)
        by_role.setdefault(row["role"], user)
        by_role.setdefault(f"{row['role']}:{row['org_code']}", user)
    db.session.flush()
    return by_role


def _meeting_on(day: date) -> Meeting | None:
    return db.session.scalar(sa.select(Meeting).where(Meeting.held_on == day, Meeting.kind == MeetingKind.PERIODIC))


def _new_meeting(day: date, year: int, quarter: int, creator: User) -> Meeting:
    meeting = Meeting(kind=MeetingKind.PERIODIC, period_label=quarter_label(year, quarter), year=year, quarter=quarter,
                      held_on=day, chair="Thường trực Huyện ủy", participants=PARTICIPANTS, created_by_id=creator.id)
    db.session.add(meeting)
    return meeting


def _seed_q1_2024(orgs: dict[str, Organisation], users: dict[str, User]) -> bool:
    expected = catalog.DEMO_CONCLUSION_EXPECTED
    if _meeting_on(expected["meeting_on"]) is not None:
        return False
    meeting = _new_meeting(expected["meeting_on"], 2024, 1, users["office"])
    number, _, issuer = expected["symbol"].partition("-TB/")
    directive = Directive(
        doc_type="TB", number=number, issuer_suffix=issuer, issued_on=expected["issued_on"], issuer_id=orgs["TTHU"].id,
        issuing_body="Thường trực Huyện ủy", term_start_year=2020, title=expected["title"],
        body=normalize(catalog.demo_conclusion_text()), meeting=meeting, status=DirectiveStatus.ISSUED,
        created_by_id=users["office"].id,
    )
    db.session.add(directive)
    for spec in expected["tasks"]:
        task = _task_from_spec(directive, spec, orgs, users["office"])
        _report_q1_progress(task, spec["ordinal"], orgs, users)
    return True


def _task_from_spec(directive: Directive, spec: dict, orgs: dict[str, Organisation], creator: User) -> Task:
    items = spec["items"]
    title = items[0]["text"] if len(items) == 1 else _task_title(spec)
    task = Task(
        directive=directive, ordinal=spec["ordinal"], title=title[:1000], lead_org=orgs[spec["lead_code"]],
        kind=TaskKind.ONE_OFF, due_phrase=spec["due_phrase"], due_date=spec["due_date"],
        original_due_date=spec["due_date"], is_all_communes=spec.get("all_communes", False), created_by_id=creator.id,
    )
    task.coordinators = [orgs[code] for code in spec["coordinator_codes"]]
    for ordinal, item in enumerate(items, start=1):
        task.items.append(ContentItem(
            ordinal=ordinal, text=item["text"], due_phrase=item["due_phrase"], due_date=item["due_date"],
            lead_org=orgs[item["lead_code"]] if item["lead_code"] != spec["lead_code"] else None,
        ))
    db.session.add(task)
    return task


def _task_title(spec: dict) -> str:
    """A heading for a task with several items: what its lead does, in the notice's words."""
    return {
        2: "Chuẩn bị công tác tổ chức, nhân sự Đại hội đại biểu Đảng bộ huyện lần thứ XIII, nhiệm kỳ 2025 - 2030",
        9: "Xây dựng xã Tân Bình đạt chuẩn Nông thôn mới",
    }.get(spec["ordinal"], spec["items"][0]["text"])


def _reporter_for(org: Organisation, users: dict[str, User]) -> User:
    """The agency's own officer if the demo has one, else office staff entering on its behalf."""
    return users.get(f"agency_officer:{org.code}") or users.get(f"agency_head:{org.code}") or users["office"]


def _report_q1_progress(task: Task, ordinal: int, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    db.session.flush()
    reporter = _reporter_for(task.lead_org, users)
    chief = users["office_chief"]
    for index, item in enumerate(task.items):
        unfinished = ordinal == 9 and index == 0
        if unfinished:
            text, percent = TAN_BINH_PROGRESS
            item.status, item.progress_percent = TaskStatus.IN_PROGRESS, percent
            _add_report(task, item, reporter, TaskStatus.IN_PROGRESS, percent, text, date(2024, 6, 25))
            continue
        done_on = date(2024, 5, 10) + timedelta(days=4 * ordinal + index)
        item.status, item.progress_percent, item.completed_on = TaskStatus.COMPLETED, 100, done_on
        text = Q1_RESULTS.get(ordinal, "Đã hoàn thành: " + item.text)
        report = _add_report(task, item, reporter, TaskStatus.COMPLETION_PROPOSED, 100, text, done_on)
        report.review_state = ReviewState.CONFIRMED
        report.reviewed_by_id = chief.id
        report.reviewed_at = now_utc()
    apply_rollup(task)


def _add_report(task, item, author: User, status: TaskStatus, percent: int, text: str, on: date) -> ProgressReport:
    report = ProgressReport(
        task_id=task.id, content_item_id=item.id if item is not None else None, organisation_id=task.lead_org_id,
        author_id=author.id, is_lead_report=True, status=status, progress_percent=percent, result_text=text,
        reported_on=on, created_at=now_utc(),
    )
    db.session.add(report)
    return report


def _seed_q2_2024(users: dict[str, User]) -> bool:
    day = date(2024, 6, 20)
    if _meeting_on(day) is not None:
        return False
    _new_meeting(day, 2024, 2, users["office"])
    return True


def _seed_indicators(orgs: dict[str, Organisation], users: dict[str, User]) -> bool:
    exists = db.session.scalar(sa.select(Indicator.id).where(Indicator.year == 2024, Indicator.is_district_key.is_(True)))
    if exists is not None:
        return False
    from decimal import Decimal

    for order, spec in enumerate(KEY_INDICATORS, start=1):
        indicator = Indicator(
            organisation_id=None, year=2024, code=spec["code"], phrase=spec["phrase"], unit=spec["unit"],
            target=Decimal(spec["target"]) if "target_rate" not in spec else None,
            target_rate=Decimal(spec["target_rate"]) if "target_rate" in spec else None,
            base_label=spec.get("base_label"), display_order=order, is_district_key=True,
            source="Chương trình công tác năm 2024 của Ban Chấp hành Đảng bộ huyện",
        )
        indicator.values.append(IndicatorValue(
            as_of=KEY_INDICATORS_AS_OF, actual=Decimal(spec["actual"]),
            base=Decimal(spec["target"]) if "target_rate" in spec else None,
            entered_by_id=users["office"].id, created_at=now_utc(),
        ))
        db.session.add(indicator)
    return True


#: Open work set by the most recent session, relative to today (text, lead, coordinators, due offset).
CURRENT_TASKS = [
    ("Tham mưu tổ chức sơ kết công tác xây dựng Đảng {period}, đề ra nhiệm vụ trọng tâm quý tới", "VP", ["BTC"], "quarter_end"),
    ("Tổ chức tuyên truyền các ngày lễ lớn trong quý, định hướng thông tin trên mạng xã hội", "BTG", ["HĐ"], "soon"),
    ("Hoàn thành kiểm tra chuyên đề đối với 03 tổ chức cơ sở đảng theo Chương trình kiểm tra, giám sát", "UBKT", [], "overdue"),
    ("Vận động Quỹ “Vì người nghèo”, hỗ trợ xây dựng nhà Đại đoàn kết cho hộ nghèo", "MTTQ", ["HLHPN", "CCB"], "quarter_end"),
    ("Duy trì sinh hoạt chi bộ định kỳ, nâng cao chất lượng sinh hoạt chi bộ ấp", "X.TANBINH", [], "continuous"),
]


def _seed_current_period(orgs: dict[str, Organisation], users: dict[str, User]) -> bool:
    today = today_local()
    year, quarter = quarter_of(today)
    prev_year, prev_quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    held_on = quarter_bounds(prev_year, prev_quarter)[1] - timedelta(days=14)
    if held_on <= date(2024, 6, 30) or _meeting_on(held_on) is not None:
        return False
    meeting = _new_meeting(held_on, prev_year, prev_quarter, users["office"])
    directive = Directive(
        doc_type="TB", number="12", issuer_suffix="HU", issued_on=held_on + timedelta(days=4),
        issuer_id=orgs["TTHU"].id, issuing_body="Thường trực Huyện ủy",
        term_start_year=2025 if held_on.year >= 2025 else 2020,
        title=f"Kết luận của Thường trực Huyện ủy tại buổi làm việc định kỳ {quarter_label(prev_year, prev_quarter)}",
        meeting=meeting, status=DirectiveStatus.ISSUED, created_by_id=users["office"].id,
    )
    db.session.add(directive)
    quarter_end = quarter_bounds(year, quarter)[1]
    due_for = {"quarter_end": quarter_end, "soon": today + timedelta(days=5), "overdue": today - timedelta(days=9),
               "continuous": None}
    for ordinal, (text, lead, coordinators, due_kind) in enumerate(CURRENT_TASKS, start=1):
        due = due_for[due_kind]
        task = Task(
            directive=directive, ordinal=ordinal, title=text.format(period=quarter_label(year, quarter)),
            lead_org=orgs[lead], kind=TaskKind.CONTINUOUS if due is None else TaskKind.ONE_OFF,
            due_phrase="thường xuyên" if due is None else f"trong {quarter_label(year, quarter)}" if due == quarter_end else None,
            due_date=due, original_due_date=due, created_by_id=users["office"].id,
            status=TaskStatus.IN_PROGRESS if due_kind != "quarter_end" else TaskStatus.NOT_STARTED,
            progress_percent=40 if due_kind != "quarter_end" else 0,
        )
        task.coordinators = [orgs[c] for c in coordinators]
        task.items.append(ContentItem(ordinal=1, text=task.title, due_date=due, due_phrase=task.due_phrase,
                                      status=task.status, progress_percent=task.progress_percent))
        db.session.add(task)
    return True
