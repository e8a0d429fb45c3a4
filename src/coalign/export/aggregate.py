"""Aggregation strategies: how per-person ratings become per-item scores, always a named choice.

Ratings stay per person in the store (DESIGN principle 3). An export that needs one score per
item says which strategy made it, and that choice is written into the dataset card.

Every strategy turns a :class:`RatingSet` into :class:`ItemScore` objects, one per item and
*condition* (``None`` for everyone, ``"country=Kenya"`` for one group of raters):

======================  ================================================================
``majority``            the most common value; a tie is *no majority* (``None``), never guessed
``mean``                the arithmetic mean
``per-group``           the mean within each level of a demographic column, one score per
                        (item, group); groups with fewer than ``min_group_raters`` raters
                        are left out and reported
``minority-preserving`` the overall majority, plus, labelled, the majority of every group with
                        at least ``min_group_raters`` raters on that item that disagrees with it
``distributional``      no point score: the share of ratings on each scale point (soft labels)
``dimension-aware``     the mean, with a stricter rule for preference pairs (see ``pairs``)
======================  ================================================================

Every score also carries the per-dimension mean, count and distribution, whatever the strategy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, Field

from coalign.core.errors import InputError
from coalign.core.participants import PREFER_NOT_TO_SAY
from coalign.rating.exclusions import Exclusions
from coalign.store.ratings import detail_columns

if TYPE_CHECKING:
    import pandas as pd

#: Strategies that read a demographic column.
GROUPED = ("per-group", "minority-preserving")
#: Answers that never form a group of their own.
NOT_A_GROUP = frozenset({PREFER_NOT_TO_SAY, ""})


class AggregationChoice(BaseModel):
    """The recorded aggregation choice: which strategy, over what, with which thresholds.

    Attributes:
        strategy: one of :data:`STRATEGIES` (checked where it is used, so a typo gets a clear
            message); ``none`` uses no ratings at all.
        dimensions: the value dimensions used for scores and pairs (all rated ones when empty).
        group_by: the demographic question that defines groups (per-group, minority-preserving).
        min_group_raters: the fewest raters a group needs to be used (and, for
            minority-preserving, the fewest on one item for its disagreement to count).
        lower_is_better: dimensions where a high rating is bad (toxicity, bias …).
        threshold: oriented score at or above which a response counts as good (KTO labels).
    """

    strategy: str = "none"
    dimensions: list[str] = Field(default_factory=list)
    group_by: str | None = None
    min_group_raters: int = Field(default=5, ge=1)
    lower_is_better: list[str] = Field(default_factory=list)
    threshold: float = 4.0


class MinorityView(BaseModel):
    """A group whose majority on one item and dimension differs from everyone's majority."""

    group: str
    dimension: str
    value: float | None
    overall: float | None
    raters: int


class ItemScore(BaseModel):
    """One item's aggregated ratings under one condition.

    Attributes:
        condition: ``None`` for all raters, else ``"QUESTION=ANSWER"`` naming the group.
        scores: the strategy's score per dimension (``None``: no majority, or distributional).
        means / counts: per-dimension mean and number of ratings.
        distributions: per dimension, the share of ratings on scale points 1..k.
        minority: groups that disagree with the overall majority (minority-preserving only).
        raters: how many distinct raters the score rests on.
    """

    item_id: str
    condition: str | None = None
    scores: dict[str, float | None]
    means: dict[str, float]
    counts: dict[str, int]
    distributions: dict[str, list[float]]
    minority: list[MinorityView] = Field(default_factory=list)
    raters: int = 0


@dataclass
class RatingSet:
    """Long-format ratings with what is needed to read them.

    Attributes:
        frame: one row per (item, rater, dimension) with ``value``, the item and rating columns
            of the store's long format (``context``, ``display_language``, ``answer_<question>``)
            and demographic columns.
        scale_points: per dimension, the number of scale points k (values run 1..k).
        exclusions: who the exclusion policy left out of ``frame``, and why (``None``: not
            read from the store).
    """

    frame: pd.DataFrame
    scale_points: dict[str, int]
    skipped_groups: dict[str, int] = field(default_factory=dict)
    exclusions: Exclusions | None = None

    @property
    def demographics(self) -> list[str]:
        """The raters' demographic columns: every column but the rating's own and its details."""
        details = set(detail_columns(self.frame))
        return [
            c
            for c in self.frame.columns
            if c not in ("item", "rater", "dimension", "value") and c not in details
        ]

    @property
    def dimensions(self) -> list[str]:
        """The rated dimensions, in first-seen order."""
        return list(dict.fromkeys(self.frame["dimension"]))

    def points(self, dimension: str) -> int:
        """Scale points of ``dimension`` (the study's, else the largest value seen, at least 5)."""
        if dimension in self.scale_points:
            return self.scale_points[dimension]
        seen = self.frame.loc[self.frame["dimension"] == dimension, "value"]
        return max(5, int(seen.max()) if len(seen) else 5)


