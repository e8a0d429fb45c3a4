"""The store's loaders leave out raters who failed a check, rated too fast or did not finish;
the report's Exclusions section counts them by reason and names who and why.

The campaign's items have no context here: a context differs between one rater's items, which
is an item-level column (the analysis's ``column_levels``), not a demographic of the rater."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coalign.analysis import AnalysisOptions, analyze, load_campaign_ratings, load_study_ratings
from coalign.cli.main import run
from coalign.core.errors import InputError
from coalign.rating.exclusions import EXCLUSIONS_ATTR, ExclusionPolicy
from coalign.store import Store, open_store
from tests.rating.helpers import SCREENED, finish, make_campaign, screened_campaign

EVERYONE = ExclusionPolicy.including(["failed-attention", "too-fast", "incomplete"])
#: No model: these tests are about who is analysed, not about the mixed models.
QUICK = AnalysisOptions(demographics=[], n_boot=10, quadrature_check=False, compare_fixed=False)


def test_loaders_leave_out_by_default_and_keep_on_request(store: Store) -> None:
    screened = screened_campaign(store, contexts=False)
    frame = load_campaign_ratings(store, "pilot")
    assert screened.crowd(frame["rater"]) == {"GOOD-YES", "GOOD-NO"}
    exclusions = frame.attrs[EXCLUSIONS_ATTR]
    assert exclusions.by_reason == {"failed-attention": 2, "too-fast": 2, "incomplete": 1}
    assert len(exclusions.left_out) == 4 and exclusions.raters == 6
    # the rating's own columns: the per-item answer and the display language
    assert {"answer_gender", "display_language"} <= set(frame.columns)
    first = frame.groupby("rater")[["answer_gender", "display_language"]].first()
    assert first.loc[screened.ids["GOOD-YES"]].to_list() == ["yes", "de"]
    assert first.loc[screened.ids["GOOD-NO"]].to_list() == ["no", "en"]
    study = load_study_ratings(store, "mini")
    assert screened.crowd(study["rater"]) == {"GOOD-YES", "GOOD-NO"}
    everyone = load_campaign_ratings(store, "pilot", policy=EVERYONE)
    assert screened.crowd(everyone["rater"]) == set(SCREENED)
    assert everyone.attrs[EXCLUSIONS_ATTR].kept_flagged_raters == 4


def test_a_loader_that_leaves_out_everyone_says_how_to_keep_them(store: Store) -> None:
    make_campaign(store)
    rushed = finish(store, "RUSHED", seconds=1)
    with pytest.raises(InputError, match=r"all 1 raters were left out .*--include too-fast"):
        load_campaign_ratings(store, "pilot")
    kept = load_study_ratings(store, "mini", policy=ExclusionPolicy.including(["too-fast"]))
    assert set(kept["rater"]) == {rushed.participant_id}


def test_the_report_counts_who_was_left_out_and_why(store: Store, tmp_path: Path) -> None:
    screened = screened_campaign(store, contexts=False)
    result = analyze(load_campaign_ratings(store, "pilot"), QUICK, tmp_path / "out")
    assert result.exclusions is not None and result.n_raters == 2
    html = result.files["report"].read_text(encoding="utf-8")
    assert "<h2>Exclusions</h2>" in html
    assert "Of 6 raters with stored ratings, 4 were left out of this analysis" in html
    for crowd_id in ("CARELESS", "QUITTER", "SPEEDY", "SLOPPY"):
        assert screened.ids[crowd_id] in html  # the pseudonymous id, as in the data
    assert "failed-attention, too-fast" in html  # SLOPPY's two reasons
    summary = json.loads(result.files["summary"].read_text(encoding="utf-8"))
    assert summary["exclusions"]["by_reason"] == {
        "failed-attention": 2,
        "too-fast": 2,
        "incomplete": 1,
    }
    left_out = summary["exclusions"]["raters_left_out"]
    assert left_out[screened.ids["SLOPPY"]] == ["failed-attention", "too-fast"]


def test_a_per_item_answer_is_a_column_to_break_agreement_down_by(store: Store) -> None:
    screened_campaign(store, contexts=False)
    frame = load_campaign_ratings(store, "pilot", policy=EVERYONE)
    options = AnalysisOptions(
        demographics=["answer_gender"], fixed_effects=[], n_boot=10, quadrature_check=False
    )
    from coalign.analysis.service import run_analysis

    result = run_analysis(frame, options)
    groups = result.agreement[result.agreement["group"] == "answer_gender"]
    assert set(groups["level"]) == {"yes", "no"}


def test_cli_include_keeps_raters_and_unknown_reasons_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        screened_campaign(store, contexts=False)
    args = ["--db", db, "analyze", "campaign:pilot", "--n-boot", "10", "-d", "answer_gender"]
    assert run([*args, "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "by 2 raters" in out and "left out 4 of 6 raters" in out
    kept = ["--include", "too-fast", "--include", "incomplete", "--out", str(tmp_path / "b")]
    assert run([*args, *kept]) == 0
    out = capsys.readouterr().out
    assert "by 4 raters" in out and "left out 2 of 6 raters (failed-attention 2)" in out
    assert run([*args, "--include", "slow", "--out", str(tmp_path / "c")]) == 1
    assert "unknown reason(s) ['slow']" in capsys.readouterr().err
    export = ["--db", db, "export", "campaign:pilot", "--format", "annotators"]
    assert run([*export, "--out", str(tmp_path / "e1")]) == 0
    assert "left out 4 of 6 raters" in capsys.readouterr().out
    assert run([*export, "--include", "failed-attention", "--out", str(tmp_path / "e2")]) == 0
    card = (tmp_path / "e2" / "README.md").read_text(encoding="utf-8")
    assert "Left out: 3 of 6 raters (too-fast 2, incomplete 1;" in card
