"""Conflicting values: how often two dimensions are rated high together.

A response can be toxic *and* emotionally aware, or stereotyping *and*
sensitive.  For a pair of dimensions, a rating pair (the same person rating
the same item on both) is "high on both" when both ratings reach
``threshold`` (default 4, "agree", on a 1–5 scale).  An item is high on both
when its mean rating on each dimension reaches the threshold.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from coalign.core.errors import InputError


def _wide(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.pivot_table(
        index=["item", "rater"], columns="dimension", values="value", aggfunc="first"
    )


def co_occurrence(
    frame: pd.DataFrame,
    pairs: list[tuple[str, str]] | None = None,
    threshold: float = 4.0,
    groups: list[str] | None = None,
) -> pd.DataFrame:
    """Share of ratings and of items high on both dimensions, overall and per group.

    Args:
        frame: long-format ratings.
        pairs: dimension pairs (default: every pair).
        threshold: a rating at or above it counts as high.
        groups: demographic columns to break the rating-level share down by.

    Returns:
        One row per (pair, group column, level): ``share_ratings`` (of rating pairs
        with both dimensions rated), ``share_items`` (overall rows only), counts of
        rating pairs, raters and items.

    Raises:
        InputError: a named dimension does not exist.
    """
    dims = sorted(frame["dimension"].unique())
    pairs = pairs or list(combinations(dims, 2))
    unknown = sorted({d for p in pairs for d in p} - set(dims))
    if unknown:
        raise InputError(f"unknown dimension(s) {unknown} (have {dims})")
    wide = _wide(frame)
    demo = frame.drop_duplicates("rater").set_index("rater")
    item_means = frame.groupby(["item", "dimension"])["value"].mean().unstack()
    rows = []
    for a, b in pairs:
        both = wide[[a, b]].dropna()
        high = (both[a] >= threshold) & (both[b] >= threshold)
        items = item_means[[a, b]].dropna()
        item_high = (items[a] >= threshold) & (items[b] >= threshold)
        rows.append(
            {
                "dimension_a": a,
                "dimension_b": b,
                "group": "all",
                "level": "all",
                "n_ratings": len(both),
                "n_raters": both.index.get_level_values("rater").nunique(),
                "share_ratings": float(high.mean()) if len(both) else np.nan,
                "n_items": len(items),
                "share_items": float(item_high.mean()) if len(items) else np.nan,
            }
        )
        raters = both.index.get_level_values("rater")
        for col in groups or []:
            labels = demo[col].astype("string").fillna("(missing)").reindex(raters).to_numpy()
            for level in sorted(set(labels)):
                mask = labels == level
                rows.append(
                    {
                        "dimension_a": a,
                        "dimension_b": b,
                        "group": col,
                        "level": str(level),
                        "n_ratings": int(mask.sum()),
                        "n_raters": int(pd.unique(raters[mask]).size),
                        "share_ratings": float(high.to_numpy()[mask].mean()),
                        "n_items": np.nan,
                        "share_items": np.nan,
                    }
                )
    return pd.DataFrame(rows)


def co_occurrence_matrix(frame: pd.DataFrame, threshold: float = 4.0) -> pd.DataFrame:
    """Dimensions × dimensions share of rating pairs high on both (diagonal: share high)."""
    dims = sorted(frame["dimension"].unique())
    high = _wide(frame)[dims] >= threshold
    rated = _wide(frame)[dims].notna()
    out = pd.DataFrame(index=dims, columns=dims, dtype=float)
    for a in dims:
        for b in dims:
            mask = rated[a] & rated[b]
            out.loc[a, b] = float((high[a] & high[b])[mask].mean()) if mask.any() else np.nan
    return out
