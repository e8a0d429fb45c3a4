"""``analyze``: the whole pluralistic analysis of a rating set, written to a folder.

One call computes agreement, disagreement, conflicting values and one ordinal
mixed model per dimension, then writes ``report.html`` plus JSON/CSV tables —
what ``coalign analyze`` and the facilitator dashboard show.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coalign.analysis.agreement import agreement_table
from coalign.analysis.clmm import fit_clmm
from coalign.analysis.conflicts import co_occurrence, co_occurrence_matrix
from coalign.analysis.data import (
    ColumnLevel,
    check_demographics,
    column_levels,
    covariate_columns,
    load_campaign_ratings,
    validate_long_format,
)
from coalign.analysis.disagreement import item_disagreement, most_disagreed
from coalign.analysis.fixed import fit_ordered_fixed
from coalign.analysis.report import build_report
from coalign.analysis.result import AnalysisOptions, AnalysisResult
from coalign.analysis.selection import apply_filters, apply_merges
from coalign.analysis.small_groups import (
    small_groups,
    small_terms,
    suppress_groups,
    suppress_terms,
)
from coalign.analysis.table1 import effects_grid
from coalign.core.errors import InputError
from coalign.core.spreadsheet import inert_frame
from coalign.rating.exclusions import EXCLUSIONS_ATTR, Exclusions

if TYPE_CHECKING:
    from coalign.store import Store


def _fit_dimension(
    sub: pd.DataFrame, dim: str, opts: AnalysisOptions, fixed: list[str], result: AnalysisResult
) -> None:
    try:
        model = fit_clmm(
            sub,
            fixed,
            list(opts.random),
            opts.reference,
            opts.prefer_not_to_say,
            opts.method,
            dimension=dim,
        )
    except InputError as exc:
        if opts.on_model_error == "raise":
            raise
        result.model_errors[dim] = str(exc)
        return
    result.models[dim] = model
    reference = {col: levels[0] for col, levels in model.fixed_levels.items()}
    laplace_doubtful = any("Laplace" in note for note in model.notes)
    if (
        opts.quadrature_check
        and opts.method == "laplace"
        and laplace_doubtful
        and "rater" in opts.random
    ):
        result.quadrature_checks[dim] = fit_clmm(
            sub, fixed, ["rater"], reference, opts.prefer_not_to_say, "agq", dimension=dim
        )
    if opts.compare_fixed and fixed:
        result.fixed_comparison[dim] = fit_ordered_fixed(
            sub, fixed, reference, opts.prefer_not_to_say, dim
        )


def select_ratings(frame: pd.DataFrame, options: AnalysisOptions) -> pd.DataFrame:
    """The ratings an analysis reads: checked, levels merged, then filtered.

    Raises:
        InputError: malformed ratings, or a merge or filter that does not fit them.
    """
    frame = validate_long_format(frame)
    frame.attrs.clear()  # pandas would deep-copy the loaders' attrs into every derived frame
    frame = apply_merges(frame, options.merges)
    return apply_filters(frame, options.where)


def _model_columns(
    frame: pd.DataFrame, opts: AnalysisOptions
) -> tuple[list[str], list[str], dict[str, ColumnLevel]]:
    """Demographics, fixed effects and every column's level, checked against the frame."""
    levels = column_levels(frame)
    if opts.demographics is not None:
        check_demographics(frame, opts.demographics)
        demographics = list(opts.demographics)
    else:
        demographics = [c for c, level in levels.items() if level == "rater"]
    random = list(opts.random)
    unknown = sorted(set(random) - set(frame.columns))
    if unknown:
        raise InputError(
            f"unknown random-intercept column(s) {unknown} (have item, rater and "
            f"{covariate_columns(frame)})"
        )
    if opts.fixed_effects is not None:
        fixed = list(opts.fixed_effects)
        unknown = sorted(set(fixed) - set(covariate_columns(frame)))
        if unknown:
            raise InputError(
                f"unknown fixed-effect column(s) {unknown} (have {covariate_columns(frame)})"
            )
    else:
        # By default every column that can explain a difference: one with a single
        # level (say, after a filter) is left out rather than failing every model, and
        # so is an item-level column with a level per item (another name for the item).
        others = [c for c, level in levels.items() if level != "rater"]
        n_items = frame["item"].nunique()
        fixed = [
            c
            for c in [*demographics, *others]
            if c not in random
            and frame[c].nunique(dropna=True) > 1
            and not (levels[c] == "item" and frame[c].nunique(dropna=True) == n_items)
        ]
    return demographics, fixed, levels


def run_analysis(frame: pd.DataFrame, options: AnalysisOptions | None = None) -> AnalysisResult:
    """Compute every table and model, writing nothing.

    Args:
        frame: long-format ratings (see :mod:`coalign.analysis.data`).
        options: what to compute.

    Raises:
        InputError: malformed ratings, unknown columns, a demographic that varies within a
            rater, a merge or filter that does not fit, or (with ``on_model_error="raise"``)
            a dimension whose model cannot be fitted.
    """
    opts = options or AnalysisOptions()
    exclusions = frame.attrs.get(EXCLUSIONS_ATTR)  # set by the store's loaders
    return _analyse_selected(select_ratings(frame, opts), opts, exclusions)


