"""One-time links e-mailed to a person: an invitation to set a first password, or a password reset."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base
from app.models.users import User


class AccountLink(Base):
    """Only a keyed hash of the link's secret is stored; the secret itself is in the e-mail alone.

    A link is good once (``used_at``), until ``expires_at``, and only while it is the newest link of
    its purpose for that person: sending a new one sets ``revoked_at`` on the previous ones.
    """

    __tablename__ = "account_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: "invite" (first password) or "reset" (forgotten password).
    purpose: Mapped[str] = mapped_column(sa.String(16))
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    #: Who asked for it (an administrator's invitation); None for the person's own reset request.
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
