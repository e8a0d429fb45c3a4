"""Parameter recovery at the reference study's size: 1,095 raters × 25 ratings crossed with 500 items."""

from __future__ import annotations

import numpy as np
import pytest

from coalign.analysis import SimulationSpec, fit_clmm, simulate_ratings


@pytest.mark.slow
def test_recovers_the_truth_within_its_standard_errors():
    spec = SimulationSpec(seed=7)
    frame = simulate_ratings(spec)
    assert len(frame) == 27_375
    reference = {col: next(iter(levels)) for col, levels in spec.factors.items()}
    result = fit_clmm(frame, list(spec.factors), ["rater", "item"], reference=reference)

    assert result.diagnostics.converged
    truth = spec.true_beta()
    coef = result.coefficients.set_index("term")
    z = np.array([(coef.loc[t, "estimate"] - v) / coef.loc[t, "se"] for t, v in truth.items()])
    assert np.all(np.abs(z) < 3), dict(zip(truth, z.round(2)))
    assert np.mean(z**2) < 2.5  # the standard errors are neither far too small nor useless
    theta_z = (result.thresholds.estimate - np.array(spec.thresholds)) / result.thresholds.se
    assert np.all(np.abs(theta_z) < 3)
    for name, sd in (("rater", spec.rater_sd), ("item", spec.item_sd)):
        assert abs(result.random_sd[name] - sd) < 3 * result.random_sd_se[name], name
    assert result.group_levels == {"rater": 1095, "item": 500}
    assert result.aic == pytest.approx(2 * (4 + 12 + 2) - 2 * result.loglik)
