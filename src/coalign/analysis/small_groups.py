"""Small demographic groups: counted, and kept out of what the report shows.

A statistic about three people of one gender in one country says more about
those three people than about any group, and may identify them.  Any level of
a demographic (rater-level) column with fewer than :data:`MIN_GROUP_RATERS`
raters is therefore shown as ``"<5"`` without statistics — in the agreement
and conflicting-value tables, the rating distributions, the most-disagreed
items, the coefficient tables and Table 1 — unless an admin asks to see them
(``AnalysisOptions.show_small_groups``, ``coalign analyze --show-small-groups``).
The models themselves are fitted on every rating either way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_GROUP_RATERS = 5
SMALL = f"<{MIN_GROUP_RATERS}"
MISSING = "(missing)"
SmallGroups = dict[str, list[str]]


def group_labels(series: pd.Series) -> pd.Series:
    """A demographic column's values as the group labels the tables use."""
    return series.astype("string").fillna(MISSING)


def small_groups(
    frame: pd.DataFrame, columns: list[str], min_raters: int = MIN_GROUP_RATERS
) -> SmallGroups:
    """Per demographic column, its levels held by fewer than ``min_raters`` raters."""
    out: SmallGroups = {}
    for col in columns:
        sizes = frame.groupby(group_labels(frame[col]))["rater"].nunique()
        few = sorted(str(level) for level, n in sizes.items() if n < min_raters)
        if few:
            out[col] = few
    return out


def suppress_groups(table: pd.DataFrame, small: SmallGroups, count: str) -> pd.DataFrame:
    """Blank the statistics of small groups' rows of a per-group table.

    Args:
        table: rows with ``group`` (column name) and ``level``.
        small: what :func:`small_groups` found.
        count: the rater-count column, shown as ``"<5"`` on blanked rows.

    Every numeric column except ``count`` becomes missing on those rows.
    """
    if not small or table.empty:
        return table
    hide = np.zeros(len(table), dtype=bool)
    for col, levels in small.items():
        hide |= ((table["group"] == col) & table["level"].isin(levels)).to_numpy()
    if not hide.any():
        return table
    out = table.copy()
    stats = [c for c in out.select_dtypes("number").columns if c != count]
    out[stats] = out[stats].astype(float)
    out.loc[hide, stats] = np.nan
    out[count] = out[count].astype(object)
    out.loc[hide, count] = SMALL
    return out


def small_terms(small: SmallGroups) -> set[str]:
    """Model terms (``column[level]``) that stand for a small group."""
    return {f"{col}[{level}]" for col, levels in small.items() for level in levels}


def suppress_terms(coefficients: pd.DataFrame, small: SmallGroups) -> pd.DataFrame:
    """A coefficient table with the rows of small groups' terms blanked (estimate shown as ``"<5"``)."""
    hide = coefficients["term"].isin(small_terms(small)).to_numpy()
    if not hide.any():
        return coefficients
    out = coefficients.copy()
    stats = [c for c in out.select_dtypes("number").columns]
    out[stats] = out[stats].astype(object)
    out.loc[hide, stats] = np.nan
    out.loc[hide, "estimate"] = SMALL
    return out
