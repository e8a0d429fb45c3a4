"""Long-format ratings: one row per (item, rater, dimension) with covariate columns.

This is the shape every analysis function reads, whether the ratings come from
a coalign rating campaign or from an existing multi-annotator data set
(CSV or Parquet).  Every column beyond item, rater, dimension, value and
``crowd_id`` is a covariate with a level (:func:`column_levels`): ``"rater"``
(constant for each rater: the demographics), ``"item"`` (constant for each
item, e.g. its ``context``) or ``"rating"`` (varies within raters and items,
e.g. the ``display_language`` a rating was given in).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from coalign.core.errors import InputError

if TYPE_CHECKING:
    from coalign.rating.exclusions import ExclusionPolicy
    from coalign.store import Store

REQUIRED = ("item", "rater", "dimension", "value")
#: Another name for the rater (a campaign export's crowd-platform id): kept, never a demographic.
IDENTIFIERS = ("crowd_id",)
ColumnLevel = Literal["rater", "item", "rating"]


def covariate_columns(frame: pd.DataFrame) -> list[str]:
    """Every column other than item, rater, dimension, value and ``crowd_id``."""
    return [c for c in frame.columns if c not in REQUIRED + IDENTIFIERS]


def _constant_within(frame: pd.DataFrame, column: str, by: str) -> bool:
    return bool((frame.groupby(by)[column].nunique(dropna=False) <= 1).all())


def column_levels(frame: pd.DataFrame) -> dict[str, ColumnLevel]:
    """The level of every covariate column, in column order.

    A column constant for each rater is ``"rater"`` (a demographic), else one
    constant for each item is ``"item"``, else ``"rating"``.  A column constant
    on both counts (say, one value everywhere) is taken as ``"rater"``.
    """
    levels: dict[str, ColumnLevel] = {}
    for col in covariate_columns(frame):
        if _constant_within(frame, col, "rater"):
            levels[col] = "rater"
        elif _constant_within(frame, col, "item"):
            levels[col] = "item"
        else:
            levels[col] = "rating"
    return levels


def demographic_columns(frame: pd.DataFrame) -> list[str]:
    """The rater-level covariates: what agreement and disagreement are broken down by."""
    return [c for c, level in column_levels(frame).items() if level == "rater"]


def check_demographics(frame: pd.DataFrame, columns: Collection[str], source: str = "") -> None:
    """Make sure columns named as demographics are columns and constant for each rater.

    Raises:
        InputError: naming any column that does not exist or that takes
            different values for the same rater (with an example rater).
    """
    where = f"{source}: " if source else ""
    unknown = sorted(set(columns) - set(covariate_columns(frame)))
    if unknown:
        raise InputError(
            f"{where}unknown demographic column(s) {unknown} (have {covariate_columns(frame)})"
        )
    for col in columns:
        counts = frame.groupby("rater")[col].nunique(dropna=False)
        if (counts > 1).any():
            rater = counts.index[counts > 1][0]
            raise InputError(
                f"{where}demographic column '{col}' takes different values for the same rater "
                f"(e.g. rater {rater!r}); a demographic is one answer per person — analyse "
                f"'{col}' as a fixed effect instead of a demographic"
            )


def validate_long_format(frame: pd.DataFrame, source: str = "ratings") -> pd.DataFrame:
    """Check and normalise a long-format frame.

    Item, rater and dimension become strings; value becomes a number.  Nothing
    is dropped: any row that cannot be used is reported.  Covariates may be at
    any level (:func:`column_levels`); whether a column may serve as a
    demographic is checked where it is used as one (:func:`check_demographics`).

    Args:
        frame: the ratings.
        source: names the input in messages (e.g. the file path).

    Raises:
        InputError: missing columns, no rows, missing identifiers, non-numeric
            values, or the same rater rating the same item on the same dimension twice.
    """
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {missing}; long format needs {list(REQUIRED)} "
            f"plus covariate columns (found {list(frame.columns)})"
        )
    if frame.empty:
        raise InputError(f"{source}: no ratings")
    out = frame.copy()
    for col in ("item", "rater", "dimension"):
        blank = out[col].isna() | (out[col].astype(str).str.strip() == "")
        if blank.any():
            rows = list(out.index[blank][:3])
            raise InputError(
                f"{source}: {int(blank.sum())} row(s) have no {col} (e.g. rows {rows})"
            )
        out[col] = out[col].astype(str).str.strip()
    value = pd.to_numeric(out["value"], errors="coerce")
    bad = value.isna()
    if bad.any():
        examples = ", ".join(repr(v) for v in out.loc[bad, "value"].astype(str).unique()[:3])
        raise InputError(
            f"{source}: {int(bad.sum())} rating value(s) are not numbers (e.g. {examples})"
        )
    out["value"] = value
    dup = out.duplicated(["item", "rater", "dimension"], keep=False)
    if dup.any():
        first = out.loc[dup, ["item", "rater", "dimension"]].iloc[0].to_dict()
        raise InputError(
            f"{source}: {int(dup.sum())} rows repeat an (item, rater, dimension) triple, e.g. {first}; "
            "keep one rating per person per item and dimension"
        )
    return out.reset_index(drop=True)


def load_long_format(path: str | Path, rename: dict[str, str] | None = None) -> pd.DataFrame:
    """Read ratings from a CSV or Parquet file in long format.

    Args:
        path: ``.csv`` (or ``.tsv``) or ``.parquet`` / ``.pq`` file.
        rename: optional map from the file's column names to item/rater/dimension/value.

    Raises:
        InputError: unreadable or unsupported file, or content that fails
            :func:`validate_long_format`.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv"):
            frame = pd.read_csv(
                path, sep="\t" if suffix == ".tsv" else ",", dtype={"item": str, "rater": str}
            )
        elif suffix in (".parquet", ".pq"):
            try:
                frame = pd.read_parquet(path)
            except ImportError as exc:
                raise InputError(
                    "reading Parquet needs pyarrow: install coalign[analysis]"
                ) from exc
        else:
            raise InputError(
                f"{path}: unsupported file type '{suffix}' (use .csv, .tsv or .parquet)"
            )
    except InputError:
        raise
    except Exception as exc:  # pandas/pyarrow raise many types for malformed files
        raise InputError(f"{path}: could not read ratings ({type(exc).__name__}: {exc})") from exc
    if rename:
        frame = frame.rename(columns=rename)
    return validate_long_format(frame, source=str(path))


