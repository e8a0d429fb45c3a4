"""Inter-rater agreement: ordinal Krippendorff's alpha, overall and within groups.

Alpha is computed from per-item counts of each rating level
(``value_counts``), never from a raters × items matrix, which would be mostly
empty with hundreds of raters.  Ratings are ordinal, so the ordinal distance
is used (the ``krippendorff`` package defaults to interval).  Confidence
intervals come from a bootstrap over items.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pandas as pd

from coalign.core.errors import InputError


def _krippendorff() -> ModuleType:
    """The ``krippendorff`` package, imported on first use.

    Raises:
        InputError: the package is not installed.
    """
    try:
        import krippendorff
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InputError(
            "agreement needs the krippendorff package: install coalign[analysis]"
        ) from exc
    return krippendorff


def value_counts(frame: pd.DataFrame, levels: list[float]) -> np.ndarray:
    """Items × levels matrix of how many raters gave each level to each item."""
    table = pd.crosstab(frame["item"], frame["value"])
    return table.reindex(columns=levels, fill_value=0).to_numpy(dtype=float)


def _alpha(counts: np.ndarray, levels: list[float]) -> float:
    pairable = counts[counts.sum(axis=1) >= 2]
    if pairable.shape[0] < 2 or (pairable.sum(axis=0) > 0).sum() < 2:
        return float("nan")
    return float(
        _krippendorff().alpha(
            value_counts=pairable, value_domain=levels, level_of_measurement="ordinal"
        )
    )


@dataclass
class AlphaEstimate:
    """Alpha with its bootstrap interval and the sample behind it."""

    alpha: float
    ci_low: float
    ci_high: float
    n_items: int
    n_ratings: int


def krippendorff_alpha(
    frame: pd.DataFrame,
    levels: list[float] | None = None,
    n_boot: int = 500,
    confidence: float = 0.95,
    seed: int = 0,
) -> AlphaEstimate:
    """Ordinal alpha for one dimension's ratings with a bootstrap CI over items.

    Args:
        frame: ratings of one dimension (``item``, ``value``).
        levels: the scale's levels (default: the observed ones).
        n_boot: bootstrap resamples (0 skips the interval).
        confidence: interval coverage.
        seed: bootstrap seed.
    """
    levels = levels or sorted(frame["value"].unique().tolist())
    counts = value_counts(frame, levels)
    counts = counts[counts.sum(axis=1) >= 2]
    alpha = _alpha(counts, levels)
    low = high = float("nan")
    if n_boot and counts.shape[0] >= 2 and np.isfinite(alpha):
        rng = np.random.default_rng(seed)
        boot = [
            _alpha(counts[rng.integers(0, counts.shape[0], counts.shape[0])], levels)
            for _ in range(n_boot)
        ]
        draws = np.asarray([d for d in boot if np.isfinite(d)])
        if draws.size:
            tail = (1 - confidence) / 2
            low, high = (float(v) for v in np.quantile(draws, [tail, 1 - tail]))
    return AlphaEstimate(alpha, low, high, int(counts.shape[0]), int(counts.sum()))


def agreement_table(
    frame: pd.DataFrame,
    groups: list[str],
    n_boot: int = 500,
    seed: int = 0,
) -> pd.DataFrame:
    """Alpha per dimension, overall and within each level of each demographic column.

    Within-group alpha asks whether people who share a trait agree with each
    other more than people at large — a first sign of a perspective the
    aggregate hides.

    Returns:
        One row per (dimension, group column, group level) with alpha, CI and counts;
        ``group`` is ``"all"`` for the overall row.
    """
    rows = []
    for dimension, sub in frame.groupby("dimension", sort=True):
        levels = sorted(sub["value"].unique().tolist())
        est = krippendorff_alpha(sub, levels, n_boot, seed=seed)
        rows.append({"dimension": dimension, "group": "all", "level": "all", **est.__dict__})
        for col in groups:
            for level, part in sub.groupby(
                sub[col].astype("string").fillna("(missing)"), sort=True
            ):
                est = krippendorff_alpha(part, levels, n_boot, seed=seed)
                rows.append(
                    {
                        "dimension": dimension,
                        "group": col,
                        "level": str(level),
                        "n_raters": part["rater"].nunique(),
                        **est.__dict__,
                    }
                )
    table = pd.DataFrame(rows)
    if "n_raters" not in table:
        table["n_raters"] = np.nan
    overall = frame.groupby("dimension")["rater"].nunique()
    table.loc[table.group == "all", "n_raters"] = table.loc[table.group == "all", "dimension"].map(
        overall
    )
    table["n_raters"] = table["n_raters"].astype(int)
    return table
