"""Tables of a seed workshop's session-2 handout and its reflection boards (migration 0020).

Kept beside :mod:`coalign.store.coconstruction_tables` (which holds the workshop itself) because
they belong to two later parts of a workshop: the handout binds each breakout group to a value
dimension and to the generation run that wrote its questions; the boards keep the sticky notes
participants post after each session, the reactions to them and the facilitator's codes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coalign.store.tables import Base, utcnow


class HandoutRow(Base):
    """A breakout group's session-2 handout: its value dimension and the run of its questions."""

    __tablename__ = "workshop_handouts"
    __table_args__ = (UniqueConstraint("workshop_id", "group_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    group: Mapped[str] = mapped_column("group_name", String(120))
    dimension: Mapped[str] = mapped_column(String(80))
    run_id: Mapped[str | None] = mapped_column(
        ForeignKey("generation_runs.id", ondelete="SET NULL"), nullable=True
    )
    assigned_by: Mapped[str] = mapped_column(String(80))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReflectionNoteRow(Base):
    """A sticky note on a workshop session's reflection board, and the facilitator's codes."""

    __tablename__ = "reflection_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    session: Mapped[int] = mapped_column(Integer)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    group: Mapped[str] = mapped_column("group_name", String(120))
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    coded_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    coded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReflectionReactionRow(Base):
    """One participant's reaction (``+1``, ``heart`` …) to a note; each kind once per person."""

    __tablename__ = "reflection_reactions"
    __table_args__ = (UniqueConstraint("note_id", "participant_id", "reaction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(
        ForeignKey("reflection_notes.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    reaction: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
