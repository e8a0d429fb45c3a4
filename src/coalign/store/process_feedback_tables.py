"""The process feedback survey's table (migration 0022): one answer per participant and phase."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coalign.store.tables import Base, utcnow


class ProcessFeedbackRow(Base):
    """A participant's feedback on one phase of a study: Likert answers (``answers``, question key
    → 1–5) and open answers (``comments``, question key → text). One per participant and phase."""

    __tablename__ = "process_feedback"
    __table_args__ = (UniqueConstraint("participant_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    phase: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
