"""Scenario data for the report tests: AS-01's Q1/2024 conclusion built from the factories, and helpers
to read a generated Word file back with python-docx."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import docx
import pytest

from app.core.clock import now_utc
from app.core.enums import OrganisationKind, Role, TaskStatus
from app.extensions import db
from app.models import Indicator, IndicatorValue, Meeting, Organisation, Task

TAN_BINH = "Xây dựng hoàn thành 19 tiêu chí xã Nông thôn mới Tân Bình, để sớm được công nhận trong tháng 6/2024"
PARTICIPANTS = "các cơ quan tham mưu, giúp việc Huyện ủy\nMặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện"

#: The 13 agencies of the working session in report order (code, name, kind, report heading).
AGENCIES = [
    ("BTG", "Ban Tuyên giáo Huyện ủy", OrganisationKind.ADVISORY, "Công tác Tuyên giáo"),
    ("BTC", "Ban Tổ chức Huyện ủy", OrganisationKind.ADVISORY, "Công tác Tổ chức, cán bộ"),
    ("UBKT", "Ủy ban Kiểm tra Huyện ủy", OrganisationKind.ADVISORY, "Công tác Kiểm tra, giám sát, thi hành kỷ luật Đảng"),
    ("BDV", "Ban Dân vận Huyện ủy", OrganisationKind.ADVISORY, "Công tác Dân vận"),
    ("TTCT", "Trung tâm Chính trị huyện", OrganisationKind.TRAINING_CENTRE, "Công tác Đào tạo, bồi dưỡng cán bộ"),
    ("VP", "Văn phòng Huyện ủy", OrganisationKind.ADVISORY, "Công tác Văn phòng"),
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam huyện", OrganisationKind.FRONT, "Ủy ban Mặt trận Tổ quốc Việt Nam huyện"),
    ("LĐLĐ", "Liên đoàn Lao động huyện", OrganisationKind.MASS_ORG, "Liên đoàn Lao động huyện"),
    ("CCB", "Hội Cựu chiến binh huyện", OrganisationKind.MASS_ORG, "Hội Cựu Chiến binh huyện"),
    ("HND", "Hội Nông dân huyện", OrganisationKind.MASS_ORG, "Hội Nông dân huyện"),
    ("HLHPN", "Hội Liên hiệp Phụ nữ huyện", OrganisationKind.MASS_ORG, "Hội Liên hiệp Phụ nữ huyện"),
    ("HĐ", "Đoàn Thanh niên Cộng sản Hồ Chí Minh huyện", OrganisationKind.MASS_ORG,
     "Đoàn Thanh niên Cộng sản Hồ Chí Minh huyện"),
    ("CTĐ", "Hội Chữ thập đỏ huyện", OrganisationKind.ASSOCIATION, "Hội Chữ thập đỏ huyện"),
]


@dataclass
class Scenario:
    orgs: dict[str, Organisation]
    q1: Meeting
    q2: Meeting
    conclusion: object
    tasks: list[Task] = field(default_factory=list)

    @property
    def tan_binh_task(self) -> Task:
        return next(t for t in self.tasks if any(i.text == TAN_BINH for i in t.items))

    @property
    def tan_binh_item(self):
        return next(i for i in self.tan_binh_task.items if i.text == TAN_BINH)


def make_agencies(factories) -> dict[str, Organisation]:
    orgs = {code: factories.org(code, name=name, kind=kind, order=n, report_heading=heading)
            for n, (code, name, kind, heading) in enumerate(AGENCIES, start=1)}
    orgs["X.TANBINH"] = factories.org("X.TANBINH", name="Đảng ủy xã Tân Bình", kind=OrganisationKind.COMMUNE, order=40)
    orgs["UBND"] = factories.org("UBND", name="Ủy ban nhân dân huyện", kind=OrganisationKind.GOVERNMENT, order=22)
    return orgs


def _done(target, day: date) -> None:
    target.status, target.progress_percent, target.completed_on = TaskStatus.COMPLETED, 100, day


def make_as01(factories, orgs: dict[str, Organisation]) -> Scenario:
    """AS-01 given: the Q1/2024 session of 14/3/2024, 9 tasks with 11 content items, 10 completed."""
    q1 = factories.meeting(held_on=date(2024, 3, 14), label="quý I/2024", participants=PARTICIPANTS)
    q2 = factories.meeting(held_on=date(2024, 6, 20), label="quý II/2024", participants=PARTICIPANTS)
    conclusion = factories.directive(meeting=q1, number="198", issued_on=date(2024, 3, 18),
                                     title="Kết luận của Thường trực Huyện ủy tại buổi làm việc định kỳ quý I/2024")
    o = orgs
    specs = [  # (lead, title, items): tasks 1, 3, 4 have no content items and count as one each
        (o["BTG"], "Tổ chức học tập, quán triệt Đề án số 09-ĐA/TU", []),
        (o["BTC"], "Chuẩn bị công tác nhân sự Đại hội", [("Tham mưu thành lập các Tiểu ban Đại hội", o["BTC"]),
                                                           ("Rà soát, bổ sung quy hoạch cấp ủy", o["BTC"])]),
        (o["UBKT"], "Thực hiện Chương trình kiểm tra, giám sát năm 2024", []),
        (o["BDV"], "Tổ chức đối thoại với Nhân dân xã Phương Bình", []),
        (o["TTCT"], "Mở các lớp bồi dưỡng nhận thức về Đảng", [("Mở các lớp bồi dưỡng nhận thức về Đảng", None)]),
        (o["VP"], "Phục vụ Đoàn công tác của Thường trực Tỉnh ủy", [("Phục vụ Đoàn công tác", None)]),
        (o["MTTQ"], "Tổ chức Đại hội Mặt trận Tổ quốc huyện", [("Tổ chức Đại hội", None)]),
        (o["HĐ"], "Ra quân Chiến dịch Thanh niên tình nguyện hè", [("Ra quân Chiến dịch", None)]),
        (o["X.TANBINH"], "Xây dựng xã Tân Bình đạt chuẩn Nông thôn mới",
         [(TAN_BINH, None), ("Vận động Nhân dân hiến đất làm lộ giao thông nông thôn", None)]),
    ]
    tasks = []
    for ordinal, (lead, title, items) in enumerate(specs, start=1):
        task = factories.task(lead, directive_=conclusion, title=title, items=items, ordinal=ordinal,
                              due=date(2024, 6, 30))
        day = date(2024, 5, 10 + ordinal)
        for item in task.items:
            if item.text == TAN_BINH:
                item.status, item.progress_percent = TaskStatus.IN_PROGRESS, 85
                item.due_date, item.due_phrase = date(2024, 6, 30), "trong tháng 6/2024"
            else:
                _done(item, day)
        if all(i.status is TaskStatus.COMPLETED for i in task.items):
            _done(task, day)
        else:
            task.status = TaskStatus.IN_PROGRESS
        tasks.append(task)
    db.session.commit()
    return Scenario(orgs, q1, q2, conclusion, tasks)


def add_key_indicators(year: int = 2024, as_of: date = date(2024, 6, 15)) -> None:
    """AS-02 given: the three district key indicators with their year-to-date actuals."""
    rows = [
        dict(code="01", phrase="Tổ chức kết nạp mới", unit="đảng viên", target=Decimal(158), actual=112),
        dict(code="02", phrase="Chỉ đạo thực hiện", unit="cuộc kiểm tra tại các chi bộ", target=Decimal(537), actual=498),
        dict(code="03", phrase="Vận động, tập hợp",
             unit="hộ có đoàn viên, hội viên tham gia các đoàn thể chính trị - xã hội", target=None,
             target_rate=Decimal("82.41"), base_label="số hộ", actual=43140, base=Decimal(50652)),
    ]
    for order, row in enumerate(rows, start=1):
        indicator = Indicator(organisation_id=None, year=year, code=row["code"], phrase=row["phrase"], unit=row["unit"],
                              target=row["target"], target_rate=row.get("target_rate"), base_label=row.get("base_label"),
                              display_order=order, is_district_key=True)
        indicator.values.append(IndicatorValue(as_of=as_of, actual=Decimal(row["actual"]), base=row.get("base"),
                                               created_at=now_utc()))
        db.session.add(indicator)
    db.session.commit()


def add_agency_indicators(org: Organisation, percents: list, *, names: dict[int, str] | None = None,
                          year: int = 2024, as_of: date = date(2024, 6, 15)) -> None:
    """An agency's indicator set: one indicator per percentage (target 100), None = judged at year end."""
    for n, percent in enumerate(percents, start=1):
        indicator = Indicator(organisation_id=org.id, year=year, code=f"{n:02d}",
                              phrase=(names or {}).get(n, f"Chỉ tiêu số {n:02d}"), unit="điểm", target=Decimal(100),
                              is_year_end=percent is None, display_order=n)
        if percent is not None:
            indicator.values.append(IndicatorValue(as_of=as_of, actual=Decimal(str(percent)), created_at=now_utc()))
        db.session.add(indicator)
    db.session.commit()


def read_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def body_lines(document) -> list[str]:
    """The body paragraphs' text (tables excluded), in order."""
    return [p.text for p in document.paragraphs]


def section_lines(lines: list[str], heading_prefix: str, next_prefix: str | None) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith(heading_prefix))
    end = next((i for i, line in enumerate(lines) if next_prefix and line.startswith(next_prefix)), len(lines))
    return lines[start:end]


@pytest.fixture
def agencies(factories):
    return make_agencies(factories)


@pytest.fixture
def as01(factories, agencies):
    return make_as01(factories, agencies)


@pytest.fixture
def office_user(factories, agencies):
    return factories.user(Role.OFFICE, agencies["VP"])


@pytest.fixture
def chief(factories, agencies):
    return factories.user(Role.OFFICE_CHIEF, agencies["VP"], name="Nguyễn Văn A")
