"""Tables of a discussion group's phase: shares, codes and worksheets on them, the group's
clusters, its logged decisions and the shares a goal derives from (migration 0019).

A share is a member's consent to show one diary entry or one model turn to their group; deleting
it (the member stops sharing, or withdraws) deletes what the group made on it, by cascade: its
codes, worksheets and the goal's link to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coalign.store.tables import Base, utcnow


class GroupClusterRow(Base):
    """A named cluster of a group's shared misalignments (the group's, not one member's)."""

    __tablename__ = "group_clusters"
    __table_args__ = (UniqueConstraint("group_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_groups.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GroupShareRow(Base):
    """A member's diary entry (``diary_entry_id``) or model turn (``turn_id``) shared with their
    group; ``shared_at`` is when they consented. Each is shared at most once per group."""

    __tablename__ = "group_shares"
    __table_args__ = (
        UniqueConstraint("group_id", "diary_entry_id"),
        UniqueConstraint("group_id", "turn_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_groups.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    diary_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("diary_entries.id", ondelete="CASCADE"), index=True, nullable=True
    )
    turn_id: Mapped[int | None] = mapped_column(
        ForeignKey("turns.id", ondelete="CASCADE"), index=True, nullable=True
    )
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_clusters.id", ondelete="SET NULL"), index=True, nullable=True
    )
    shared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ShareCodeRow(Base):
    """A member's open code on a share, optionally on a quoted passage ``[span_start, span_end)``
    of one of its parts."""

    __tablename__ = "share_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(
        ForeignKey("group_shares.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(200))
    part: Mapped[str | None] = mapped_column(String(32), nullable=True)
    span_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    span_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quote: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ShareWorksheetRow(Base):
    """A member's zoom-out worksheet on a share: one per member and share, edited in place."""

    __tablename__ = "share_worksheets"
    __table_args__ = (UniqueConstraint("share_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(
        ForeignKey("group_shares.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    who_was_affected: Mapped[str] = mapped_column(Text, default="")
    what_was_at_stake: Mapped[str] = mapped_column(Text, default="")
    what_they_did: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GroupDecisionRow(Base):
    """One decision of a group's phase, logged: a member chose a cluster (``choice``) or wrote
    the goal from it (``goal``, with the ``sentence``), or a facilitator closed or reopened the
    phase. The latest of each kind counts; the older ones are the history.

    ``participant_id`` is set to ``NULL`` when the member withdraws: the decision was the
    group's and stays.
    """

    __tablename__ = "group_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_groups.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True, nullable=True
    )
    facilitator: Mapped[str | None] = mapped_column(String(80), nullable=True)
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_clusters.id", ondelete="SET NULL"), nullable=True
    )
    cluster_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    sentence: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GoalSourceRow(Base):
    """A share that a ``goal`` decision derives from (the chosen cluster's, when it was written)."""

    __tablename__ = "goal_sources"
    __table_args__ = (UniqueConstraint("decision_id", "share_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("group_decisions.id", ondelete="CASCADE"), index=True
    )
    share_id: Mapped[int] = mapped_column(
        ForeignKey("group_shares.id", ondelete="CASCADE"), index=True
    )
