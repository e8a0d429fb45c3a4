"""Which ratings an analysis reads: category merges and ``COLUMN=VALUE`` filters.

Both run on the long-format frame before anything is computed, merges first
(so a filter can name a merged level), and both are recorded in the report and
``summary.json`` so a reader knows what was analysed.

Merges follow the file format shared with the examples
(``examples/aligniverse/merges.yaml``)::

    answer_gender:
      "yes": ["yes", "rather yes"]
      "no": ["no", "rather no"]

i.e. ``{column: {new_level: [old_level, ...]}}``.  On the command line one merge
is written ``COLUMN:OLD1+OLD2=NEW``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coalign.analysis.data import covariate_columns
from coalign.core.errors import InputError

Merges = dict[str, dict[str, list[str]]]
Filters = dict[str, list[str]]


def parse_merge(text: str) -> Merges:
    """One ``COLUMN:OLD1+OLD2=NEW`` merge as ``{column: {new: [old, ...]}}``.

    Raises:
        InputError: the text is not of that shape.
    """
    column, colon, rest = text.partition(":")
    olds, equals, new = rest.rpartition("=")
    old = [o.strip() for o in olds.split("+")]
    if not colon or not equals or not column.strip() or not new.strip() or not all(old):
        raise InputError(f"--merge takes COLUMN:OLD1+OLD2=NEW, got '{text}'")
    return {column.strip(): {new.strip(): old}}


def combine_merges(parts: list[Merges]) -> Merges:
    """Several merge specifications as one; later new levels of a column add to earlier ones."""
    out: Merges = {}
    for part in parts:
        for column, mapping in part.items():
            for new, old in mapping.items():
                out.setdefault(column, {}).setdefault(new, []).extend(old)
    return out


def load_merges(path: str | Path) -> Merges:
    """Read a merges YAML file (``{column: {new_level: [old_level, ...]}}``).

    Raises:
        InputError: missing or unreadable file, or content of another shape (naming where).
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such merges file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected {{column: {{new_level: [old_level, ...]}}}}")
    merges: Merges = {}
    for column, mapping in data.items():
        if not isinstance(mapping, dict):
            raise InputError(f"{path}: '{column}' should map new levels to lists of old levels")
        for new, old in mapping.items():
            if not isinstance(old, list) or not old:
                raise InputError(
                    f"{path}: {column}.{new} should be a non-empty list of old levels, got {old!r}"
                )
            merges.setdefault(str(column), {})[str(new)] = [str(o) for o in old]
    return merges


def _labels(series: pd.Series) -> pd.Series:
    """A column's values as trimmed strings (missing stays missing)."""
    return series.astype("string").str.strip()


def apply_merges(frame: pd.DataFrame, merges: Merges) -> pd.DataFrame:
    """Relabel levels: every old level of a column becomes its new level.

    An old level nobody has (a survey option no rater chose) is passed over, so one merges
    file serves every sample of a study; the report lists the merges with the levels found.

    Raises:
        InputError: an unknown column, or one old level listed under two new ones.
    """
    if not merges:
        return frame
    out = frame.copy()
    for column, mapping in merges.items():
        if column not in covariate_columns(out):
            raise InputError(
                f"cannot merge levels of unknown column '{column}' "
                f"(covariate columns: {covariate_columns(out)})"
            )
        labels = _labels(out[column])
        target: dict[str, str] = {}
        for new, olds in mapping.items():
            for old in olds:
                if target.get(old, new) != new:
                    raise InputError(
                        f"level '{old}' of '{column}' is merged into both '{target[old]}' and '{new}'"
                    )
                target[old] = new
        out[column] = labels.map(lambda v, t=target: t.get(v, v) if isinstance(v, str) else v)
    return out


def parse_where(values: list[str]) -> Filters:
    """``COLUMN=VALUE`` filters; one column given twice keeps either value.

    Raises:
        InputError: a filter not of that shape.
    """
    out: Filters = {}
    for value in values:
        column, sep, level = value.partition("=")
        if not sep or not column.strip() or not level.strip():
            raise InputError(f"--where takes COLUMN=VALUE, got '{value}'")
        out.setdefault(column.strip(), []).append(level.strip())
    return out


def apply_filters(frame: pd.DataFrame, where: Filters) -> pd.DataFrame:
    """Keep the ratings whose columns take one of the given values (all columns must match).

    Raises:
        InputError: an unknown column, a value the column never takes, or no rating left.
    """
    if not where:
        return frame
    keep = pd.Series(True, index=frame.index)
    for column, values in where.items():
        if column not in frame.columns:
            raise InputError(
                f"--where names unknown column '{column}' (columns: {list(frame.columns)})"
            )
        labels = _labels(frame[column])
        missing = sorted(set(values) - set(labels.dropna()))
        if missing:
            levels = sorted(set(labels.dropna()))
            shown = levels if len(levels) <= 20 else [*levels[:20], "…"]
            raise InputError(f"--where {column}={missing[0]}: no such value (values: {shown})")
        keep &= labels.isin(values).fillna(False).astype(bool)
    if not keep.any():
        described = " and ".join(f"{c} in {v}" for c, v in where.items())
        raise InputError(f"no ratings where {described}")
    return frame[keep].reset_index(drop=True)
