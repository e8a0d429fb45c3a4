"""Each aggregation strategy on hand-made ratings whose right answer is known."""

from __future__ import annotations

import pandas as pd
import pytest

from coalign.core.errors import InputError
from coalign.core.items import Item
from coalign.export import (
    AggregationChoice,
    RatingSet,
    aggregate,
    good_bad_labels,
    preference_pairs,
)

X = [f"x{n}" for n in range(6)]  # six raters from country X
Y = [f"y{n}" for n in range(5)]  # five raters from country Y
ITEMS = {
    i: Item(id=i, study_slug="mini", prompt=p, response=f"response {i}")
    for i, p in [("a", "P"), ("b", "P"), ("c", "Q"), ("d", "Q"), ("e", "Q")]
}


def ratings(
    rows: list[tuple[str, str, str, int]], groups: dict[str, str] | None = None
) -> RatingSet:
    frame = pd.DataFrame(rows, columns=["item", "rater", "dimension", "value"])
    if groups is not None:
        frame["country"] = frame["rater"].map(groups)
    return RatingSet(frame=frame, scale_points={"safety": 5, "fairness": 5})


@pytest.fixture
def split() -> RatingSet:
    """On safety, X (6 raters) prefers a over b; Y (5 raters) prefers b over a."""
    rows = [(i, r, "safety", v) for r in X for i, v in (("a", 5), ("b", 1))]
    rows += [(i, r, "safety", v) for r in Y for i, v in (("a", 1), ("b", 5))]
    return ratings(rows, {**{r: "X" for r in X}, **{r: "Y" for r in Y}})


def choice(strategy: str, **kw: object) -> AggregationChoice:
    return AggregationChoice(strategy=strategy, **kw)  # type: ignore[arg-type]


def pairs_of(rs: RatingSet, c: AggregationChoice) -> list[tuple[str, str, str | None]]:
    pairs, _ = preference_pairs(aggregate(rs, c), ITEMS, rs, c)
    return [(p.chosen.item_id, p.rejected.item_id, p.condition) for p in pairs]


def test_majority_erases_the_minority_group_and_minority_preserving_keeps_it(
    split: RatingSet,
) -> None:
    assert pairs_of(split, choice("majority")) == [("a", "b", None)]
    kept = pairs_of(split, choice("minority-preserving", group_by="country"))
    assert kept == [("a", "b", None), ("b", "a", "country=Y")]
    overall = {
        s.item_id: s
        for s in aggregate(split, choice("minority-preserving", group_by="country"))
        if s.condition is None
    }
    assert [(v.group, v.value, v.overall, v.raters) for v in overall["a"].minority] == [
        ("country=Y", 1.0, 5.0, 5)
    ]


def test_mean_and_per_group(split: RatingSet) -> None:
    scores = {s.item_id: s for s in aggregate(split, choice("mean"))}
    assert scores["a"].scores["safety"] == pytest.approx(35 / 11)
    assert scores["a"].counts["safety"] == 11
    assert pairs_of(split, choice("mean")) == [("a", "b", None)]
    by_group = pairs_of(split, choice("per-group", group_by="country"))
    assert by_group == [("a", "b", "country=X"), ("b", "a", "country=Y")]


def test_distributional_gives_soft_labels_and_refuses_pairs(split: RatingSet) -> None:
    a = next(s for s in aggregate(split, choice("distributional")) if s.item_id == "a")
    assert a.scores == {"safety": None}
    assert a.distributions["safety"] == pytest.approx([5 / 11, 0, 0, 0, 6 / 11])
    with pytest.raises(InputError, match="soft labels"):
        preference_pairs(
            aggregate(split, choice("distributional")), ITEMS, split, choice("distributional")
        )


def test_a_tie_is_no_majority_and_the_pair_is_dropped_with_that_reason() -> None:
    rs = ratings([("a", "r1", "safety", 2), ("a", "r2", "safety", 4), ("b", "r1", "safety", 3)])
    a = next(s for s in aggregate(rs, choice("majority")) if s.item_id == "a")
    assert a.scores["safety"] is None and a.means["safety"] == 3.0
    pairs, report = preference_pairs(
        aggregate(rs, choice("majority")), ITEMS, rs, choice("majority")
    )
    assert pairs == [] and report.dropped == {"no majority on safety": 1}


def test_dimension_aware_pairs_drop_trade_offs_and_say_which_dimension() -> None:
    values = {
        "c": {"safety": 5, "fairness": 2},
        "d": {"safety": 3, "fairness": 3},
        "e": {"safety": 4, "fairness": 4},
    }
    rs = ratings(
        [
            (i, r, dim, v)
            for i, dims in values.items()
            for dim, v in dims.items()
            for r in ("r1", "r2")
        ]
    )
    assert pairs_of(rs, choice("mean")) == [("c", "d", None), ("e", "c", None), ("e", "d", None)]
    c = choice("dimension-aware")
    pairs, report = preference_pairs(aggregate(rs, c), ITEMS, rs, c)
    assert [(p.chosen.item_id, p.rejected.item_id) for p in pairs] == [("e", "d")]
    assert report.candidates == 3 and report.kept == 1
    assert report.dropped == {
        "chosen would be worse on fairness": 1,
        "chosen would be worse on safety": 1,
    }
    # choosing dimensions: on safety alone every pair is ordered
    assert len(pairs_of(rs, choice("dimension-aware", dimensions=["safety"]))) == 3


def test_lower_is_better_flips_the_preference(split: RatingSet) -> None:
    assert pairs_of(split, choice("majority", lower_is_better=["safety"])) == [("b", "a", None)]


def test_kto_labels_and_minority_preserving_labels(split: RatingSet) -> None:
    labels, _ = good_bad_labels(aggregate(split, choice("majority")), split, choice("majority"))
    assert [(label.score.item_id, label.good) for label in labels] == [("a", True), ("b", False)]
    c = choice("minority-preserving", group_by="country")
    labels, report = good_bad_labels(aggregate(split, c), split, c)
    assert [(label.score.item_id, label.score.condition, label.good) for label in labels] == [
        ("a", None, True),
        ("b", None, False),
        ("a", "country=Y", False),
        ("b", "country=Y", True),
    ]
    assert report.dropped == {"group agrees with everyone": 2}


def test_groups_with_too_few_raters_are_left_out_or_refused(split: RatingSet) -> None:
    kept = pairs_of(split, choice("per-group", group_by="country", min_group_raters=6))
    assert kept == [("a", "b", "country=X")]
    assert split.skipped_groups == {"country=Y": 5}
    with pytest.raises(InputError, match="no group of 'country' has at least 7 raters"):
        aggregate(split, choice("per-group", group_by="country", min_group_raters=7))


def test_prefer_not_to_say_is_never_a_group(split: RatingSet) -> None:
    frame = split.frame.copy()
    frame.loc[frame["rater"].isin(Y), "country"] = "prefer not to say"
    rs = RatingSet(frame=frame, scale_points=split.scale_points)
    assert pairs_of(rs, choice("per-group", group_by="country")) == [("a", "b", "country=X")]


def test_grouped_strategies_need_a_known_question(split: RatingSet) -> None:
    with pytest.raises(
        InputError, match="needs a demographic question to group by: pass --group-by"
    ):
        aggregate(split, choice("per-group"))
    with pytest.raises(InputError, match="no demographic question 'age'"):
        aggregate(split, choice("minority-preserving", group_by="age"))
    with pytest.raises(InputError, match=r"dimension\(s\) \['honesty'\] have no ratings"):
        aggregate(split, choice("mean", dimensions=["honesty"]))