def check_choice(choice: AggregationChoice, ratings: RatingSet) -> list[str]:
    """The dimensions the choice uses, after checking it against the ratings.

    Raises:
        InputError: an unknown dimension or group column, or a grouped strategy without one.
    """
    rated = ratings.dimensions
    dims = choice.dimensions or rated
    unknown = [d for d in [*dims, *choice.lower_is_better] if d not in rated]
    if unknown:
        raise InputError(f"dimension(s) {unknown} have no ratings here; rated dimensions: {rated}")
    if choice.strategy in GROUPED:
        columns = [
            c for c in ratings.frame.columns if c not in ("item", "rater", "dimension", "value")
        ]
        if not choice.group_by:
            raise InputError(
                f"aggregation {choice.strategy!r} needs a demographic question to group by: "
                f"pass --group-by (one of {columns or 'none: the raters gave no demographics'})"
            )
        if choice.group_by not in columns:
            raise InputError(
                f"no demographic question {choice.group_by!r} among the raters' answers; "
                f"answered questions: {columns or 'none'}"
            )
    return dims


def _summary(
    frame: pd.DataFrame, ratings: RatingSet, dims: Sequence[str]
) -> Iterator[dict[str, Any]]:
    """Per item: means, counts, distributions and majorities of the rows in ``frame``."""
    frame = frame[frame["dimension"].isin(dims)]
    tallies = frame.groupby(["item", "dimension"])["value"].value_counts()
    raters = frame.groupby("item")["rater"].nunique()
    for item_id, per_item in tallies.groupby(level=0, sort=True):
        by_dim: dict[str, dict[float, int]] = {}
        for key, n in per_item.items():
            _, dim, value = cast(tuple[Any, Any, Any], key)
            by_dim.setdefault(str(dim), {})[float(value)] = int(n)
        out: dict[str, Any] = {
            "item_id": str(item_id),
            "means": {},
            "counts": {},
            "distributions": {},
            "majority": {},
            "raters": int(raters[item_id]),
        }
        for dim in dims:
            tally = by_dim.get(dim)
            if not tally:
                continue
            total = sum(tally.values())
            top = max(tally.values())
            modes = [v for v, n in tally.items() if n == top]
            out["means"][dim] = sum(v * n for v, n in tally.items()) / total
            out["counts"][dim] = total
            out["distributions"][dim] = [
                tally.get(float(v), 0) / total for v in range(1, ratings.points(dim) + 1)
            ]
            out["majority"][dim] = modes[0] if len(modes) == 1 else None
        yield out


def _score(summary: dict[str, Any], kind: str, condition: str | None = None) -> ItemScore:
    """An :class:`ItemScore` whose point scores are the ``majority``, the ``mean`` or none (``soft``)."""
    if kind == "majority":
        scores = dict(summary["majority"])
    elif kind == "soft":
        scores = {dim: None for dim in summary["means"]}
    else:
        scores = dict(summary["means"])
    return ItemScore(
        item_id=summary["item_id"],
        condition=condition,
        scores=scores,
        means=summary["means"],
        counts=summary["counts"],
        distributions=summary["distributions"],
        raters=summary["raters"],
    )


def _group_levels(ratings: RatingSet, column: str, min_raters: int) -> dict[str, pd.DataFrame]:
    """The rows of each level of ``column`` with enough raters; small levels go to ``skipped_groups``."""
    frame = ratings.frame
    levels: dict[str, pd.DataFrame] = {}
    answers = frame[column].fillna("").astype(str).str.strip()
    for level, rows in frame.groupby(answers, sort=True):
        if level.lower() in NOT_A_GROUP:
            continue
        label = f"{column}={level}"
        size = int(rows["rater"].nunique())
        if size < min_raters:
            ratings.skipped_groups[label] = size
            continue
        levels[label] = rows
    if not levels:
        raise InputError(
            f"no group of {column!r} has at least {min_raters} raters "
            f"({len(ratings.skipped_groups)} group(s) too small); lower --min-group-raters or group by "
            "another question"
        )
    return levels


