"""Table 1 of study 003: which groups and conditions rate each dimension higher or lower.

One row per dimension, one column per model term (``gender[woman]``,
``context[empathy]``, ``display_language[de]``, ``country[DE]``…); each cell
gives the direction of the effect (``↑`` rates higher than the reference level,
``↓`` lower) and its significance (``*`` p < .05, ``**`` p < .01, ``***`` p < .001;
no star: not significant).  The forest plots show the same estimates with their
intervals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from coalign.analysis.small_groups import SMALL

if TYPE_CHECKING:
    from coalign.analysis.clmm import ClmmResult

LEGEND = (
    "↑ rates higher than the reference level, ↓ lower; * p < .05, ** p < .01, *** p < .001 "
    "(no star: not significant); empty: term not in that dimension's model"
)


def stars(p: float) -> str:
    """Significance stars for a p-value ("" when p >= .05 or unknown)."""
    if not p < 0.05:
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*"


def effect_cell(estimate: float, p: float) -> str:
    """``↑**``-style cell: arrow for the sign, stars for the significance."""
    arrow = "↑" if estimate > 0 else "↓" if estimate < 0 else "·"
    return arrow + stars(p)


def effects_grid(models: dict[str, ClmmResult], hidden: set[str] | None = None) -> pd.DataFrame:
    """Dimensions × terms grid of effect cells.

    Args:
        models: fitted model per dimension.
        hidden: terms shown as ``"<5"`` (small groups, see :mod:`coalign.analysis.small_groups`).

    Returns:
        A frame with a ``dimension`` column and one column per term, in the order the
        terms first appear; an empty frame when no model has a fixed effect.
    """
    hidden = hidden or set()
    terms: list[str] = []
    rows = []
    for dim, model in models.items():
        row: dict[str, str] = {"dimension": dim}
        coef = model.coefficients
        for term, estimate, p in zip(coef.term, coef.estimate.astype(float), coef.p.astype(float)):
            if term not in terms:
                terms.append(term)
            row[term] = SMALL if term in hidden else effect_cell(estimate, p)
        rows.append(row)
    if not terms:
        return pd.DataFrame()
    return pd.DataFrame(rows, columns=["dimension", *terms]).fillna("")
