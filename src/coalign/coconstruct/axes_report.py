"""The axes report: how the discussion moved each member's ranking, and agreement with each definition.

An axis's rank before the discussion is the best rank a member gave an attribute that became it;
axes a member did not name tie just below their named ones. Rank change is before minus after
(positive: the axis rose); Kendall's tau-b compares the two orders per member.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import mean

from pydantic import BaseModel

from coalign.coconstruct.axes import get_group, group_attributes
from coalign.store import Store
from coalign.store.coconstruction import rankings_of_axes


class AxisSummary(BaseModel):
    """Before/after figures of one axis over the members who ranked it."""

    axis: str
    definition: str
    mean_rank_before: float | None
    mean_rank_after: float | None
    mean_rank_change: float | None
    mean_agreement: float | None
    agreement_counts: dict[int, int]


class MemberChange(BaseModel):
    """How one member's ranking moved: per axis ``before - after`` (positive = rose), and tau-b."""

    participant_id: str
    before: dict[str, float]
    after: dict[str, int]
    rank_changes: dict[str, float]
    kendall_tau: float | None


class AxesReport(BaseModel):
    """The report of one group."""

    group: str
    goal: str | None
    axes: list[AxisSummary]
    members: list[MemberChange]
    mean_kendall_tau: float | None


def kendall_tau_b(left: Sequence[float], right: Sequence[float]) -> float | None:
    """Kendall's tau-b of two paired rankings (ties allowed); ``None`` when either is all ties."""
    concordant = discordant = ties_left = ties_right = 0
    n = len(left)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = left[i] - left[j], right[i] - right[j]
            if a == 0 and b == 0:
                continue
            if a == 0:
                ties_left += 1
            elif b == 0:
                ties_right += 1
            elif (a > 0) == (b > 0):
                concordant += 1
            else:
                discordant += 1
    denominator = (
        (concordant + discordant + ties_left) * (concordant + discordant + ties_right)
    ) ** 0.5
    return (concordant - discordant) / denominator if denominator else None


def _mean(values: list[float]) -> float | None:
    return round(mean(values), 4) if values else None


def axes_report(store: Store, slug: str, group_id: int) -> AxesReport:
    """Compare members' rankings before and after the discussion, and their agreement.

    Raises:
        NotFoundError: no such group.
    """
    group = get_group(store, slug, group_id)
    attributes = group_attributes(store, group_id)
    with store.read() as session:
        rankings = rankings_of_axes(session, [a.id for a in group.axes])
    names = {a.id: a.name for a in group.axes}
    after: dict[str, dict[str, int]] = {}
    agreement: dict[str, list[int]] = {a.name: [] for a in group.axes}
    for row in rankings:
        after.setdefault(row.participant_id, {})[names[row.axis_id]] = row.rank
        agreement[names[row.axis_id]].append(row.agreement)
    members = []
    for pid in [m for m in group.members if m in after]:
        own = [a for a in attributes if a.participant_id == pid]
        unnamed = float(len(own) + 1)
        before = {
            a.name: min((x.rank for x in own if x.axis_id == a.id), default=unnamed)
            for a in group.axes
        }
        before = {name: float(rank) for name, rank in before.items()}
        order = [a.name for a in group.axes]
        members.append(
            MemberChange(
                participant_id=pid,
                before=before,
                after=after[pid],
                rank_changes={name: before[name] - after[pid][name] for name in order},
                kendall_tau=kendall_tau_b(
                    [before[n] for n in order], [after[pid][n] for n in order]
                ),
            )
        )
    summaries = []
    for axis in group.axes:
        befores = [m.before[axis.name] for m in members]
        afters = [float(m.after[axis.name]) for m in members]
        summaries.append(
            AxisSummary(
                axis=axis.name,
                definition=axis.definition,
                mean_rank_before=_mean(befores),
                mean_rank_after=_mean(afters),
                mean_rank_change=_mean([b - a for b, a in zip(befores, afters, strict=True)]),
                mean_agreement=_mean([float(v) for v in agreement[axis.name]]),
                agreement_counts={v: agreement[axis.name].count(v) for v in range(1, 6)},
            )
        )
    taus = [m.kendall_tau for m in members if m.kendall_tau is not None]
    return AxesReport(
        group=group.name,
        goal=group.goal.sentence() if group.goal else None,
        axes=summaries,
        members=members,
        mean_kendall_tau=_mean(taus),
    )
