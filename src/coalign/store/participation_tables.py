"""Tables of who takes part: participants, their demographics, facilitator accounts, logins, settings (migrations 0001, 0003)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from coalign.store.tables import Base, utcnow


class ParticipantRow(Base):
    __tablename__ = "participants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="participant")
    token_hash: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    external_ids: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DemographicAnswerRow(Base):
    """Kept in its own table, apart from the work, so access can be restricted to it alone."""

    __tablename__ = "demographic_answers"
    __table_args__ = (UniqueConstraint("participant_id", "question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(String(120))
    answer: Mapped[str] = mapped_column(Text)
    self_description: Mapped[str | None] = mapped_column(Text, nullable=True)


class AccountRow(Base):
    """A facilitator or admin who logs in to the web app; only an argon2 hash of the password is kept."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="facilitator")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoginAttemptRow(Base):
    """Every login attempt, so failed ones can be rate-limited per user name and per client."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class AppSettingRow(Base):
    """Small key/value settings of the web app (e.g. the cookie-signing secret)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DemographicSurveyRow(Base):
    """The demographics questions of one study (the default survey applies when a study has none)."""

    __tablename__ = "demographic_surveys"

    study_id: Mapped[int] = mapped_column(
        ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True
    )
    questions: Mapped[list[Any]] = mapped_column(JSON, default=list)
