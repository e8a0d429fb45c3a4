"""coalign's fits against R's ordinal::clmm on the same simulated data."""

from __future__ import annotations

import pytest

from coalign.analysis import SimulationSpec, fit_clmm, simulate_ratings
from coalign.analysis.r_reference import fit_clmm_in_r

from .helpers import TWO_FACTORS, compare_with_r


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12])
def test_crossed_laplace_matches_clmm(r_available, seed):
    spec = SimulationSpec(
        n_raters=100, ratings_per_rater=8, n_items=60, factors=TWO_FACTORS, seed=seed
    )
    frame = simulate_ratings(spec)
    ours = fit_clmm(
        frame,
        list(TWO_FACTORS),
        ["rater", "item"],
        reference={"gender": "woman", "political": "liberal"},
    )
    theirs = fit_clmm_in_r(frame, ours.fixed_levels, ["rater", "item"], timeout=300)
    compare_with_r(ours, theirs)
    # standard errors come from the same Hessian, so they agree too
    for term, se in theirs.beta_se.items():
        assert ours.coefficients.set_index("term").loc[term, "se"] == pytest.approx(se, rel=0.02)


@pytest.mark.slow
def test_single_intercept_quadrature_matches_clmm(r_available):
    spec = SimulationSpec(
        n_raters=150, ratings_per_rater=5, n_items=40, item_sd=0.0, factors=TWO_FACTORS, seed=13
    )
    frame = simulate_ratings(spec)
    ours = fit_clmm(frame, list(TWO_FACTORS), ["rater"], method="agq", n_agq=7)
    theirs = fit_clmm_in_r(frame, ours.fixed_levels, ["rater"], n_agq=7, timeout=300)
    compare_with_r(ours, theirs)
    laplace = fit_clmm(
        frame,
        list(TWO_FACTORS),
        ["rater"],
        reference={c: lv[0] for c, lv in ours.fixed_levels.items()},
    )
    # five ratings per rater: the note says so and points at the quadrature check
    assert any("Laplace approximation is least accurate" in note for note in laplace.notes)
