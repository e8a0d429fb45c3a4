"""A group's agreed rankings of its axes, and judgements of pairs of axes, read and written.

As in :mod:`coalign.store.coconstruction`, every function takes the caller's session and
``replace_*`` flushes the deletions before inserting, so new rows never meet old ones in a
unique constraint.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from coalign.store.coconstruction_tables import AxisRow, DiscussionGroupRow
from coalign.store.group_axes_tables import AxisPairJudgementRow, GroupAxisRankingRow
from coalign.store.tables import utcnow


def replace_group_ranking(
    session: Session,
    group_id: int,
    size: int,
    axis_ids: Sequence[int],
    *,
    participant_id: str | None = None,
    facilitator: str | None = None,
) -> None:
    """Replace the group's top-``size`` ranking by ``axis_ids`` (rank 1 first), recorded by a
    member (``participant_id``) or a facilitator."""
    for row in session.scalars(
        select(GroupAxisRankingRow).where(
            GroupAxisRankingRow.group_id == group_id, GroupAxisRankingRow.size == size
        )
    ):
        session.delete(row)
    session.flush()
    now = utcnow()
    for rank, axis_id in enumerate(axis_ids, start=1):
        session.add(
            GroupAxisRankingRow(
                group_id=group_id,
                size=size,
                rank=rank,
                axis_id=axis_id,
                participant_id=participant_id,
                facilitator=facilitator,
                recorded_at=now,
            )
        )
    session.flush()


def group_ranking_rows(session: Session, group_id: int) -> list[GroupAxisRankingRow]:
    """Every place of the group's agreed rankings, by size then rank."""
    return list(
        session.scalars(
            select(GroupAxisRankingRow)
            .where(GroupAxisRankingRow.group_id == group_id)
            .order_by(GroupAxisRankingRow.size, GroupAxisRankingRow.rank)
        )
    )


def upsert_pair_judgement(
    session: Session,
    axis_id: int,
    other_axis_id: int,
    *,
    verdict: str,
    similarity: float,
    embedder: str,
    facilitator: str,
) -> AxisPairJudgementRow:
    """Record (or change) the judgement of the pair; ``axis_id`` must be the smaller id."""
    row = session.scalars(
        select(AxisPairJudgementRow).where(
            AxisPairJudgementRow.axis_id == axis_id,
            AxisPairJudgementRow.other_axis_id == other_axis_id,
        )
    ).first()
    if row is None:
        row = AxisPairJudgementRow(axis_id=axis_id, other_axis_id=other_axis_id)
        session.add(row)
    row.verdict = verdict
    row.similarity = similarity
    row.embedder = embedder
    row.facilitator = facilitator
    row.judged_at = utcnow()
    session.flush()
    return row


def pair_judgement_rows(session: Session, axis_ids: Sequence[int]) -> list[AxisPairJudgementRow]:
    """Judgements of pairs with at least one axis among ``axis_ids``, oldest first."""
    return list(
        session.scalars(
            select(AxisPairJudgementRow)
            .where(
                or_(
                    AxisPairJudgementRow.axis_id.in_(axis_ids),
                    AxisPairJudgementRow.other_axis_id.in_(axis_ids),
                )
            )
            .order_by(AxisPairJudgementRow.id)
        )
    )


def axis_by_id(session: Session, axis_id: int) -> AxisRow | None:
    """The axis ``axis_id``, or ``None``."""
    return session.get(AxisRow, axis_id)


def study_group_axes_counts(session: Session, study_id: int) -> tuple[int, int, int]:
    """For the dataset card: the study's group rankings (one per group and size), the groups
    that recorded one, and the verdicts on pairs of its axes."""
    rankings = session.execute(
        select(GroupAxisRankingRow.group_id, GroupAxisRankingRow.size)
        .join(DiscussionGroupRow, DiscussionGroupRow.id == GroupAxisRankingRow.group_id)
        .where(DiscussionGroupRow.study_id == study_id)
        .distinct()
    ).all()
    verdicts = session.scalar(
        select(func.count())
        .select_from(AxisPairJudgementRow)
        .join(AxisRow, AxisRow.id == AxisPairJudgementRow.axis_id)
        .join(DiscussionGroupRow, DiscussionGroupRow.id == AxisRow.group_id)
        .where(DiscussionGroupRow.study_id == study_id)
    )
    return len(rankings), len({group for group, _ in rankings}), verdicts or 0
