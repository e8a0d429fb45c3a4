"""From a long-format rating frame to the arrays a model fit needs, with every check.

Demographic columns become treatment-coded dummies with a chosen reference
level.  Answers such as "prefer not to say" are handled explicitly: dropped
(and counted) or kept as their own level.  Input a model cannot estimate —
one observed rating level, a one-level demographic column, a level whose
ratings all sit at one end of the scale (perfect separation), confounded
columns, too few raters — raises :class:`InputError` naming the problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from coalign.core.errors import InputError
from coalign.core.participants import PREFER_NOT_TO_SAY, PREFER_NOT_TO_SAY_VARIANTS

PNTS_LEVEL = PREFER_NOT_TO_SAY
MISSING_LEVEL = "(missing)"
PreferNotToSay = Literal["drop", "level"]


@dataclass
class ModelData:
    """Arrays for one fit plus what was dropped on the way.

    Attributes:
        category: 0-based rating category per row.
        levels: the observed rating values, in order (category k is ``levels[k]``).
        design: treatment-coded fixed-effect matrix (no intercept).
        terms: column names of ``design``, ``column[level]``.
        fixed_levels: each demographic column's levels, reference first.
        groups: 0-based level index per row, per grouping column.
        group_names: grouping column names.
        group_levels: number of levels per grouping column.
        dropped: reason -> number of ratings left out.
        n_ratings: ratings kept.
    """

    category: np.ndarray
    levels: list[float]
    design: np.ndarray
    terms: list[str]
    fixed_levels: dict[str, list[str]]
    groups: list[np.ndarray]
    group_names: list[str]
    group_levels: list[int]
    dropped: dict[str, int] = field(default_factory=dict)
    n_ratings: int = 0


def _normalise(series: pd.Series) -> pd.Series:
    """Strings with missing values as NaN and whitespace trimmed."""
    out = series.astype("string").str.strip()
    return out.mask(out == "", pd.NA)


def rating_values(frame: pd.DataFrame, column: str = "value") -> np.ndarray:
    """The rating column as floats, or one clear error naming non-numeric entries."""
    numeric = pd.to_numeric(frame[column], errors="coerce")
    bad = frame[column][numeric.isna()]
    if len(bad):
        examples = ", ".join(repr(v) for v in bad.astype(str).unique()[:3])
        raise InputError(f"{len(bad)} rating(s) in '{column}' are not numbers (e.g. {examples})")
    return numeric.to_numpy(dtype=float)


def build_model_data(
    frame: pd.DataFrame,
    fixed: list[str],
    random: list[str],
    reference: dict[str, str] | None = None,
    prefer_not_to_say: PreferNotToSay = "drop",
    min_group_levels: int = 5,
    label: str = "",
) -> ModelData:
    """Validate one dimension's ratings and build its design.

    Args:
        frame: ratings of a single dimension with ``value``, the fixed and grouping columns.
        fixed: demographic columns entering as fixed effects.
        random: grouping columns with a random intercept (e.g. ``["rater", "item"]``).
        reference: reference level per fixed column (default: its most frequent level).
        prefer_not_to_say: ``"drop"`` such answers (and missing ones) with a count, or keep
            them as their own level.
        min_group_levels: fewest levels a random-intercept column may have.
        label: names the dimension in error messages.

    Raises:
        InputError: anything the model cannot estimate, with the reason.
    """
    where = f" for dimension '{label}'" if label else ""
    reference = reference or {}
    missing_cols = [c for c in ["value", *fixed, *random] if c not in frame.columns]
    if missing_cols:
        raise InputError(f"missing column(s) {missing_cols}; the frame has {list(frame.columns)}")
    dup = set(fixed) & set(random)
    if dup:
        raise InputError(f"column(s) {sorted(dup)} cannot be both fixed and random effects")
    frame = frame.reset_index(drop=True)
    keep = np.ones(len(frame), dtype=bool)
    dropped: dict[str, int] = {}
    values = rating_values(frame)
    cols: dict[str, pd.Series] = {}
    for col in fixed:
        series = _normalise(frame[col])
        is_pnts = (
            series.str.lower().isin(PREFER_NOT_TO_SAY_VARIANTS).fillna(False).to_numpy(dtype=bool)
        )
        is_na = series.isna().to_numpy()
        if prefer_not_to_say == "level":
            series = series.mask(is_pnts, PNTS_LEVEL).fillna(MISSING_LEVEL)
        else:
            for reason, mask in (
                (f"{col}: prefer not to say", is_pnts),
                (f"{col}: missing", is_na),
            ):
                count = int((mask & keep).sum())
                if count:
                    dropped[reason] = count
                keep &= ~mask
        cols[col] = series
    for col in random:
        is_na = _normalise(frame[col]).isna().to_numpy()
        if (is_na & keep).any():
            dropped[f"{col}: missing"] = int((is_na & keep).sum())
        keep &= ~is_na
    if not keep.any():
        raise InputError(
            f"no ratings left{where} after dropping missing / prefer-not-to-say answers"
        )

    values = values[keep]
    levels = sorted(set(values.tolist()))
    if len(levels) < 2:
        raise InputError(
            f"every rating{where} is {levels[0]:g}: an ordinal model needs at least two observed levels"
        )
    category = np.searchsorted(levels, values).astype(np.int64)

    design_cols, terms, fixed_levels = [], [], {}
    for col in fixed:
        series = cols[col][keep].astype(str).reset_index(drop=True)
        counts = series.value_counts()
        if len(counts) < 2:
            raise InputError(
                f"demographic column '{col}' has a single level ('{counts.index[0]}'){where}; "
                "it cannot explain differences — leave it out of the model"
            )
        ref = reference.get(col, str(counts.index[0]))
        if ref not in counts.index:
            raise InputError(
                f"reference level '{ref}' is not a level of '{col}' (levels: {sorted(counts.index)})"
            )
        ordered = [ref] + sorted(lvl for lvl in counts.index if lvl != ref)
        fixed_levels[col] = ordered
        for lvl in ordered:
            cats = category[(series == lvl).to_numpy()]
            if cats.min() == cats.max() and cats[0] in (0, len(levels) - 1):
                end = "lowest" if cats[0] == 0 else "highest"
                raise InputError(
                    f"perfect separation{where}: all {cats.size} ratings from {col}='{lvl}' are at the "
                    f"{end} level ({levels[cats[0]]:g}), so its effect is infinite; merge or drop that level"
                )
        for lvl in ordered[1:]:
            design_cols.append((series == lvl).to_numpy(dtype=float))
            terms.append(f"{col}[{lvl}]")
    design = np.column_stack(design_cols) if design_cols else np.zeros((len(values), 0))
    if design.shape[1]:
        full = np.column_stack([np.ones(len(values)), design])
        # The rank of the small Gram matrix: the same answer for 0/1 columns, without
        # an SVD of the whole (ratings × terms) design.
        if np.linalg.matrix_rank(full.T @ full) < full.shape[1]:
            raise InputError(
                f"the demographic columns {fixed} are confounded{where} (some level is fully determined "
                "by the others); drop one of them"
            )

    groups, group_levels = [], []
    for col in random:
        codes, uniques = pd.factorize(_normalise(frame[col])[keep].astype(str), sort=True)
        if len(uniques) < min_group_levels:
            raise InputError(
                f"too few levels of '{col}'{where}: {len(uniques)} (need at least {min_group_levels} "
                "to estimate a random-intercept SD)"
            )
        groups.append(codes.astype(np.int64))
        group_levels.append(len(uniques))
    return ModelData(
        category=category,
        levels=levels,
        design=design,
        terms=terms,
        fixed_levels=fixed_levels,
        groups=groups,
        group_names=list(random),
        group_levels=group_levels,
        dropped=dropped,
        n_ratings=int(keep.sum()),
    )
