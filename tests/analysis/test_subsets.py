"""Filters (``--where``), category merges (``--merge``/``--merges``) and small groups."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from coalign.analysis import AnalysisOptions, analyze, run_analysis
from coalign.analysis.selection import (
    apply_filters,
    apply_merges,
    load_merges,
    parse_merge,
    parse_where,
)
from coalign.analysis.table1 import stars
from coalign.cli.main import run
from coalign.core.errors import InputError

FAST = dict(n_boot=0, compare_fixed=False, quadrature_check=False)


def test_filters_keep_matching_ratings(contexts_frame):
    kept = apply_filters(contexts_frame, {"answer_gender": ["yes"], "country": ["US", "DE"]})
    assert set(kept.answer_gender) == {"yes"}
    assert len(kept) == int((contexts_frame.answer_gender == "yes").sum())
    with pytest.raises(InputError, match="--where names unknown column 'religion'"):
        apply_filters(contexts_frame, {"religion": ["none"]})
    with pytest.raises(InputError, match=r"--where answer_gender=maybe: no such value"):
        apply_filters(contexts_frame, {"answer_gender": ["maybe"]})
    waves = contexts_frame.assign(wave=np.where(contexts_frame.dimension == "toxicity", "1", "2"))
    assert len(apply_filters(waves, {"dimension": ["toxicity"], "wave": ["1"]})) == len(waves) / 2
    with pytest.raises(InputError, match=r"no ratings where dimension in \['toxicity'\] and wave"):
        apply_filters(waves, {"dimension": ["toxicity"], "wave": ["2"]})


def test_parse_where_and_merge():
    assert parse_where(["answer_gender=yes", "country=US", "country=DE"]) == {
        "answer_gender": ["yes"],
        "country": ["US", "DE"],
    }
    assert parse_merge("answer_gender:yes+rather yes=yes") == {
        "answer_gender": {"yes": ["yes", "rather yes"]}
    }
    for bad in ("answer_gender", "answer_gender:yes", "col:=x", ":a=b"):
        with pytest.raises(InputError, match="--merge takes COLUMN:OLD1\\+OLD2=NEW"):
            parse_merge(bad)
    with pytest.raises(InputError, match="--where takes COLUMN=VALUE"):
        parse_where(["country"])


def test_merges_relabel_levels_and_name_bad_ones(contexts_frame):
    merged = apply_merges(contexts_frame, {"answer_gender": {"yes": ["yes", "rather yes"]}})
    assert set(merged.answer_gender) == {"yes", "no"}
    assert (merged.answer_gender == "yes").sum() == contexts_frame.answer_gender.isin(
        ["yes", "rather yes"]
    ).sum()
    with pytest.raises(InputError, match="unknown column 'religion'"):
        apply_merges(contexts_frame, {"religion": {"x": ["y"]}})
    # an option nobody chose is passed over (one merges file serves every sample)
    unchanged = apply_merges(contexts_frame, {"answer_gender": {"yes": ["perhaps"]}})
    assert unchanged.answer_gender.tolist() == contexts_frame.answer_gender.tolist()
    again = apply_merges(contexts_frame, {"answer_gender": {"yes": ["rather yes", "perhaps"]}})
    assert again.answer_gender.tolist() == merged.answer_gender.tolist()
    with pytest.raises(InputError, match="merged into both 'yes' and 'no'"):
        apply_merges(
            contexts_frame, {"answer_gender": {"yes": ["rather yes"], "no": ["rather yes"]}}
        )


def test_merges_file(tmp_path):
    path = tmp_path / "merges.yaml"
    path.write_text('answer_gender:\n  "yes": ["yes", "rather yes"]\ncountry:\n  DACH: [DE]\n')
    assert load_merges(path) == {
        "answer_gender": {"yes": ["yes", "rather yes"]},
        "country": {"DACH": ["DE"]},
    }
    path.write_text("answer_gender:\n  yes: rather yes\n")
    with pytest.raises(InputError, match="should be a non-empty list of old levels"):
        load_merges(path)
    path.write_text("- a\n- b\n")
    with pytest.raises(InputError, match="expected"):
        load_merges(path)
    with pytest.raises(InputError, match="no such merges file"):
        load_merges(tmp_path / "absent.yaml")


def test_a_filter_can_name_a_merged_level(contexts_frame):
    result = run_analysis(
        contexts_frame,
        AnalysisOptions(
            merges={"answer_gender": {"yes": ["yes", "rather yes"]}},
            where={"answer_gender": ["yes"]},
            random=("rater",),
            **FAST,
        ),
    )
    assert result.n_ratings == int(contexts_frame.answer_gender.isin(["yes", "rather yes"]).sum())
    # one level left: answer_gender is constant now and is no model term
    assert not any(t.startswith("answer_gender[") for t in result.models["toxicity"].beta)


def test_cli_records_filters_and_merges(contexts_frame, tmp_path, capsys):
    path = tmp_path / "ratings.csv"
    contexts_frame.to_csv(path, index=False)
    merges = tmp_path / "merges.yaml"
    merges.write_text("country:\n  Europe: [DE]\n")
    out = tmp_path / "out"
    args = ["analyze", str(path), "--out", str(out), "--n-boot", "0", "--random", "rater"]
    args += ["--merge", "answer_gender:yes+rather yes=yes", "--merges", str(merges)]
    args += ["--where", "answer_gender=yes"]
    code = run(args)
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["where"] == {"answer_gender": ["yes"]}
    assert summary["merges"] == {
        "country": {"Europe": ["DE"]},
        "answer_gender": {"yes": ["yes", "rather yes"]},
    }
    html = (out / "report.html").read_text()
    assert "Only ratings where answer_gender is yes." in html
    assert "<td>answer_gender</td><td>yes</td><td>yes, rather yes</td>" in html
    assert "country[Europe]" in html or "country[US]" in html
    code = run(["analyze", str(path), "--out", str(out), "--merge", "religion:a=b"])
    assert code == 1
    assert "unknown column 'religion'" in capsys.readouterr().err


def test_small_groups_are_hidden_unless_asked(contexts_frame, tmp_path):
    hidden = analyze(
        contexts_frame, AnalysisOptions(n_boot=0, random=("rater", "item")), tmp_path / "h"
    )
    assert hidden.small_groups == {"gender": ["non-binary"]}
    row = hidden.agreement[
        (hidden.agreement.group == "gender") & (hidden.agreement.level == "non-binary")
    ]
    assert (row.n_raters == "<5").all() and row.alpha.isna().all() and row.n_ratings.isna().all()
    shown_row = hidden.agreement[hidden.agreement.level == "woman"]
    assert (shown_row.n_raters.astype(int) >= 5).all() and shown_row.alpha.notna().all()
    conflicts = hidden.conflicts[hidden.conflicts.level == "non-binary"]
    assert (conflicts.n_raters == "<5").all() and conflicts.share_ratings.isna().all()
    assert "non-binary" not in " ".join(hidden.most_disagreed.who)
    coef = pd.read_csv(hidden.files["coefficients"])
    small = coef[coef.term == "gender[non-binary]"]
    assert (small.estimate == "<5").all() and small.se.isna().all()
    summary = json.loads(hidden.files["summary"].read_text())
    assert summary["small_groups_hidden"] == {"gender": ["non-binary"]}
    terms = {c["term"]: c for c in summary["models"]["toxicity"]["coefficients"]}
    assert terms["gender[non-binary]"]["estimate"] == "<5"
    html = hidden.files["report"].read_text()
    assert "fewer than 5 raters" in html and "<td>&lt;5</td>" in html

    shown = analyze(
        contexts_frame,
        AnalysisOptions(n_boot=0, random=("rater", "item"), show_small_groups=True),
        tmp_path / "s",
    )
    assert shown.small_groups == {}
    row = shown.agreement[shown.agreement.level == "non-binary"]
    assert (row.n_raters == 3).all() and np.isfinite(row.n_ratings.astype(float)).all()
    assert "gender[non-binary]" in shown.table1.columns
    assert "<5" not in set(shown.table1.to_numpy().ravel())


def test_cli_show_small_groups(contexts_frame, tmp_path, capsys):
    path = tmp_path / "ratings.csv"
    contexts_frame.to_csv(path, index=False)
    args = ["analyze", str(path), "--n-boot", "0", "--random", "rater", "--show-small-groups"]
    assert run([*args, "--out", str(tmp_path / "o")]) == 0, capsys.readouterr().err
    agreement = pd.read_csv(tmp_path / "o" / "agreement.csv")
    assert 3 in set(agreement[agreement.level == "non-binary"].n_raters)


@pytest.mark.parametrize(
    ("p", "expected"), [(0.2, ""), (0.05, ""), (0.049, "*"), (0.0099, "**"), (0.0009, "***")]
)
def test_stars(p, expected):
    assert stars(p) == expected
    assert stars(float("nan")) == ""
