"""The analyze service: long-format import, tables, the self-contained report."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from coalign.analysis import AnalysisOptions, analyze, fit_clmm, fit_ordered_fixed, load_long_format
from coalign.core.errors import InputError


def test_analyze_writes_report_and_tables(three_dimensions, tmp_path):
    frame = three_dimensions
    result = analyze(frame, AnalysisOptions(n_boot=50), tmp_path / "out")

    assert set(result.models) == {"toxicity", "emotional_awareness", "helpfulness"}
    for name in (
        "agreement",
        "item_disagreement",
        "most_disagreed",
        "conflicts",
        "coefficients",
        "summary",
        "report",
    ):
        assert result.files[name].is_file(), name
    coef = pd.read_csv(result.files["coefficients"])
    assert {"laplace", "agq (1|rater)", "fixed (statsmodels)"} <= set(coef.model)
    summary = json.loads(result.files["summary"].read_text())
    assert summary["n_ratings"] == len(frame)
    html = result.files["report"].read_text()
    assert html.count("<svg") >= 5
    assert not re.search(
        r"<(script|link|img)[^>]+(src|href)=\"https?:", html
    )  # nothing fetched when viewed
    assert "Laplace approximation" in html and "statsmodels OrderedModel" in html


def test_model_errors_are_recorded_or_raised(three_dimensions, tmp_path):
    frame = three_dimensions.copy()
    frame.loc[frame.dimension == "helpfulness", "value"] = 4
    result = analyze(
        frame, AnalysisOptions(n_boot=0, compare_fixed=False, quadrature_check=False), tmp_path
    )
    assert "at least two observed levels" in result.model_errors["helpfulness"]
    assert "no model fitted" in result.files["report"].read_text()
    with pytest.raises(InputError, match="helpfulness"):
        analyze(frame, AnalysisOptions(n_boot=0, on_model_error="raise"), tmp_path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_long_format_round_trip(three_dimensions, tmp_path, suffix):
    path = tmp_path / f"ratings{suffix}"
    if suffix == ".csv":
        three_dimensions.to_csv(path, index=False)
    else:
        three_dimensions.to_parquet(path)
    loaded = load_long_format(path)
    assert len(loaded) == len(three_dimensions)
    assert list(loaded.columns) == list(three_dimensions.columns)


def test_long_format_errors(three_dimensions, tmp_path):
    bad = tmp_path / "bad.csv"
    three_dimensions.drop(columns="rater").to_csv(bad, index=False)
    with pytest.raises(InputError, match=r"missing column\(s\) \['rater'\]"):
        load_long_format(bad)
    dup = tmp_path / "dup.csv"
    pd.concat([three_dimensions, three_dimensions.head(2)]).to_csv(dup, index=False)
    with pytest.raises(InputError, match="repeat an \\(item, rater, dimension\\)"):
        load_long_format(dup)
    (tmp_path / "x.xlsx").write_text("")
    with pytest.raises(InputError, match="unsupported file type"):
        load_long_format(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="no such file"):
        load_long_format(tmp_path / "absent.csv")
    renamed = tmp_path / "renamed.csv"
    three_dimensions.rename(columns={"value": "score"}).to_csv(renamed, index=False)
    assert len(load_long_format(renamed, rename={"score": "value"})) == len(three_dimensions)


def test_statsmodels_comparison_matches_our_fixed_effects_fit(three_dimensions):
    sub = three_dimensions[three_dimensions.dimension == "toxicity"]
    ours = fit_clmm(sub, ["gender", "political"], random=[])
    theirs = fit_ordered_fixed(
        sub, ["gender", "political"], {c: lv[0] for c, lv in ours.fixed_levels.items()}
    )
    assert ours.method == "fixed"
    pd.testing.assert_series_equal(
        ours.coefficients.estimate, theirs.estimate, atol=1e-4, check_names=False
    )
    pd.testing.assert_series_equal(ours.coefficients.se, theirs.se, atol=1e-3, check_names=False)
