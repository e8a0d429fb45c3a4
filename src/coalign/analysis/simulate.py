"""Simulated rating studies drawn from a known cumulative-logit mixed model.

Used by the parameter-recovery tests, the comparison with R and the benchmark;
also handy for planning a study (how many raters recover an effect of a given
size?).  The output is the same long format the analysis reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit

DEFAULT_FACTORS: dict[str, dict[str, float]] = {
    "country": {"US": 0.0, "UK": 0.3, "IN": -0.4},
    "gender": {"woman": 0.0, "man": -0.25, "non-binary": 0.2},
    "age": {"18-29": 0.0, "30-44": 0.15, "45-59": 0.3, "60+": 0.45},
    "political": {"liberal": 0.0, "moderate": -0.2, "conservative": -0.5},
    "ethnicity": {"white": 0.0, "black": 0.35, "asian": -0.15, "other": 0.1},
}


@dataclass
class SimulationSpec:
    """Shape and true parameters of a simulated study (one value dimension).

    Attributes:
        n_raters: number of participants.
        ratings_per_rater: how many items each participant rates.
        n_items: number of items (contexts); each rater sees a random subset.
        thresholds: increasing cut points on the logit scale (K - 1 of them).
        factors: demographic column -> {level: effect}; the first level is the reference (effect 0).
        item_factors: item-level column -> {level: effect} (e.g. ``context``): item ``i`` has
            the ``i mod L``-th level, so the levels share the items evenly.
        rating_factors: rating-level column -> {level: effect} (e.g. ``display_language``):
            each rating draws its level at random.
        rater_sd: SD of the rater random intercept.
        item_sd: SD of the item random intercept (0 leaves it out of the truth).
        dimension: name written to the ``dimension`` column.
        seed: random seed.
    """

    n_raters: int = 1095
    ratings_per_rater: int = 25
    n_items: int = 500
    thresholds: tuple[float, ...] = (-2.0, -0.7, 0.5, 1.8)
    factors: dict[str, dict[str, float]] = field(default_factory=lambda: dict(DEFAULT_FACTORS))
    item_factors: dict[str, dict[str, float]] = field(default_factory=dict)
    rating_factors: dict[str, dict[str, float]] = field(default_factory=dict)
    rater_sd: float = 1.0
    item_sd: float = 0.7
    dimension: str = "toxicity"
    seed: int = 0

    def true_beta(self) -> dict[str, float]:
        """True fixed effects named ``column[level]`` for every non-reference level, any level."""
        every = {**self.factors, **self.item_factors, **self.rating_factors}
        return {
            f"{col}[{level}]": eff
            for col, levels in every.items()
            for i, (level, eff) in enumerate(levels.items())
            if i > 0
        }


def simulate_ratings(spec: SimulationSpec) -> pd.DataFrame:
    """Draw a long-format frame: item, rater, dimension, value (1..K) and one column per factor.

    Rater-, item- and rating-level factors all become columns (in that order).
    """
    rng = np.random.default_rng(spec.seed)
    demographics = {
        col: rng.choice(list(levels), size=spec.n_raters) for col, levels in spec.factors.items()
    }
    rater_effect = rng.normal(0.0, spec.rater_sd, spec.n_raters)
    item_effect = rng.normal(0.0, spec.item_sd, spec.n_items)
    per = min(spec.ratings_per_rater, spec.n_items)
    items = np.concatenate(
        [rng.choice(spec.n_items, size=per, replace=False) for _ in range(spec.n_raters)]
    )
    raters = np.repeat(np.arange(spec.n_raters), per)
    eta = rater_effect[raters] + item_effect[items]
    for col, levels in spec.factors.items():
        eta = eta + np.array([levels[v] for v in demographics[col]])[raters]
    covariates: dict[str, np.ndarray] = {}
    for col, levels in spec.item_factors.items():
        names = np.array(list(levels))
        covariates[col] = names[items % len(names)]
        eta = eta + np.array(list(levels.values()))[items % len(names)]
    for col, levels in spec.rating_factors.items():
        drawn = rng.integers(0, len(levels), size=items.size)
        covariates[col] = np.array(list(levels))[drawn]
        eta = eta + np.array(list(levels.values()))[drawn]
    cum = expit(np.asarray(spec.thresholds)[None, :] - eta[:, None])
    draws = rng.random(eta.size)
    value = 1 + (draws[:, None] > cum).sum(axis=1)
    frame = pd.DataFrame(
        {
            "item": [f"item{i:04d}" for i in items],
            "rater": [f"rater{r:05d}" for r in raters],
            "dimension": spec.dimension,
            "value": value.astype(int),
        }
    )
    for col in spec.factors:
        frame[col] = demographics[col][raters]
    for col, values in covariates.items():
        frame[col] = values
    return frame