def load_study_ratings(
    store: Store,
    study_slug: str,
    item_ids: Collection[str] | None = None,
    *,
    policy: ExclusionPolicy | None = None,
) -> pd.DataFrame:
    """A study's stored ratings with their item, rating and demographic columns, checked.

    Columns besides the required ones: the item's ``context``, the ``display_language`` each
    item was rated in, ``answer_<question>`` per item question of the study's campaigns, and
    every demographic answer; a context, language or answer column nobody has a value in is left
    out. Raters that ``policy``
    leaves out (by default: failed an attention check, rated too fast, did not finish; see
    :mod:`coalign.rating.exclusions`) are dropped, and who was left out and why is kept in
    ``frame.attrs["exclusions"]`` (an :class:`~coalign.rating.exclusions.Exclusions`) for the report.

    Args:
        store: the coalign store.
        study_slug: the study whose ratings to read.
        item_ids: only these items (e.g. one rating campaign's); all when ``None``.
        policy: whose ratings to leave out (default :class:`ExclusionPolicy`).

    Raises:
        NotFoundError: no such study.
        InputError: the study holds no ratings, the policy left out every rater, or the
            ratings fail :func:`validate_long_format`.
    """
    from coalign.rating.exclusions import EXCLUSIONS_ATTR, everyone_left_out, leave_out
    from coalign.store.ratings import detail_columns, ratings_long_format

    what = f"study {study_slug!r}"
    frame = ratings_long_format(
        store,
        study_slug,
        item_ids=item_ids,
        with_demographics=True,
        with_context=True,
        with_display_language=True,
        with_answers=True,
    )
    kept, exclusions = leave_out(store, frame, policy, study_slug=study_slug)
    if kept.empty and not frame.empty:
        raise everyone_left_out(exclusions, what)
    empty = [c for c in detail_columns(kept) if kept[c].isna().all()]
    checked = validate_long_format(kept.drop(columns=empty), source=what)
    checked.attrs[EXCLUSIONS_ATTR] = exclusions
    return checked


def load_campaign_ratings(
    store: Store, campaign: str | int, *, policy: ExclusionPolicy | None = None
) -> pd.DataFrame:
    """The stored ratings of one rating campaign, checked.

    Args:
        campaign: its name (``SLUG`` or ``STUDY/SLUG``) or its id.
        policy: whose ratings to leave out, judged by this campaign (default
            :class:`ExclusionPolicy`).

    Attention checks are left out; columns, exclusions and ``frame.attrs["exclusions"]`` are as
    in :func:`load_study_ratings`.

    Raises:
        NotFoundError: no such campaign.
        InputError: the campaign holds no ratings, the policy left out every rater, or the
            ratings fail :func:`validate_long_format`.
    """
    from coalign.rating.campaigns import campaign_item_ids, get_campaign, resolve_campaign
    from coalign.rating.exclusions import EXCLUSIONS_ATTR, everyone_left_out, leave_out
    from coalign.store.ratings import detail_columns, ratings_long_format

    stored = (
        get_campaign(store, campaign)
        if isinstance(campaign, int)
        else resolve_campaign(store, campaign)
    )
    study_slug = stored.campaign.study_slug
    what = f"campaign {stored.campaign.slug!r}"
    frame = ratings_long_format(
        store,
        study_slug,
        item_ids=campaign_item_ids(store, stored.id),
        with_demographics=True,
        with_context=True,
        with_display_language=True,
        with_answers=True,
    )
    kept, exclusions = leave_out(store, frame, policy, study_slug=study_slug, campaign_id=stored.id)
    if kept.empty and not frame.empty:
        raise everyone_left_out(exclusions, what)
    empty = [c for c in detail_columns(kept) if kept[c].isna().all()]
    checked = validate_long_format(kept.drop(columns=empty), source=what)
    checked.attrs[EXCLUSIONS_ATTR] = exclusions
    return checked
