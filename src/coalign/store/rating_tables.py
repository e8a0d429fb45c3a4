"""Tables of rating campaigns: items, ratings, campaigns, their items, enrolments, assignments
(migrations 0001, 0003, 0015), reviewed translations (0014) and the quota cells people were
admitted to (0016)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from coalign.store.tables import Base, utcnow


class ItemRow(Base):
    __tablename__ = "items"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    prompt: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(Text)
    context: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RatingRow(Base):
    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("participant_id", "item_id", "dimension"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    dimension: Mapped[str] = mapped_column(String(80))
    value: Mapped[int] = mapped_column(Integer)
    seconds_taken: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignRow(Base):
    """A rating campaign: items × value dimensions, with its assignment and attention-check settings."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("study_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    dimensions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    questions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    items_per_participant: Mapped[int] = mapped_column(Integer)
    target_ratings: Mapped[int] = mapped_column(Integer)
    min_seconds_per_item: Mapped[float] = mapped_column(Float, default=0.0)
    attention_positions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    completion_code: Mapped[str] = mapped_column(String(64))
    screened_out_code: Mapped[str] = mapped_column(String(64))
    full_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    quotas: Mapped[list[Any]] = mapped_column(JSON, default=list)
    quota_full_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    completion_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    title_translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignItemRow(Base):
    """An item in a campaign: a real item to rate, or an instructed-response attention check."""

    __tablename__ = "campaign_items"
    __table_args__ = (UniqueConstraint("campaign_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="item")
    instruction: Mapped[str | None] = mapped_column(Text, nullable=True)
    expected_value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)


class EnrollmentRow(Base):
    """A participant's place in a campaign: invited, screened out, rating or completed."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("campaign_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="active")
    invite_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    demographics_done_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AssignmentRow(Base):
    """One item given to one participant in a campaign, with its autosaved draft and final answers.

    Ratings themselves go to ``ratings`` on submit; attention-check values and answers to per-item
    questions stay here in ``answers``; ``display_language`` is the language the item was shown in
    when it was submitted (``NULL`` before migration 0015).
    """

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("campaign_id", "participant_id", "item_id"),
        UniqueConstraint("campaign_id", "participant_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="item")
    status: Mapped[str] = mapped_column(String(16), default="assigned")
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    draft_saved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    shown_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    seconds_taken: Mapped[float | None] = mapped_column(Float, nullable=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attention_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    display_language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TranslationRow(Base):
    """One campaign text in another language, made by a model or pasted, then reviewed.

    Accepting a row copies its text into the campaign's translations, which participants see.
    """

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("campaign_id", "part", "subject", "field", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    part: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(80), default="")
    field: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    source_text: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    translator: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuotaPlaceRow(Base):
    """A person admitted to a campaign with quotas: the cell of one quota their answers fell in.

    Written once, under the campaign's lock, when the person passes the quotas after the
    demographics survey; the cell stays what it was then even if they change an answer later.
    """

    __tablename__ = "quota_places"
    __table_args__ = (UniqueConstraint("campaign_id", "participant_id", "quota"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    quota: Mapped[str] = mapped_column(String(40))
    cell: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
