"""Organisations: the committees that issue directives and the agencies that carry them out."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, TimestampMixin
from app.core.enums import OrganisationKind, enum_column


class Organisation(TimestampMixin, Base):
    """Tổ chức, cơ quan: a node of the district's organisation tree."""

    __tablename__ = "organisation"
    #: What a code may contain: letters (Đ too, as in LĐLĐ), digits, dot, dash, underscore.
    CODE_PATTERN = r"^[A-Za-zĐđ0-9._-]+$"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short code from domain.md §1.3 (BTG, BTC, UBKT, …), used by the CLI, the API and imports.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str | None] = mapped_column(sa.String(100))
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    #: Position in the report's per-agency order (domain.md §1.3); lower first.
    display_order: Mapped[int] = mapped_column(default=1000)
    #: Field heading in report section II.3, e.g. "Công tác Tuyên giáo".
    report_heading: Mapped[str | None] = mapped_column(sa.String(200))
    #: Other names seen in notices ("MTTQ", "Huyện đoàn"), one per line, for import matching.
    aliases: Mapped[str] = mapped_column(sa.Text, default="")
    #: Contact addresses, one per line, that receive agency digests.
    contact_emails: Mapped[str] = mapped_column(sa.Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Organisations merge and split (sáp nhập, giải thể): validity dates keep history readable.
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent")

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.splitlines() if a.strip()]

    @property
    def email_list(self) -> list[str]:
        return [e.strip() for e in self.contact_emails.splitlines() if e.strip()]

    @property
    def is_commune(self) -> bool:
        return self.kind is OrganisationKind.COMMUNE

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"