def _minority_views(
    overall: ItemScore, group: dict[str, Any], label: str, dims: Sequence[str]
) -> list[MinorityView]:
    views = []
    for dim in dims:
        mine = group["majority"].get(dim)
        if dim in group["counts"] and mine != overall.scores.get(dim):
            views.append(
                MinorityView(
                    group=label,
                    dimension=dim,
                    value=mine,
                    overall=overall.scores.get(dim),
                    raters=group["raters"],
                )
            )
    return views


Strategy = Callable[[RatingSet, AggregationChoice, Sequence[str]], list[ItemScore]]
_REGISTRY: dict[str, Strategy] = {}


def strategy(*names: str) -> Callable[[Strategy], Strategy]:
    """Register an aggregation strategy under ``names`` (the names ``--aggregate`` accepts)."""

    def register(function: Strategy) -> Strategy:
        for name in names:
            _REGISTRY[name] = function
        return function

    return register


@strategy("majority")
def majority(ratings: RatingSet, choice: AggregationChoice, dims: Sequence[str]) -> list[ItemScore]:
    """The most common value per item and dimension; a tie is no majority (``None``)."""
    return [_score(s, "majority") for s in _summary(ratings.frame, ratings, dims)]


@strategy("mean", "dimension-aware")
def mean(ratings: RatingSet, choice: AggregationChoice, dims: Sequence[str]) -> list[ItemScore]:
    """The mean per item and dimension (dimension-aware differs only in how pairs are made)."""
    return [_score(s, "mean") for s in _summary(ratings.frame, ratings, dims)]


@strategy("distributional")
def distributional(
    ratings: RatingSet, choice: AggregationChoice, dims: Sequence[str]
) -> list[ItemScore]:
    """No point score; the distribution over the scale is the label."""
    return [_score(s, "soft") for s in _summary(ratings.frame, ratings, dims)]


@strategy("per-group")
def per_group(
    ratings: RatingSet, choice: AggregationChoice, dims: Sequence[str]
) -> list[ItemScore]:
    """The mean within each group of ``choice.group_by`` with enough raters, the group as condition."""
    out: list[ItemScore] = []
    for label, rows in _group_levels(
        ratings, choice.group_by or "", choice.min_group_raters
    ).items():
        out.extend(_score(s, "mean", label) for s in _summary(rows, ratings, dims))
    return out


@strategy("minority-preserving")
def minority_preserving(
    ratings: RatingSet, choice: AggregationChoice, dims: Sequence[str]
) -> list[ItemScore]:
    """Everyone's majority, then each group's majority on items where it has enough raters.

    Overall scores list the groups that disagree in ``minority``; a conditioned score's
    ``minority`` is empty when its group agrees with everyone (pairs still need it: a group can
    rank two items differently while agreeing on one of them).
    """
    overall = majority(ratings, choice, dims)
    by_item = {score.item_id: score for score in overall}
    conditioned = []
    for label, rows in _group_levels(
        ratings, choice.group_by or "", choice.min_group_raters
    ).items():
        for group in _summary(rows, ratings, dims):
            if group["raters"] < choice.min_group_raters:
                continue
            views = _minority_views(by_item[group["item_id"]], group, label, dims)
            by_item[group["item_id"]].minority.extend(views)
            mine = _score(group, "majority", label)
            mine.minority = views
            conditioned.append(mine)
    return overall + conditioned


#: Every name ``--aggregate`` accepts; ``none`` uses no ratings at all.
STRATEGIES: tuple[str, ...] = ("none", *_REGISTRY)


def aggregate(ratings: RatingSet, choice: AggregationChoice) -> list[ItemScore]:
    """Apply the strategy ``choice`` names to ``ratings``: one :class:`ItemScore` per item and condition.

    Raises:
        InputError: the strategy is ``none`` or unknown, or the choice does not fit the ratings.
    """
    if choice.strategy == "none":
        raise InputError(
            "no aggregation chosen: pass --aggregate (one of " + ", ".join(STRATEGIES[1:]) + ")"
        )
    if choice.strategy not in _REGISTRY:
        raise InputError(
            f"unknown aggregation {choice.strategy!r}; choose one of {', '.join(STRATEGIES)}"
        )
    return _REGISTRY[choice.strategy](ratings, choice, check_choice(choice, ratings))


def oriented(
    score: float | None, dimension: str, ratings: RatingSet, choice: AggregationChoice
) -> float | None:
    """``score`` turned so that higher is always better (flipped for ``lower_is_better``)."""
    if score is None or dimension not in choice.lower_is_better:
        return score
    return ratings.points(dimension) + 1 - score
