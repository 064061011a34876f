"""What a tick reports: its counts, timings and one line per reminder sent, failed or (dry run)
that would be sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.core.enums import ReminderKind


@dataclass(frozen=True, slots=True)
class ReminderLine:
    """One line of the CLI's report: a reminder sent, failed, or (dry run) that would be sent."""

    action: str
    kind: ReminderKind
    task_id: int | None
    email: str
    key_date: date | None
    subject: str
    error: str | None = None

    def __str__(self) -> str:
        task = f"task {self.task_id}" if self.task_id else "—"
        tail = f"  !! {self.error}" if self.error else ""
        day = self.key_date.isoformat() if self.key_date else "—"
        return f"{self.action:<10} {self.kind.value:<20} {task:<12} {self.email:<40} {day}  {self.subject}{tail}"


@dataclass
class TickResult:
    today: date
    dry_run: bool = False
    due: int = 0
    claimed: int = 0
    deferred: int = 0
    retried: int = 0
    skipped: int = 0
    interrupted: int = 0
    lines: list[ReminderLine] = field(default_factory=list)
    plan_ms: float = 0.0
    #: Time spent in the send loop itself (SMTP connection open to last message marked).
    send_ms: float = 0.0
    total_ms: float = 0.0

    @property
    def sent(self) -> int:
        return sum(1 for line in self.lines if line.action == "sent")

    @property
    def failed(self) -> int:
        return sum(1 for line in self.lines if line.action == "failed")

    def summary(self) -> str:
        if self.dry_run:
            return (f"{self.today.isoformat()} (thử, không gửi): {self.due} nhắc việc đến hạn, "
                    f"{len(self.lines)} sẽ gửi, {self.deferred} để ngày mai (tổng hợp ngày); "
                    f"{self.total_ms:.0f} ms")
        return (f"{self.today.isoformat()}: {self.due} nhắc việc đến hạn, {self.claimed} mới, đã gửi {self.sent} thư, "
                f"lỗi {self.failed}, gửi lại {self.retried}, bỏ qua {self.skipped}, để ngày mai {self.deferred}, "
                f"gián đoạn {self.interrupted}; {self.total_ms:.0f} ms")
