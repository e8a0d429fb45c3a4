"""Tables of the co-construction activities: diaries, conversations, codes, axes, seed workshops.

They share :class:`coalign.store.tables.Base` with every other table; migration 0004 creates
them (0011 the workshops' design proposals and model drafts, 0013 the link from a
promotion decision to its diary entry, 0018 the attempts at a study's training check). Kept
apart from ``tables.py`` because they belong to one stage (``coconstruct``) and are only read
and written through its repository functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from coalign.store.tables import Base, utcnow


def _participant_fk(nullable: bool = False) -> Mapped[Any]:
    return mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True, nullable=nullable
    )


class DiaryEntryRow(Base):
    """One misalignment diary entry; the image (if any) is kept in the row, loaded only on demand."""

    __tablename__ = "diary_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = _participant_fk()
    goal: Mapped[str] = mapped_column(Text)
    prompt: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    values_at_stake: Mapped[str] = mapped_column(Text, default="")
    image_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    image_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    seed_question_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seed_example_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConversationRow(Base):
    """A chat with the study's model; ``participant_id`` is empty for a shared baseline conversation."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str | None] = _participant_fk(nullable=True)
    title: Mapped[str] = mapped_column(Text, default="")
    baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    model_id: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TurnRow(Base):
    """One message of a conversation; model turns name the logged call that produced them."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("conversation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CodeClusterRow(Base):
    """A participant's named group of their own codes (focused coding)."""

    __tablename__ = "code_clusters"
    __table_args__ = (UniqueConstraint("participant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = _participant_fk()
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CodeRow(Base):
    """A free-text code on a model turn, or on a span ``[span_start, span_end)`` of it."""

    __tablename__ = "codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = _participant_fk()
    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    span_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    span_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quote: Mapped[str | None] = mapped_column(Text, nullable=True)
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("code_clusters.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DiscussionGroupRow(Base):
    """A group that deliberates on axes, with its alignment-goal sentence."""

    __tablename__ = "discussion_groups"
    __table_args__ = (UniqueConstraint("study_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    members: Mapped[list[Any]] = mapped_column(JSON, default=list)
    goal: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AxisRow(Base):
    """An axis a group agreed on: name, definition, and the turns that show it."""

    __tablename__ = "axes"
    __table_args__ = (UniqueConstraint("group_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_groups.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    definition: Mapped[str] = mapped_column(Text)
    example_turn_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    recorded_by: Mapped[str] = mapped_column(String(80), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AttributeRow(Base):
    """One of a participant's top-3 attributes, named before the discussion (rank 1 = most important).

    ``axis_id`` is set when the facilitator records which group axis the attribute became.
    """

    __tablename__ = "pre_discussion_attributes"
    __table_args__ = (UniqueConstraint("group_id", "participant_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_groups.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = _participant_fk()
    rank: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    definition: Mapped[str] = mapped_column(Text, default="")
    axis_id: Mapped[int | None] = mapped_column(
        ForeignKey("axes.id", ondelete="SET NULL"), nullable=True
    )


class AxisRankingRow(Base):
    """After the discussion: a participant's rank of one axis and agreement (1–5) with its definition."""

    __tablename__ = "axis_rankings"
    __table_args__ = (UniqueConstraint("axis_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    axis_id: Mapped[int] = mapped_column(ForeignKey("axes.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = _participant_fk()
    rank: Mapped[int] = mapped_column(Integer)
    agreement: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WorkshopRow(Base):
    """A seed workshop: its breakout groups, current session, and timer settings."""

    __tablename__ = "workshops"
    __table_args__ = (UniqueConstraint("study_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    groups: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    session: Mapped[int] = mapped_column(Integer, default=1)
    session_minutes: Mapped[int] = mapped_column(Integer, default=45)
    break_every_minutes: Mapped[int] = mapped_column(Integer, default=25)
    session_started_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SeedDecisionRow(Base):
    """Who accepted or rejected a seed, when, and why; the seed row holds only the latest status.

    A promotion names the diary entry it turned into a seed (``diary_entry_id``); each entry is
    promoted at most once per kind (migration 0013).
    """

    __tablename__ = "seed_decisions"
    __table_args__ = (
        UniqueConstraint("diary_entry_id", "seed_kind", name="uq_seed_decisions_diary_entry_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    seed_kind: Mapped[str] = mapped_column(String(16))
    seed_id: Mapped[str] = mapped_column(String(64), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(80))
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshops.id", ondelete="SET NULL"), nullable=True
    )
    diary_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "diary_entries.id", ondelete="SET NULL", name="fk_seed_decisions_diary_entry_id"
        ),
        index=True,
        nullable=True,
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DesignProposalRow(Base):
    """A topic or question type (``what``) proposed in a workshop, waiting for the moderator.

    It joins the study's design only when a facilitator accepts it; ``status``, ``reason``,
    ``decided_by`` and ``decided_at`` record that one decision.
    """

    __tablename__ = "design_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = _participant_fk()
    group: Mapped[str] = mapped_column("group_name", String(120))
    what: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default="open")
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WorkshopDraftRow(Base):
    """A model draft the server gave a participant in a workshop, kept to tell which seed examples
    started from it (:class:`DraftUseRow`)."""

    __tablename__ = "workshop_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = _participant_fk()
    question: Mapped[str] = mapped_column(Text)
    dimension: Mapped[str] = mapped_column(String(80))
    misaligned_response: Mapped[str] = mapped_column(Text)
    critique: Mapped[str] = mapped_column(Text)
    aligned_response: Mapped[str] = mapped_column(Text)
    model_id: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DraftUseRow(Base):
    """A seed example that the server found to come from a model draft: ``kept`` or ``edited``."""

    __tablename__ = "workshop_draft_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_drafts.id", ondelete="CASCADE"), index=True
    )
    seed_example_id: Mapped[str] = mapped_column(String(64), index=True)
    used: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TrainingAttemptRow(Base):
    """One attempt at a study's training check (migration 0018).

    ``answers`` holds one entry per question, in the check's order: the question's id and text,
    the chosen option's position and text, whether it was right, and the feedback shown, all
    in ``language`` (the language the training was shown in); ``training_digest`` names the
    version of the training that was answered.
    """

    __tablename__ = "training_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = _participant_fk()
    training_digest: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    answers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    score: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
