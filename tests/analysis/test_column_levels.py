"""Covariates at the rater, item and rating level: what each can be used for (issue 15)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from coalign.analysis import AnalysisOptions, analyze, run_analysis
from coalign.analysis.data import column_levels, demographic_columns, validate_long_format
from coalign.cli.main import run
from coalign.core.errors import InputError

FAST = dict(n_boot=0, compare_fixed=False, quadrature_check=False, on_model_error="raise")


def test_each_column_gets_its_level(contexts_frame):
    levels = column_levels(validate_long_format(contexts_frame))
    assert levels == {
        "gender": "rater",
        "country": "rater",
        "context": "item",
        "display_language": "rating",
        "answer_gender": "rating",
    }
    assert demographic_columns(contexts_frame) == ["gender", "country"]


def test_crowd_id_is_an_identifier_not_a_column_with_a_level(contexts_frame):
    frame = contexts_frame.assign(crowd_id="P" + contexts_frame["rater"])
    assert "crowd_id" not in column_levels(frame)


def test_rater_and_context_intercepts_with_item_and_rating_level_fixed_effects(contexts_frame):
    result = run_analysis(contexts_frame, AnalysisOptions(random=("rater", "context"), **FAST))
    assert result.demographics == ["gender", "country"]
    # item- and rating-level columns enter as fixed effects, the random one does not
    assert result.fixed_effects == ["gender", "country", "display_language", "answer_gender"]
    model = result.models["toxicity"]
    assert set(model.random_sd) == {"rater", "context"}
    assert model.group_levels["context"] == 5
    assert any(t.startswith("display_language[") for t in model.beta)
    # agreement is broken down by demographics only
    assert set(result.agreement.group) == {"all", "gender", "country"}


def test_rater_and_item_intercepts_with_context_as_fixed_effect(contexts_frame):
    result = run_analysis(
        contexts_frame,
        AnalysisOptions(
            random=("rater", "item"),
            fixed_effects=["gender", "context"],
            reference={"context": "none"},
            **FAST,
        ),
    )
    model = result.models["helpfulness"]
    assert set(model.random_sd) == {"rater", "item"}
    assert model.fixed_levels["context"][0] == "none"
    assert {"context[empathy]", "context[patriarchy]"} <= set(model.beta)


def test_a_demographic_that_varies_within_a_rater_is_named(contexts_frame):
    with pytest.raises(InputError, match="demographic column 'context' takes different values"):
        run_analysis(contexts_frame, AnalysisOptions(demographics=["gender", "context"], **FAST))
    with pytest.raises(InputError, match=r"unknown demographic column\(s\) \['religion'\]"):
        run_analysis(contexts_frame, AnalysisOptions(demographics=["religion"], **FAST))


def test_unknown_random_or_fixed_columns_are_named(contexts_frame):
    with pytest.raises(InputError, match=r"unknown random-intercept column\(s\) \['topic'\]"):
        run_analysis(contexts_frame, AnalysisOptions(random=("rater", "topic"), **FAST))
    with pytest.raises(InputError, match=r"unknown fixed-effect column\(s\) \['topic'\]"):
        run_analysis(contexts_frame, AnalysisOptions(fixed_effects=["topic"], **FAST))


def test_cli_fits_rater_and_context_intercepts_from_a_file(contexts_frame, tmp_path, capsys):
    """The command of issue 15, which used to fail on the per-item ``context`` column."""
    path = tmp_path / "ratings.csv"
    contexts_frame.to_csv(path, index=False)
    out = tmp_path / "out"
    code = run(
        ["analyze", str(path), "--random", "rater", "--random", "context", "--out", str(out)]
        + ["--n-boot", "0"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    printed = " ".join(captured.out.split())  # the console wraps long lines
    assert "context (item)" in printed and "display_language (rating)" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["column_levels"]["context"] == "item"
    assert set(summary["models"]["toxicity"]["random_sd"]) == {"rater", "context"}
    html = (out / "report.html").read_text()
    assert "(1|rater) + (1|context)" in html and "<td>context</td><td>item</td>" in html


def test_cli_names_a_demographic_that_varies_within_a_rater(contexts_frame, tmp_path, capsys):
    path = tmp_path / "ratings.csv"
    contexts_frame.to_csv(path, index=False)
    code = run(["analyze", str(path), "--demographic", "display_language", "--out", str(tmp_path)])
    assert code == 1
    assert "demographic column 'display_language' takes different values" in capsys.readouterr().err


def test_table1_grid_matches_the_models(contexts_frame, tmp_path):
    result = analyze(
        contexts_frame,
        AnalysisOptions(
            random=("rater",),
            fixed_effects=["gender", "country", "context", "display_language"],
            reference={"context": "none", "display_language": "en", "country": "US"},
            **FAST,
        ),
        tmp_path,
    )
    grid = pd.read_csv(result.files["table1"], dtype=str, keep_default_na=False)
    assert list(grid.dimension) == ["helpfulness", "toxicity"]
    assert "display_language[de]" in grid.columns and "country[DE]" in grid.columns
    for dim, model in result.models.items():
        row = grid.set_index("dimension").loc[dim]
        for rec in model.coefficients.itertuples():
            if rec.term == "gender[non-binary]":
                assert row[rec.term] == "<5"  # three raters: hidden
                continue
            cell = row[rec.term]
            assert cell[0] == ("↑" if rec.estimate > 0 else "↓"), (dim, rec.term)
            expected = 3 if rec.p < 0.001 else 2 if rec.p < 0.01 else 1 if rec.p < 0.05 else 0
            assert cell.count("*") == expected, (dim, rec.term, rec.p)
    assert "Table 1" in result.files["report"].read_text()


def test_default_fixed_effects_leave_out_constant_and_item_naming_columns(contexts_frame):
    frame = contexts_frame.assign(source="import:" + contexts_frame["item"], wave="1")
    result = run_analysis(frame, AnalysisOptions(random=("rater", "item"), **FAST))
    assert "source" not in result.fixed_effects and "wave" not in result.fixed_effects
    assert result.column_levels["source"] == "item"
    assert "context" in result.fixed_effects