def _analyse_selected(
    frame: pd.DataFrame, opts: AnalysisOptions, exclusions: Exclusions | None = None
) -> AnalysisResult:
    """:func:`run_analysis` on ratings :func:`select_ratings` already returned; ``exclusions``
    says whom the store's loader left out (``None`` for ratings from a file)."""
    demographics, fixed, levels = _model_columns(frame, opts)
    rater_level = [c for c, level in levels.items() if level == "rater"]
    hidden = {} if opts.show_small_groups else small_groups(frame, rater_level)
    dimensions = sorted(frame["dimension"].unique())
    result = AnalysisResult(
        options=opts,
        n_ratings=len(frame),
        n_raters=frame["rater"].nunique(),
        n_items=frame["item"].nunique(),
        dimensions=dimensions,
        demographics=demographics,
        agreement=suppress_groups(
            agreement_table(frame, demographics, opts.n_boot, opts.seed), hidden, "n_raters"
        ),
        disagreement=item_disagreement(frame),
        most_disagreed=most_disagreed(frame, demographics, opts.top_items, hidden=hidden),
        conflicts=suppress_groups(
            co_occurrence(frame, opts.conflict_pairs, opts.high_threshold, demographics),
            hidden,
            "n_raters",
        )
        if len(dimensions) > 1
        else pd.DataFrame(),
        conflict_matrix=co_occurrence_matrix(frame, opts.high_threshold),
        column_levels=levels,
        fixed_effects=fixed,
        small_groups=hidden,
        exclusions=exclusions,
    )
    for dim in dimensions:
        _fit_dimension(frame[frame.dimension == dim], dim, opts, fixed, result)
    result.table1 = effects_grid(result.models, small_terms(hidden))
    return result


def _json_default(value: object) -> object:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, (Path, tuple)):
        return str(value) if isinstance(value, Path) else list(value)
    return str(value)


def write_tables(result: AnalysisResult, out_dir: Path) -> dict[str, Path]:
    """Write the CSV and JSON tables; returns name -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    tables = {
        "agreement": result.agreement,
        "item_disagreement": result.disagreement,
        "most_disagreed": result.most_disagreed,
        "conflicts": result.conflicts,
        "conflict_matrix": result.conflict_matrix.reset_index(names="dimension"),
    }
    hidden = result.small_groups
    coef = [
        suppress_terms(m.coefficients, hidden).assign(dimension=d, model=m.method)
        for d, m in result.models.items()
    ]
    coef += [
        suppress_terms(m.coefficients, hidden).assign(dimension=d, model="agq (1|rater)")
        for d, m in result.quadrature_checks.items()
    ]
    coef += [
        suppress_terms(f, hidden).assign(dimension=d, model="fixed (statsmodels)")
        for d, f in result.fixed_comparison.items()
    ]
    if coef:
        tables["coefficients"] = pd.concat(coef, ignore_index=True)
        tables["thresholds"] = pd.concat(
            [m.thresholds.assign(dimension=d) for d, m in result.models.items()], ignore_index=True
        )
    if len(result.table1):
        tables["table1"] = result.table1
    for name, table in tables.items():
        path = out_dir / f"{name}.csv"
        inert_frame(table).to_csv(path, index=False)
        files[name] = path
    path = out_dir / "summary.json"
    path.write_text(json.dumps(result.summary(), indent=2, default=_json_default), encoding="utf-8")
    files["summary"] = path
    return files


def analyze(
    frame: pd.DataFrame, options: AnalysisOptions | None = None, out_dir: str | Path = "analysis"
) -> AnalysisResult:
    """Run the analysis and write ``report.html`` plus CSV/JSON tables into ``out_dir``.

    Args:
        frame: long-format ratings.
        options: what to compute.
        out_dir: folder to write (created if needed; existing files of the same names are replaced).

    Returns:
        The result, with ``files`` naming everything written.
    """
    out = Path(out_dir)
    options = options or AnalysisOptions()
    exclusions = frame.attrs.get(EXCLUSIONS_ATTR)
    frame = select_ratings(frame, options)
    result = _analyse_selected(frame, options, exclusions)
    try:
        result.files = write_tables(result, out)
    except OSError as exc:
        raise InputError(f"cannot write analysis to {out}: {exc}") from exc
    result.files["report"] = build_report(result, frame).write(out / "report.html")
    return result


def campaign_report(store: Store, campaign_id: int, options: AnalysisOptions | None = None) -> str:
    """The analysis report of one rating campaign as a self-contained HTML page.

    Raises:
        NotFoundError: no such campaign.
        InputError: the campaign holds no usable ratings yet.
    """
    import tempfile

    frame = load_campaign_ratings(store, campaign_id)
    with tempfile.TemporaryDirectory(prefix="coalign-analysis-") as folder:
        result = analyze(frame, options or AnalysisOptions(n_boot=200), folder)
        return result.files["report"].read_text(encoding="utf-8")
