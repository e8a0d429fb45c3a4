"""Agreement, per-item disagreement and conflicting values on hand-checkable data."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest

from coalign.analysis import (
    agreement_table,
    co_occurrence,
    co_occurrence_matrix,
    item_disagreement,
    krippendorff_alpha,
    most_disagreed,
)


def _ratings(rows):
    return pd.DataFrame(rows, columns=["item", "rater", "dimension", "value", "group"])


def test_alpha_from_value_counts_equals_the_matrix_form(three_dimensions):
    sub = three_dimensions[three_dimensions.dimension == "toxicity"]
    matrix = sub.pivot(index="rater", columns="item", values="value").to_numpy(dtype=float)
    expected = krippendorff.alpha(
        reliability_data=matrix, level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5]
    )
    est = krippendorff_alpha(sub, [1, 2, 3, 4, 5], n_boot=200)
    assert est.alpha == pytest.approx(expected, abs=1e-9)
    assert est.ci_low < est.alpha < est.ci_high
    interval = krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval")
    assert est.alpha != pytest.approx(interval, abs=1e-6)  # ordinal, not the package default


def test_alpha_is_one_under_unanimity_and_grouped_rows_exist():
    rows = [
        (f"i{i}", f"r{r}", "tox", 1 + (i % 5), "a" if r < 2 else "b")
        for i in range(10)
        for r in range(4)
    ]
    table = agreement_table(_ratings(rows), ["group"], n_boot=50)
    assert table.loc[table.group == "all", "alpha"].item() == pytest.approx(1.0)
    assert sorted(table.loc[table.group == "group", "level"]) == ["a", "b"]
    assert table.loc[table.level == "a", "n_raters"].item() == 2


def test_item_disagreement_statistics():
    rows = [("split", f"r{r}", "tox", v, "a") for r, v in enumerate([1, 1, 5, 5])]
    rows += [("calm", f"r{r}", "tox", 3, "a") for r in range(4)]
    rows += [("other", f"r{r}", "tox", v, "a") for r, v in enumerate([2, 4, 3, 3])]
    stats = item_disagreement(_ratings(rows)).set_index("item")
    assert stats.loc["calm", "entropy"] == 0 and stats.loc["calm", "extreme_split"] == 0
    assert stats.loc["split", "extreme_split"] == pytest.approx(4 / 6)  # 2 low × 2 high of 6 pairs
    assert stats.loc["split", "entropy"] == pytest.approx(np.log(2) / np.log(5))
    assert stats.loc["split", "variance"] == pytest.approx(np.var([1, 1, 5, 5], ddof=1))


def test_most_disagreed_names_who_disagrees():
    rows = [
        ("hot", f"r{r}", "tox", 5 if r < 3 else 1, "young" if r < 3 else "old") for r in range(6)
    ]
    rows += [("cold", f"r{r}", "tox", 3, "young" if r < 3 else "old") for r in range(6)]
    top = most_disagreed(_ratings(rows), ["group"], top=1)
    assert top.item.tolist() == ["hot"]
    assert top.who.item().startswith("group: young 5.0 (n=3) vs old 1.0 (n=3)")


def test_conflicting_values_shares():
    rows = []
    for r in range(4):
        for i in range(2):
            tox = 5 if (r < 2 and i == 0) else 2
            emo = 4 if r < 3 else 1
            group = "a" if r < 2 else "b"
            rows += [
                (f"i{i}", f"r{r}", "toxicity", tox, group),
                (f"i{i}", f"r{r}", "emotional", emo, group),
            ]
    frame = _ratings(rows)
    table = co_occurrence(frame, [("toxicity", "emotional")], threshold=4, groups=["group"])
    overall = table[table.group == "all"].iloc[0]
    assert overall.share_ratings == pytest.approx(2 / 8)
    assert overall.n_items == 2 and overall.share_items == 0.0  # item means: tox 3.5 / 2, emo 3.25
    by_group = table[table.group == "group"].set_index("level").share_ratings
    assert by_group["a"] == pytest.approx(2 / 4) and by_group["b"] == 0
    matrix = co_occurrence_matrix(frame, threshold=4)
    assert matrix.loc["toxicity", "emotional"] == pytest.approx(2 / 8)
    assert matrix.loc["emotional", "emotional"] == pytest.approx(6 / 8)
