"""Tables of who takes part: participants, their demographics, facilitator accounts, logins, settings
(migrations 0001, 0003), and withdrawals: the erasure log and the tombstones of withdrawn seeds that
runs used (migration 0010; neither points at ``participants``, whose row is gone by then)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
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


class WithdrawalRow(Base):
    """One withdrawal: whose data was deleted, who asked for it, how, when, and rows per table.

    ``participant_id`` is the pseudonymous id of the person whose data was deleted: kept so the
    study can show that (and when) a deletion happened, and so a crowd link does not silently
    enrol the same person again. ``requested_by`` is ``participant`` or ``admin``; ``account``
    names the admin (their login, or the operator's name at the command line). ``crowd_id`` (the
    crowd platform's id) and ``campaign_ids`` (the campaigns the person was in) are kept so the
    researcher can still settle the person's submission on the platform without penalising them.
    """

    __tablename__ = "withdrawals"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    requested_by: Mapped[str] = mapped_column(String(16))
    account: Mapped[str | None] = mapped_column(String(80), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    deleted: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    crowd_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    campaign_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WithdrawnSeedRow(Base):
    """A tombstone: a withdrawn person's seed that generation runs had used as an example.

    The seed row and its text are deleted; this row says which seed id it was, of what kind,
    and which runs' records name it in their ``example_ids``.
    """

    __tablename__ = "withdrawn_seeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    withdrawal_id: Mapped[int] = mapped_column(
        ForeignKey("withdrawals.id", ondelete="CASCADE"), index=True
    )
    seed_kind: Mapped[str] = mapped_column(String(16))
    seed_id: Mapped[str] = mapped_column(String(64), index=True)
    run_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    records: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
