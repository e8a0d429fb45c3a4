"""Shared test data and checks for the analysis tests."""

import numpy as np
import pytest

TWO_FACTORS = {
    "gender": {"woman": 0.0, "man": -0.4, "non-binary": 0.3},
    "political": {"liberal": 0.0, "moderate": -0.2, "conservative": -0.6},
}

#: Item-level effects of study 003's five system-prompt interventions.
CONTEXTS = {
    "none": 0.0,
    "republican": -0.4,
    "patriarchy": -0.7,
    "empathy": 0.5,
    "equality": 0.3,
}


def compare_with_r(ours, theirs):
    """coalign's ClmmResult and R's RFit agree on thresholds, effects, SDs and log-likelihood."""
    np.testing.assert_allclose(ours.thresholds.estimate, theirs.thresholds, atol=0.02)
    assert set(ours.beta) == set(theirs.beta)
    for term, value in theirs.beta.items():
        assert ours.beta[term] == pytest.approx(value, abs=0.02), term
    for name, sd in theirs.sds.items():
        assert ours.random_sd[name] == pytest.approx(sd, abs=0.03), name
    assert ours.loglik == pytest.approx(theirs.loglik, abs=0.5)
