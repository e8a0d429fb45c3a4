"""The group's agreed ranking of its axes (top 3 and top 5), next to each member's own.

In the discussion a group agrees on its most important axes: a top 3 and a top 5, each its own
decision (the top 5 need not start with the top 3). A facilitator records it, or a member does on
behalf of the group; either way who recorded it is kept. A new ranking of the same size replaces
the old one. Nothing is averaged: the members' own rankings
(:func:`coalign.coconstruct.axes.rank_axes`) stay as they gave them, and
:func:`group_ranking_comparison` shows where each differs from the group's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from coalign.coconstruct.axes import group_in_study, group_of_member
from coalign.core.errors import ConflictError, InputError
from coalign.store import Store
from coalign.store.coconstruction import axes_of, rankings_of_axes
from coalign.store.coconstruction_tables import DiscussionGroupRow
from coalign.store.group_axes import group_ranking_rows, replace_group_ranking

#: The sizes of ranking a group agrees on.
RANKING_SIZES = (3, 5)


class GroupRanking(BaseModel):
    """A group's agreed top ``size`` axes, rank 1 first, and who recorded it."""

    size: int
    axis_ids: list[int]
    axes: list[str]
    recorded_by: str | None = Field(
        description="the facilitator's user name or the member's id (None: a withdrawn member)"
    )
    recorded_as: Literal["facilitator", "member"]
    recorded_at: datetime


class AxisPlaces(BaseModel):
    """Where one axis stands: its place in each of the group's rankings and each member's rank.

    Attributes:
        group_ranks: ``{size: rank}`` for each group ranking the axis is in.
        member_ranks: ``{participant id: rank}`` from the members' own rankings.
        differs: members whose rank differs from the group's largest ranking: another place than
            the group gave it, or inside their top ``size`` while the group left it out.
    """

    axis_id: int
    axis: str
    group_ranks: dict[int, int] = Field(default_factory=dict)
    member_ranks: dict[str, int] = Field(default_factory=dict)
    differs: list[str] = Field(default_factory=list)


class RankingDifference(BaseModel):
    """How one member's own top ``size`` differs from the group's.

    Attributes:
        own_top: the member's ``size`` best-ranked axes, in their order.
        only_group: axes in the group's top that the member did not put in theirs.
        only_member: axes in the member's top that the group left out.
        same_order: the two tops are the same axes in the same order.
    """

    participant_id: str
    size: int
    own_top: list[str]
    only_group: list[str]
    only_member: list[str]
    same_order: bool


class RankingComparison(BaseModel):
    """The group's rankings beside the members' own rankings of its axes."""

    group: str
    rankings: list[GroupRanking]
    axes: list[AxisPlaces]
    members: list[str] = Field(description="members who ranked the axes, in the group's order")
    differences: list[RankingDifference]


def _record(
    session: Session,
    group: DiscussionGroupRow,
    size: int,
    places: Sequence[int | None],
    *,
    participant_id: str | None = None,
    facilitator: str | None = None,
) -> None:
    if size not in RANKING_SIZES:
        raise InputError(f"a group ranking is a top 3 or a top 5, not a top {size}")
    axes = {row.id: row.name for row in axes_of(session, group.id)}
    if len(axes) < size:
        raise ConflictError(
            f"the group has {len(axes)} axes; a top {size} needs at least {size} "
            "(record more axes first)"
        )
    if len(places) != size:
        raise InputError(f"a top {size} has {size} places, not {len(places)}")
    seen: set[int] = set()
    for place, axis_id in enumerate(places, start=1):
        if axis_id is None:
            raise InputError(f"place {place} of the top {size} is empty: choose an axis")
        if axis_id not in axes:
            raise InputError(f"place {place} of the top {size}: axis {axis_id} is not this group's")
        if axis_id in seen:
            raise InputError(f"place {place} of the top {size}: {axes[axis_id]!r} is placed twice")
        seen.add(axis_id)
    replace_group_ranking(
        session,
        group.id,
        size,
        [a for a in places if a is not None],
        participant_id=participant_id,
        facilitator=facilitator,
    )


