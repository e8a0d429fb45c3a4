"""Fixtures for the analysis tests: simulated studies and the R reference."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from coalign.analysis import SimulationSpec, simulate_ratings
from coalign.analysis.r_reference import rscript_available

from .helpers import CONTEXTS


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


@pytest.fixture(scope="session")
def contexts_frame() -> pd.DataFrame:
    """Study 003's shape in small: 80 raters × 5 of 20 items on two dimensions.

    Items come under five contexts (item level); each (item, rater) has a display
    language and an answer to a per-item question (rating level, the same on both
    dimensions); three raters are non-binary, a group too small to show.
    """
    frames = []
    for k, dim in enumerate(["toxicity", "helpfulness"]):
        spec = SimulationSpec(
            n_raters=80,
            ratings_per_rater=5,
            n_items=20,
            item_sd=0.2,
            factors={
                "gender": {"woman": 0.0, "man": -0.4 + 0.3 * k},
                "country": {"US": 0.0, "DE": 0.3},
            },
            item_factors={"context": CONTEXTS},
            dimension=dim,
            seed=7,
        )
        frames.append(simulate_ratings(spec))
    frame = pd.concat(frames, ignore_index=True)
    pair = frame["item"].str[-2:].astype(int) + frame["rater"].str[-3:].astype(int)
    frame["display_language"] = ["de" if p % 3 == 0 else "en" for p in pair]
    frame["answer_gender"] = [("yes", "rather yes", "no")[p % 3] for p in pair // 2]
    few = sorted(frame["rater"].unique())[:3]
    frame.loc[frame["rater"].isin(few), "gender"] = "non-binary"
    return frame
