"""Tables of what groups decide about their axes after the discussion (migration 0022): the
group's agreed top-3 and top-5 rankings, and a facilitator's judgement of whether two groups'
axes mean the same.

Neither merges anything: a ranking sits beside the members' own rankings
(:class:`~coalign.store.coconstruction_tables.AxisRankingRow`), and a judgement only records
"same" or "different" for a pair of axes that stay as their groups wrote them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coalign.store.tables import Base, utcnow


class GroupAxisRankingRow(Base):
    """One place of a group's agreed ranking of its axes: axis ``axis_id`` at ``rank`` in the
    group's top ``size`` (3 or 5).

    Recorded either by a facilitator (``facilitator``, their user name) or by a member on behalf
    of the group (``participant_id``; set to ``NULL`` if that member's row goes: the ranking was
    the group's and stays). A new ranking of the same size replaces the old one.
    """

    __tablename__ = "group_axis_rankings"
    __table_args__ = (
        UniqueConstraint("group_id", "size", "rank"),
        UniqueConstraint("group_id", "size", "axis_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_groups.id", ondelete="CASCADE"), index=True
    )
    size: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    axis_id: Mapped[int] = mapped_column(ForeignKey("axes.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True, nullable=True
    )
    facilitator: Mapped[str | None] = mapped_column(String(80), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AxisPairJudgementRow(Base):
    """A facilitator's judgement of two axes of different groups: ``same`` or ``different``.

    ``axis_id`` is the smaller id of the pair, so each pair has one row; ``similarity`` is the
    cosine of the two axes' embeddings (``embedder``) when the judgement was made.
    """

    __tablename__ = "axis_pair_judgements"
    __table_args__ = (UniqueConstraint("axis_id", "other_axis_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    axis_id: Mapped[int] = mapped_column(ForeignKey("axes.id", ondelete="CASCADE"), index=True)
    other_axis_id: Mapped[int] = mapped_column(
        ForeignKey("axes.id", ondelete="CASCADE"), index=True
    )
    verdict: Mapped[str] = mapped_column(String(16))
    similarity: Mapped[float] = mapped_column(Float)
    embedder: Mapped[str] = mapped_column(String(120))
    facilitator: Mapped[str] = mapped_column(String(80))
    judged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