def record_group_ranking(
    store: Store,
    slug: str,
    group_id: int,
    size: int,
    places: Sequence[int | None],
    *,
    facilitator: str,
) -> RankingComparison:
    """Record the group's agreed top ``size`` (``places``: axis ids, rank 1 first), entered by a
    facilitator, replacing an earlier ranking of that size.

    Raises:
        InputError: a size other than 3 or 5, an empty place, an axis of another group, or an axis twice.
        ConflictError: the group has fewer axes than ``size``.
        NotFoundError: no such group in the study.
    """
    with store.session() as session:
        group = group_in_study(session, slug, group_id)
        _record(session, group, size, places, facilitator=facilitator)
    return group_ranking_comparison(store, slug, group_id)


def record_group_ranking_as_member(
    store: Store, participant_id: str, group_id: int, size: int, places: Sequence[int | None]
) -> RankingComparison:
    """Record the group's agreed top ``size``, entered by a member on behalf of the group.

    Raises:
        InputError, ConflictError: as :func:`record_group_ranking`.
        NotFoundError: not a member of the group.
    """
    with store.session() as session:
        group = group_of_member(session, participant_id, group_id)
        _record(session, group, size, places, participant_id=participant_id)
    return member_ranking_comparison(store, participant_id, group_id)


def _comparison(
    session: Session, group: DiscussionGroupRow, members: Sequence[str]
) -> RankingComparison:
    axes = axes_of(session, group.id)
    names = {row.id: row.name for row in axes}
    places = {row.id: AxisPlaces(axis_id=row.id, axis=row.name) for row in axes}
    rankings: dict[int, GroupRanking] = {}
    for row in group_ranking_rows(session, group.id):
        places[row.axis_id].group_ranks[row.size] = row.rank
        ranking = rankings.get(row.size)
        if ranking is None:
            as_member = row.facilitator is None
            ranking = rankings[row.size] = GroupRanking(
                size=row.size,
                axis_ids=[],
                axes=[],
                recorded_by=row.participant_id if as_member else row.facilitator,
                recorded_as="member" if as_member else "facilitator",
                recorded_at=row.recorded_at,
            )
        ranking.axis_ids.append(row.axis_id)
        ranking.axes.append(names[row.axis_id])
    own: dict[str, dict[int, int]] = {}
    for r in rankings_of_axes(session, list(names)):
        if r.participant_id in members:
            own.setdefault(r.participant_id, {})[r.axis_id] = r.rank
            places[r.axis_id].member_ranks[r.participant_id] = r.rank
    ranked = [m for m in members if m in own]
    if rankings:
        size = max(rankings)
        for place in places.values():
            group_rank = place.group_ranks.get(size)
            place.differs = [
                pid
                for pid, rank in place.member_ranks.items()
                if (rank != group_rank if group_rank is not None else rank <= size)
            ]
    differences = []
    for ranking in rankings.values():
        for pid in ranked:
            top = sorted(own[pid], key=own[pid].__getitem__)[: ranking.size]
            differences.append(
                RankingDifference(
                    participant_id=pid,
                    size=ranking.size,
                    own_top=[names[a] for a in top],
                    only_group=[names[a] for a in ranking.axis_ids if a not in top],
                    only_member=[names[a] for a in top if a not in ranking.axis_ids],
                    same_order=top == ranking.axis_ids,
                )
            )
    return RankingComparison(
        group=group.name,
        rankings=[rankings[s] for s in sorted(rankings)],
        axes=list(places.values()),
        members=ranked,
        differences=differences,
    )


def group_ranking_comparison(store: Store, slug: str, group_id: int) -> RankingComparison:
    """The group's rankings beside every member's own ranking (facilitator's view).

    Raises:
        NotFoundError: no such group in the study.
    """
    with store.read() as session:
        group = group_in_study(session, slug, group_id)
        return _comparison(session, group, list(group.members))


def member_ranking_comparison(
    store: Store, participant_id: str, group_id: int
) -> RankingComparison:
    """The group's rankings beside the member's own ranking only (other members' stay private).

    Raises:
        NotFoundError: not a member of the group.
    """
    with store.read() as session:
        group = group_of_member(session, participant_id, group_id)
        return _comparison(session, group, [participant_id])
