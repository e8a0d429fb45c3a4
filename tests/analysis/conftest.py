"""Fixtures for the analysis tests: simulated studies and the R reference."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from coalign.analysis import SimulationSpec, simulate_ratings
from coalign.analysis.r_reference import rscript_available


@pytest.fixture(scope="session")
def r_available() -> None:
    """Rscript with ordinal: skip locally when missing, fail under CI (which installs r-cran-ordinal)."""
    if not rscript_available():
        reason = (
            "Rscript with the R package 'ordinal' is not installed (apt install r-cran-ordinal)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (required in CI)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def three_dimensions() -> pd.DataFrame:
    """150 raters × 8 items on three dimensions, two demographic columns."""
    frames = []
    for k, dim in enumerate(["toxicity", "emotional_awareness", "helpfulness"]):
        factors = {
            "gender": {"woman": 0.0, "man": -0.3 + 0.2 * k},
            "political": {"liberal": 0.0, "conservative": -0.5, "moderate": 0.1},
        }
        spec = SimulationSpec(
            n_raters=150, ratings_per_rater=8, n_items=60, dimension=dim, seed=3, factors=factors
        )
        frames.append(simulate_ratings(spec))
    return pd.concat(frames, ignore_index=True)
