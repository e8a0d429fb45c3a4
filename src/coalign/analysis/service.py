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
from coalign.analysis.data import demographic_columns, load_campaign_ratings, validate_long_format
from coalign.analysis.disagreement import item_disagreement, most_disagreed
from coalign.analysis.fixed import fit_ordered_fixed
from coalign.analysis.report import build_report
from coalign.analysis.result import AnalysisOptions, AnalysisResult
from coalign.core.errors import InputError
from coalign.core.spreadsheet import inert_frame
from coalign.rating.exclusions import EXCLUSIONS_ATTR

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


def run_analysis(frame: pd.DataFrame, options: AnalysisOptions | None = None) -> AnalysisResult:
    """Compute every table and model, writing nothing.

    Args:
        frame: long-format ratings (see :mod:`coalign.analysis.data`).
        options: what to compute.

    Raises:
        InputError: malformed ratings, unknown columns, or (with ``on_model_error="raise"``)
            a dimension whose model cannot be fitted.
    """
    opts = options or AnalysisOptions()
    exclusions = frame.attrs.get(EXCLUSIONS_ATTR)  # set by the store's loaders
    frame = validate_long_format(frame)
    frame.attrs.clear()  # pandas would deep-copy it into every frame derived from this one
    demographics = (
        opts.demographics if opts.demographics is not None else demographic_columns(frame)
    )
    fixed = opts.model_demographics if opts.model_demographics is not None else demographics
    unknown = sorted((set(demographics) | set(fixed)) - set(frame.columns))
    if unknown:
        raise InputError(
            f"unknown demographic column(s) {unknown} (have {demographic_columns(frame)})"
        )
    dimensions = sorted(frame["dimension"].unique())
    result = AnalysisResult(
        options=opts,
        n_ratings=len(frame),
        n_raters=frame["rater"].nunique(),
        n_items=frame["item"].nunique(),
        dimensions=dimensions,
        demographics=demographics,
        agreement=agreement_table(frame, demographics, opts.n_boot, opts.seed),
        disagreement=item_disagreement(frame),
        most_disagreed=most_disagreed(frame, demographics, opts.top_items),
        conflicts=co_occurrence(frame, opts.conflict_pairs, opts.high_threshold, demographics)
        if len(dimensions) > 1
        else pd.DataFrame(),
        conflict_matrix=co_occurrence_matrix(frame, opts.high_threshold),
        exclusions=exclusions,
    )
    for dim in dimensions:
        _fit_dimension(frame[frame.dimension == dim], dim, opts, fixed, result)
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
    coef = [m.coefficients.assign(dimension=d, model=m.method) for d, m in result.models.items()]
    coef += [
        m.coefficients.assign(dimension=d, model="agq (1|rater)")
        for d, m in result.quadrature_checks.items()
    ]
    coef += [
        f.assign(dimension=d, model="fixed (statsmodels)")
        for d, f in result.fixed_comparison.items()
    ]
    if coef:
        tables["coefficients"] = pd.concat(coef, ignore_index=True)
        tables["thresholds"] = pd.concat(
            [m.thresholds.assign(dimension=d) for d, m in result.models.items()], ignore_index=True
        )
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
    frame = validate_long_format(frame)
    result = run_analysis(frame, options)
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
