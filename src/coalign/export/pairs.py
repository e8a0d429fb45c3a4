"""Preference pairs and good/bad labels from aggregated scores, with every drop counted and explained.

Two rated responses to the same prompt, under the same condition, make a candidate pair.

* The **overall rule** (majority, mean, per-group, minority-preserving) compares the mean of the
  selected dimensions' scores, each turned so that higher is better; equal means are a tie.
* The **dimension-aware rule** keeps a pair only when the chosen response is not worse than the
  rejected one on *any* selected dimension and better on at least one, so no pair teaches a
  model to trade, say, safety for helpfulness.

Under minority-preserving, a group's own pair is kept (labelled with the group) only when its
preference differs from everyone's; a group that agrees adds nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from itertools import combinations

from pydantic import BaseModel, Field

from coalign.core.errors import InputError
from coalign.core.items import Item
from coalign.export.aggregate import AggregationChoice, ItemScore, RatingSet, check_choice, oriented


class DropReport(BaseModel):
    """How many candidates a rule looked at, kept, and dropped for each reason."""

    rule: str
    format: str = ""
    candidates: int = 0
    kept: int = 0
    dropped: dict[str, int] = Field(default_factory=dict)


class Pair(BaseModel):
    """A preference pair of two items answering the same prompt."""

    prompt: str
    chosen: ItemScore
    rejected: ItemScore
    condition: str | None = None
    margin: float


class Label(BaseModel):
    """A good/bad label of one item, for unpaired preference data (KTO)."""

    score: ItemScore
    good: bool
    value: float


def _goodness(
    score: ItemScore, dims: Sequence[str], ratings: RatingSet, choice: AggregationChoice
) -> tuple[dict[str, float], str | None]:
    """Oriented scores per dimension, or the reason they cannot be compared."""
    out = {}
    for dim in dims:
        if dim not in score.counts:
            return {}, f"no ratings on {dim}"
        value = oriented(score.scores.get(dim), dim, ratings, choice)
        if value is None:
            return {}, f"no majority on {dim}"
        out[dim] = value
    return out, None


def _compare(
    a: dict[str, float], b: dict[str, float], dimension_aware: bool
) -> tuple[int, float, str | None]:
    """(+1 a wins / -1 b wins / 0 dropped, margin, reason when dropped)."""
    mean_a, mean_b = sum(a.values()) / len(a), sum(b.values()) / len(b)
    if dimension_aware:
        a_worse = sorted(d for d in a if a[d] < b[d])
        b_worse = sorted(d for d in a if b[d] < a[d])
        if not a_worse and not b_worse:
            return 0, 0.0, "tie on every dimension"
        if a_worse and b_worse:
            loser = a_worse if mean_a >= mean_b else b_worse
            return 0, 0.0, "chosen would be worse on " + ", ".join(loser)
        return (1 if not a_worse else -1), abs(mean_a - mean_b), None
    if mean_a == mean_b:
        return 0, 0.0, "tie"
    return (1 if mean_a > mean_b else -1), abs(mean_a - mean_b), None


def preference_pairs(
    scores: Sequence[ItemScore],
    items: Mapping[str, Item],
    ratings: RatingSet,
    choice: AggregationChoice,
) -> tuple[list[Pair], DropReport]:
    """Build pairs from ``scores`` by the rule ``choice`` implies; report every drop.

    Raises:
        InputError: the strategy gives no point scores (distributional).
    """
    if choice.strategy == "distributional":
        raise InputError(
            "aggregation 'distributional' gives soft labels, not a preference: use --format attributes "
            "or annotators with it, or choose majority, mean, per-group, minority-preserving or "
            "dimension-aware for dpo"
        )
    dims = check_choice(choice, ratings)
    aware = choice.strategy == "dimension-aware"
    report = DropReport(
        rule="dimension-aware" if aware else "overall mean of the selected dimensions", format="dpo"
    )
    dropped: Counter[str] = Counter()
    groups: dict[tuple[str | None, str], list[ItemScore]] = defaultdict(list)
    for score in scores:
        groups[(score.condition, items[score.item_id].prompt)].append(score)
    overall: dict[tuple[str, str], int] = {}
    pairs: list[Pair] = []
    for (condition, prompt), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])
    ):
        if len(members) < 2:
            dropped["only one rated response to its prompt (items)"] += 1
            continue
        for a, b in combinations(sorted(members, key=lambda s: s.item_id), 2):
            report.candidates += 1
            good_a, why_a = _goodness(a, dims, ratings, choice)
            good_b, why_b = _goodness(b, dims, ratings, choice)
            if why_a or why_b:
                dropped[why_a or why_b or ""] += 1
                continue
            winner, margin, why = _compare(good_a, good_b, aware)
            if condition is None:
                overall[(a.item_id, b.item_id)] = winner
            elif (
                choice.strategy == "minority-preserving"
                and overall.get((a.item_id, b.item_id)) == winner
            ):
                dropped["group agrees with everyone"] += 1
                continue
            if why:
                dropped[why] += 1
                continue
            chosen, rejected = (a, b) if winner > 0 else (b, a)
            pairs.append(
                Pair(
                    prompt=prompt,
                    chosen=chosen,
                    rejected=rejected,
                    condition=condition,
                    margin=margin,
                )
            )
    report.kept = len(pairs)
    report.dropped = dict(sorted(dropped.items()))
    return pairs, report


def good_bad_labels(
    scores: Sequence[ItemScore], ratings: RatingSet, choice: AggregationChoice
) -> tuple[list[Label], DropReport]:
    """Label each item good when its mean oriented score reaches ``choice.threshold``.

    Raises:
        InputError: the strategy gives no point scores, or is a pair-only rule.
    """
    if choice.strategy in ("distributional", "dimension-aware"):
        raise InputError(
            f"aggregation {choice.strategy!r} does not give one good/bad label per response: use "
            "majority, mean, per-group or minority-preserving for kto"
        )
    dims = check_choice(choice, ratings)
    report = DropReport(rule=f"mean oriented score >= {choice.threshold:g} is good", format="kto")
    dropped: Counter[str] = Counter()
    overall: dict[str, bool] = {}
    labels = []
    for score in scores:
        report.candidates += 1
        good, why = _goodness(score, dims, ratings, choice)
        if why:
            dropped[why] += 1
            continue
        value = sum(good.values()) / len(good)
        verdict = value >= choice.threshold
        if score.condition is None:
            overall[score.item_id] = verdict
        elif choice.strategy == "minority-preserving" and overall.get(score.item_id) == verdict:
            dropped["group agrees with everyone"] += 1
            continue
        labels.append(Label(score=score, good=verdict, value=value))
    report.kept = len(labels)
    report.dropped = dict(sorted(dropped.items()))
    return labels, report
