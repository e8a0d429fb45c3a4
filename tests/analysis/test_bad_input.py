"""Input a model cannot estimate gets one clear InputError, never a nonsense fit."""

from __future__ import annotations

import pandas as pd
import pytest

from coalign.analysis import SimulationSpec, fit_clmm, simulate_ratings
from coalign.core.errors import InputError

from .helpers import TWO_FACTORS


@pytest.fixture()
def frame() -> pd.DataFrame:
    return simulate_ratings(
        SimulationSpec(n_raters=40, ratings_per_rater=6, n_items=20, factors=TWO_FACTORS, seed=1)
    )


def test_single_observed_level(frame):
    frame["value"] = 3
    with pytest.raises(InputError, match="at least two observed levels"):
        fit_clmm(frame, ["gender"], dimension="toxicity")


def test_demographic_column_with_one_level(frame):
    frame["country"] = "US"
    with pytest.raises(InputError, match="'country' has a single level"):
        fit_clmm(frame, ["gender", "country"])


def test_one_level_left_after_dropping_prefer_not_to_say(frame):
    frame["country"] = "US"
    frame.loc[frame.rater < "rater00010", "country"] = "Prefer not to say"
    with pytest.raises(InputError, match="single level"):
        fit_clmm(frame, ["country"])


def test_perfect_separation(frame):
    frame.loc[frame.gender == "non-binary", "value"] = 5
    with pytest.raises(InputError, match="perfect separation.*gender='non-binary'.*highest"):
        fit_clmm(frame, ["gender", "political"])


def test_too_few_raters(frame):
    few = frame[frame.rater.isin(sorted(frame.rater.unique())[:3])]
    with pytest.raises(InputError, match="too few levels of 'rater'.*3"):
        fit_clmm(few, ["gender"])


def test_confounded_columns(frame):
    frame["gender_copy"] = frame["gender"]
    with pytest.raises(InputError, match="confounded"):
        fit_clmm(frame, ["gender", "gender_copy"])


def test_non_numeric_ratings(frame):
    frame["value"] = frame["value"].astype(object)
    frame.loc[0, "value"] = "agree"
    with pytest.raises(InputError, match="not numbers.*'agree'"):
        fit_clmm(frame, ["gender"])


def test_unknown_reference_level(frame):
    with pytest.raises(InputError, match="reference level 'robot'"):
        fit_clmm(frame, ["gender"], reference={"gender": "robot"})


def test_quadrature_needs_a_single_random_term(frame):
    with pytest.raises(InputError, match="exactly one random intercept"):
        fit_clmm(frame, ["gender"], ["rater", "item"], method="agq")


def test_missing_column(frame):
    with pytest.raises(InputError, match="missing column"):
        fit_clmm(frame, ["religion"])


def test_prefer_not_to_say_dropped_with_a_count_or_kept_as_level(frame):
    pnts = frame.rater.isin(sorted(frame.rater.unique())[:8])
    frame.loc[pnts, "political"] = "prefer not to say"
    dropped = fit_clmm(frame, ["political"])
    assert dropped.dropped == {"political: prefer not to say": int(pnts.sum())}
    assert dropped.n_ratings == len(frame) - int(pnts.sum())
    kept = fit_clmm(frame, ["political"], prefer_not_to_say="level")
    assert "prefer not to say" in kept.fixed_levels["political"]
    assert kept.n_ratings == len(frame) and kept.dropped == {}
