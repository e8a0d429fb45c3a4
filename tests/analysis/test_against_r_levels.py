"""coalign's fits against R's ordinal::clmm with item- and rating-level columns (study 003's shapes)."""

from __future__ import annotations

import pytest

from coalign.analysis import SimulationSpec, fit_clmm, simulate_ratings
from coalign.analysis.r_reference import fit_clmm_in_r

from .helpers import CONTEXTS, TWO_FACTORS, compare_with_r


def _study_003_like(seed: int):
    """150 raters × 5 of 40 items, items under five contexts, ratings in two display languages."""
    spec = SimulationSpec(
        n_raters=150,
        ratings_per_rater=5,
        n_items=40,
        item_sd=0.3,
        factors=TWO_FACTORS,
        item_factors={"context": CONTEXTS},
        rating_factors={"display_language": {"en": 0.0, "de": 0.3}},
        seed=seed,
    )
    return simulate_ratings(spec)


@pytest.mark.slow
def test_rater_and_context_intercepts_match_clmm(r_available):
    """``(1|rater) + (1|context)``: the reference study's model, with a rating-level fixed effect."""
    frame = _study_003_like(21)
    fixed = [*TWO_FACTORS, "display_language"]
    ours = fit_clmm(frame, fixed, ["rater", "context"])
    theirs = fit_clmm_in_r(frame, ours.fixed_levels, ["rater", "context"], timeout=300)
    compare_with_r(ours, theirs)
    assert set(ours.random_sd) == {"rater", "context"}


@pytest.mark.slow
def test_context_as_fixed_effect_with_rater_intercept_matches_clmm(r_available):
    frame = _study_003_like(22)
    ours = fit_clmm(frame, [*TWO_FACTORS, "context"], ["rater"], reference={"context": "none"})
    theirs = fit_clmm_in_r(frame, ours.fixed_levels, ["rater"], timeout=300)
    compare_with_r(ours, theirs)
    assert {f"context[{c}]" for c in CONTEXTS if c != "none"} <= set(ours.beta)


@pytest.mark.slow
def test_crossed_items_with_an_item_level_fixed_effect_match_clmm(r_available):
    """``(1|rater) + (1|item)`` with ``context`` (constant within items) as a fixed effect."""
    frame = _study_003_like(23)
    ours = fit_clmm(frame, ["gender", "context"], ["rater", "item"], reference={"context": "none"})
    theirs = fit_clmm_in_r(frame, ours.fixed_levels, ["rater", "item"], timeout=300)
    compare_with_r(ours, theirs)
    for term, se in theirs.beta_se.items():
        assert ours.coefficients.set_index("term").loc[term, "se"] == pytest.approx(se, rel=0.03)
