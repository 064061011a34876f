"""Domain enumerations with their Vietnamese labels: the one place each status is named.

Values are stable ASCII identifiers stored in the database and used by the API; ``label`` is the
localized text shown to people (msgids are Vietnamese, the default language).
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l


class LabelledEnum(enum.StrEnum):
    """A str enum whose members carry a translatable label."""

    def __new__(cls, value: str, label):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj._label = label
        return obj

    @property
    def label(self) -> str:
        return str(self._label)

    @classmethod
    def choices(cls) -> list:
        """The members as <select> options (WTForms SelectChoice: tuples are deprecated in 3.3)."""
        from wtforms.fields.choices import SelectChoice

        return [SelectChoice(m.value, m.label) for m in cls]

    @classmethod
    def coerce(cls, value):
        return value if isinstance(value, cls) else cls(value)

    def __str__(self) -> str:
        return self.value


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> sa.Enum:
    """Portable enum column: a VARCHAR holding the value (no native PostgreSQL type to migrate)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Role(LabelledEnum):
    ADMIN = "admin", _l("Quản trị hệ thống")
    COMMITTEE = "committee", _l("Thường trực/Ban Thường vụ")
    OFFICE = "office", _l("Chuyên viên Văn phòng")
    OFFICE_CHIEF = "office_chief", _l("Chánh Văn phòng")
    AGENCY_HEAD = "agency_head", _l("Lãnh đạo cơ quan")
    AGENCY_OFFICER = "agency_officer", _l("Cán bộ cơ quan")


#: Roles that follow every agency's work (not restricted to their own organisation).
OVERSIGHT_ROLES = frozenset({Role.ADMIN, Role.COMMITTEE, Role.OFFICE, Role.OFFICE_CHIEF})
AGENCY_ROLES = frozenset({Role.AGENCY_HEAD, Role.AGENCY_OFFICER})


class OrganisationKind(LabelledEnum):
    COMMITTEE = "committee", _l("Cấp ủy (Huyện ủy, Ban Thường vụ, Thường trực)")
    ADVISORY = "advisory", _l("Cơ quan tham mưu, giúp việc")
    TRAINING_CENTRE = "training_centre", _l("Trung tâm Chính trị")
    FRONT = "front", _l("Mặt trận Tổ quốc")
    #: The five "đoàn thể chính trị - xã hội" (LĐLĐ, CCB, HND, HLHPN, Đoàn TN; domain.md §1.3) and no other.
    MASS_ORG = "mass_org", _l("Đoàn thể chính trị - xã hội")
    #: Mass associations outside the five (Hội Chữ thập đỏ): reported with a tally, never in "các đoàn thể".
    ASSOCIATION = "association", _l("Hội quần chúng (không thuộc 05 đoàn thể)")
    GOVERNMENT = "government", _l("Chính quyền (HĐND, UBND)")
    DEPARTMENT = "department", _l("Phòng, ban chuyên môn")
    COMMUNE = "commune", _l("Đảng bộ xã, thị trấn")
    GRASSROOTS = "grassroots", _l("Tổ chức cơ sở đảng khác")
    OTHER = "other", _l("Khác")


class TaskStatus(LabelledEnum):
    """Trạng thái nhiệm vụ (the five statuses an agency can report, plus the office's verdicts)."""

    NOT_STARTED = "not_started", _l("Chưa triển khai")
    IN_PROGRESS = "in_progress", _l("Đang thực hiện")
    COMPLETION_PROPOSED = "completion_proposed", _l("Đề nghị hoàn thành")
    COMPLETED = "completed", _l("Hoàn thành")
    NOT_COMPLETED = "not_completed", _l("Chưa hoàn thành")

    @property
    def is_closed(self) -> bool:
        return self is TaskStatus.COMPLETED


OPEN_STATUSES = frozenset(s for s in TaskStatus if not s.is_closed)


class TaskKind(LabelledEnum):
    ONE_OFF = "one_off", _l("Một lần")
    RECURRING = "recurring", _l("Định kỳ")
    CONTINUOUS = "continuous", _l("Thường xuyên")


class Recurrence(LabelledEnum):
    MONTHLY = "monthly", _l("Hằng tháng")
    QUARTERLY = "quarterly", _l("Hằng quý")
    YEARLY = "yearly", _l("Hằng năm")


class MeetingKind(LabelledEnum):
    PERIODIC = "periodic", _l("Làm việc định kỳ")
    PLENARY = "plenary", _l("Hội nghị Ban Chấp hành")
    STANDING_BOARD = "standing_board", _l("Họp Ban Thường vụ")
    STANDING_CORE = "standing_core", _l("Họp Thường trực")
    OTHER = "other", _l("Khác")


class DirectiveStatus(LabelledEnum):
    DRAFT = "draft", _l("Dự thảo")
    ISSUED = "issued", _l("Đã ban hành")
    REFERENCE = "reference", _l("Văn bản được dẫn chiếu")


class ReviewState(LabelledEnum):
    PENDING = "pending", _l("Chờ xác nhận")
    CONFIRMED = "confirmed", _l("Đã xác nhận")
    RETURNED = "returned", _l("Trả lại")


class ExtensionState(LabelledEnum):
    PENDING = "pending", _l("Chờ quyết định")
    APPROVED = "approved", _l("Đã đồng ý")
    REJECTED = "rejected", _l("Không đồng ý")


class ReminderKind(LabelledEnum):
    BEFORE_DUE = "before_due", _l("Nhắc trước hạn")
    DUE_TODAY = "due_today", _l("Đến hạn hôm nay")
    OVERDUE = "overdue", _l("Quá hạn")
    ESCALATION_HEAD = "escalation_head", _l("Báo lãnh đạo cơ quan")
    ESCALATION_CHIEF = "escalation_chief", _l("Báo Chánh Văn phòng")
    ESCALATION_COMMITTEE = "escalation_committee", _l("Báo Thường trực")
    AGENCY_DIGEST = "agency_digest", _l("Tổng hợp hằng tuần")
    CHIEF_DIGEST = "chief_digest", _l("Tổng hợp quá hạn")
    REPORTING_CALL = "reporting_call", _l("Đề nghị báo cáo định kỳ")
    MANUAL = "manual", _l("Nhắc việc trực tiếp")


class ReminderState(LabelledEnum):
    CLAIMED = "claimed", _l("Đang gửi")
    SENT = "sent", _l("Đã gửi")
    FAILED = "failed", _l("Gửi lỗi")
    SKIPPED = "skipped", _l("Bỏ qua")


class ReportState(LabelledEnum):
    DRAFT = "draft", _l("Dự thảo")
    FROZEN = "frozen", _l("Đã chốt")
