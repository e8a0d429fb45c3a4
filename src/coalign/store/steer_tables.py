"""Tables of the steerable chat: steered turns, their candidates, feedback, shared prompts, limits.

They extend the co-construction conversations (``conversations``, ``turns``) without changing
them; migration 0005 creates them, 0021 adds the participants' own limits and the ``stopped``
marks. Axis-judge scores of each candidate live in ``verdicts``
(rule ``axis:<dimension>``), keyed by the candidate's ``record_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from coalign.store.tables import Base, utcnow


class SteeredTurnRow(Base):
    """How one assistant turn was chosen: slider targets, composed system prompt, best-of-n."""

    __tablename__ = "steered_turns"

    id: Mapped[int] = mapped_column(primary_key=True)
    turn_id: Mapped[int] = mapped_column(
        ForeignKey("turns.id", ondelete="CASCADE"), unique=True, index=True
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    n: Mapped[int] = mapped_column(Integer)
    chosen: Mapped[int] = mapped_column(Integer)
    model_id: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    shared_prompt_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the participant stopped the generation before all ``n`` candidates were drawn
    stopped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class SteerCandidateRow(Base):
    """One of the n candidate answers of a steered turn, with its distance to the targets."""

    __tablename__ = "steer_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    steered_turn_id: Mapped[int] = mapped_column(
        ForeignKey("steered_turns.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[str] = mapped_column(Text)
    request_hash: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    distance: Mapped[float] = mapped_column(Float)
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: the participant stopped this candidate mid-generation; ``content`` is the text so far
    stopped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SteerFeedbackRow(Base):
    """A participant's feedback on an assistant turn: understood / valid marks, flags, mitigations.

    ``kind`` is ``understanding`` (value understood / misunderstood), ``validity`` (valid /
    invalid), ``flag`` (with the diary entry it opened) or ``mitigation`` (``detail`` holds the
    critique, rewrite and provenance of the mitigator pass).
    """

    __tablename__ = "steer_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(80), default="")
    diary_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("diary_entries.id", ondelete="SET NULL"), nullable=True
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConversationForkRow(Base):
    """A conversation rewound from another one: its turns up to ``from_position`` were copied."""

    __tablename__ = "conversation_forks"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    parent_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    from_position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SharedPromptRow(Base):
    """A prompt a participant shared with their study; ``uses`` counts reuses by anyone."""

    __tablename__ = "shared_prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120), default="")
    text: Mapped[str] = mapped_column(Text)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SteerLimitRow(Base):
    """The facilitator's daily limit of steered turns per participant of a study."""

    __tablename__ = "steer_limits"

    study_id: Mapped[int] = mapped_column(
        ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True
    )
    daily_turns: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PersonalLimitRow(Base):
    """The daily limit of steered turns a participant set for themselves.

    The study's limit (:class:`SteerLimitRow`) still holds; the smaller of the two applies.
    """

    __tablename__ = "steer_personal_limits"

    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    daily_turns: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
