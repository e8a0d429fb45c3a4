"""The analysis report page: tables and plots of an :class:`AnalysisResult`.

Built on the shared :class:`coalign.pages.Page` (self-contained HTML, figures
inline as SVG). For stored ratings it opens with who the exclusion policy left out, and why.  Plots: rating distributions per group, a coefficient forest
plot per dimension, a disagreement map and the co-occurrence matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coalign.analysis.small_groups import (
    MIN_GROUP_RATERS,
    group_labels,
    small_terms,
    suppress_terms,
)
from coalign.analysis.table1 import LEGEND
from coalign.pages.page import Page, Section, use_headless_backend
from coalign.rating.exclusions import EXCLUSION_REASONS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from coalign.analysis.clmm import ClmmResult
    from coalign.analysis.result import AnalysisResult
    from coalign.rating.exclusions import Exclusions

LAPLACE_CAVEAT = (
    "The mixed models use the Laplace approximation (as R's ordinal::clmm does for crossed random "
    "effects). With few ratings per participant per dimension it is least accurate; where that applies, "
    "a single-random-effect fit by adaptive Gauss–Hermite quadrature is shown as a check."
)


def _plt() -> Any:
    """``matplotlib.pyplot``, imported only once the headless backend is selected."""
    use_headless_backend()
    import matplotlib.pyplot as plt

    return plt


def _distribution_figure(
    ratings: pd.DataFrame, column: str, hidden: list[str] | None = None
) -> Figure:
    """Stacked shares of each rating level per group, one panel per dimension.

    Groups in ``hidden`` (too few raters to show) are left out.
    """
    plt = _plt()
    ratings = ratings[~group_labels(ratings[column]).isin(hidden or [])]
    fig: Figure
    dims = sorted(ratings["dimension"].unique())
    fig, axes = plt.subplots(
        1,
        len(dims),
        figsize=(3.2 * len(dims) + 1, 0.45 * ratings[column].nunique() + 1.5),
        squeeze=False,
        sharey=True,
    )
    for ax, dim in zip(axes[0], dims):
        sub = ratings[ratings.dimension == dim]
        share = pd.crosstab(
            sub[column].astype("string").fillna("(missing)"), sub["value"], normalize="index"
        )
        left = np.zeros(len(share))
        colors = plt.cm.RdYlBu_r(np.linspace(0.1, 0.9, share.shape[1]))
        for k, level in enumerate(share.columns):
            ax.barh(share.index, share[level], left=left, color=colors[k], label=f"{level:g}")
            left += share[level].to_numpy()
        ax.set_title(dim, fontsize=9)
        ax.set_xlim(0, 1)
        ax.tick_params(labelsize=8)
    axes[0][-1].legend(title="rating", fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left")
    fig.suptitle(f"Rating distribution by {column}", fontsize=10, y=1.04)
    return fig


def _forest_figure(model: ClmmResult, dim: str, hidden: set[str]) -> Figure:
    """The fixed-effect coefficients of one dimension's model with 95% intervals.

    Terms in ``hidden`` (small groups) are left out.
    """
    plt = _plt()
    fig: Figure
    coef = model.coefficients[~model.coefficients.term.isin(hidden)]
    fig, ax = plt.subplots(figsize=(6, 0.32 * len(coef) + 1.2))
    y = np.arange(len(coef))[::-1]
    ax.errorbar(coef.estimate, y, xerr=1.959964 * coef.se, fmt="o", color="#1f4e79", capsize=2)
    ax.axvline(0, color="#999", lw=1)
    ax.set_yticks(y, coef.term, fontsize=8)
    ax.set_xlabel("log odds of rating higher than the reference group (95% CI)")
    ax.set_title(dim, fontsize=10)
    return fig


def _disagreement_figure(stats: pd.DataFrame) -> Figure:
    """Mean rating against entropy per item, coloured by the share of extreme splits."""
    plt = _plt()
    fig: Figure
    dims = sorted(stats["dimension"].unique())
    fig, axes = plt.subplots(1, len(dims), figsize=(3.2 * len(dims), 3), squeeze=False, sharey=True)
    for ax, dim in zip(axes[0], dims):
        sub = stats[stats.dimension == dim]
        points = ax.scatter(
            sub["mean"],
            sub["entropy"],
            c=sub["extreme_split"],
            cmap="magma_r",
            s=10,
            vmin=0,
            vmax=0.5,
        )
        ax.set_title(dim, fontsize=9)
        ax.set_xlabel("mean rating", fontsize=8)
        ax.tick_params(labelsize=8)
    axes[0][0].set_ylabel("entropy (0 unanimous, 1 spread)", fontsize=8)
    fig.colorbar(points, ax=axes[0].tolist(), label="share of extreme splits")
    return fig


def _matrix_figure(matrix: pd.DataFrame, threshold: float) -> Figure:
    """The co-occurrence matrix as a heat map with its values written in."""
    plt = _plt()
    fig: Figure
    fig, ax = plt.subplots(figsize=(1.1 * len(matrix) + 2, 1.0 * len(matrix) + 1.5))
    values = matrix.to_numpy(dtype=float)
    im = ax.imshow(values, cmap="Purples", vmin=0, vmax=max(np.nanmax(values), 1e-9))
    ax.set_xticks(range(len(matrix)), matrix.columns, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(matrix)), matrix.index, fontsize=8)
    for i in range(len(matrix)):
        for j in range(len(matrix)):
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=7)
    fig.colorbar(im, label=f"share of rating pairs >= {threshold:g} on both")
    return fig


def _model_section(section: Section, dim: str, result: AnalysisResult) -> None:
    model = result.models[dim]
    sds = ", ".join(f"{k} {v:.3f}" for k, v in model.random_sd.items())
    section.paragraph(
        f"{dim}: {model.n_ratings} ratings, method {model.method}; random-intercept SDs: {sds}; "
        f"log-likelihood {model.loglik:.2f}, AIC {model.aic:.1f}; converged: {model.diagnostics.converged} "
        f"(max |gradient| {model.diagnostics.max_abs_gradient:.1e}, {model.diagnostics.seconds:.1f} s)."
    )
    if model.dropped:
        section.note(
            "Left out: " + "; ".join(f"{k}: {v} ratings" for k, v in model.dropped.items())
        )
    for note in model.notes:
        section.note(note)
    hidden = result.small_groups
    table = suppress_terms(model.coefficients, hidden)[
        ["term", "estimate", "se", "z", "p", "odds_ratio", "pct_more_likely_higher"]
    ]
    section.table(
        _blank(table),
        caption=f"{dim}: fixed effects (reference levels: "
        + ", ".join(f"{c}={lv[0]}" for c, lv in model.fixed_levels.items())
        + ")",
    )
    shown = set(model.coefficients.term) - small_terms(hidden)
    if shown:
        section.figure(_forest_figure(model, dim, small_terms(hidden)))
    check = result.quadrature_checks.get(dim)
    if check is not None:
        merged = suppress_terms(model.coefficients, hidden)[["term", "estimate"]].merge(
            suppress_terms(check.coefficients, hidden)[["term", "estimate"]],
            on="term",
            suffixes=("_laplace", "_agq_rater_only"),
        )
        section.table(
            merged,
            caption=f"{dim}: check against adaptive quadrature with (1|rater) only "
            f"(rater SD {check.random_sd.get('rater', float('nan')):.3f})",
        )
    fixed = result.fixed_comparison.get(dim)
    if fixed is not None:
        section.table(
            _blank(suppress_terms(fixed, hidden)),
            caption=f"{dim}: statsmodels OrderedModel without random effects (for comparison; "
            "its standard errors ignore that people rate many items)",
        )


def _exclusions_section(section: Section, exclusions: Exclusions) -> None:
    """The exclusion policy, how many raters it left out per reason, and who and why."""
    policy = exclusions.policy
    section.paragraph(
        f"Exclusion policy: {policy.describe()}. Of {exclusions.raters} raters with stored "
        f"ratings, {len(exclusions.left_out)} were left out of this analysis (a rater may have "
        "several reasons; each counts once per reason). The store keeps their ratings; "
        "`coalign analyze --include REASON` keeps them."
    )
    counts: list[dict[str, object]] = [
        {
            "reason": reason,
            "raters left out": exclusions.by_reason.get(reason, 0),
            "flagged but kept (--include)": exclusions.kept_flagged.get(reason, 0),
        }
        for reason in EXCLUSION_REASONS
    ]
    counts.append(
        {
            "reason": "total (each rater once)",
            "raters left out": len(exclusions.left_out),
            "flagged but kept (--include)": exclusions.kept_flagged_raters,
        }
    )
    section.table(pd.DataFrame(counts), caption="Raters left out by reason")
    if exclusions.left_out:
        section.table(
            pd.DataFrame(
                [{"rater": r.rater, "reasons": ", ".join(r.reasons)} for r in exclusions.left_out]
            ),
            caption="Who was left out, and why",
            max_rows=len(exclusions.left_out),
        )


def build_report(result: AnalysisResult, ratings: pd.DataFrame | None = None) -> Page:
    """Assemble the analysis page.

    Args:
        result: what :func:`coalign.analysis.service.run_analysis` returned.
        ratings: the long-format ratings, for the distribution plots (optional).
    """
    page = Page(
        "Pluralistic rating analysis",
        f"{result.n_ratings} ratings by {result.n_raters} raters on {result.n_items} items; "
        f"dimensions: {', '.join(result.dimensions)}.",
    )
    if result.exclusions is not None:
        _exclusions_section(page.section("Exclusions"), result.exclusions)
    _data_section(page, result)
    sec = page.section("Agreement")
    sec.paragraph(
        "Krippendorff's alpha (ordinal), overall and among raters who share a demographic trait; "
        "95% bootstrap intervals over items."
    )
    _small_groups_note(sec, result)
    sec.table(
        _blank(result.agreement)[
            [
                "dimension",
                "group",
                "level",
                "alpha",
                "ci_low",
                "ci_high",
                "n_items",
                "n_ratings",
                "n_raters",
            ]
        ]
    )
    if ratings is not None:
        sec = page.section("Rating distributions")
        _small_groups_note(sec, result)
        for col in result.demographics:
            hidden = result.small_groups.get(col, [])
            if set(group_labels(ratings[col])) - set(hidden):
                sec.figure(_distribution_figure(ratings, col, hidden))
    sec = page.section("Effects on ratings")
    sec.note(LAPLACE_CAVEAT)
    _table1(sec, result)
    for dim in result.dimensions:
        if dim in result.models:
            _model_section(sec, dim, result)
        elif dim in result.model_errors:
            sec.note(f"{dim}: no model fitted — {result.model_errors[dim]}", kind="error")
    sec = page.section("Disagreement")
    sec.paragraph(
        "Each point is an item: its mean rating, the entropy of its ratings and the share of rater "
        "pairs at opposite ends of the scale."
    )
    if len(result.disagreement):
        sec.figure(_disagreement_figure(result.disagreement))
    if len(result.most_disagreed):
        sec.table(
            result.most_disagreed, caption="Items people disagree on most, and the widest group gap"
        )
    sec = page.section("Conflicting values")
    thr = result.options.high_threshold
    sec.paragraph(
        f"How often the same person rates the same item at or above {thr:g} on two dimensions at once."
    )
    if len(result.conflict_matrix) > 1:
        sec.figure(_matrix_figure(result.conflict_matrix, thr))
    if len(result.conflicts):
        sec.table(_blank(result.conflicts))
    sec = page.section("Files")
    for name, path in sorted(result.files.items()):
        sec.link(path.name, f"{name} ({path.name})")
    return page


# ---------------------------------------------------------------- columns, subsets, Table 1


def _blank(table: pd.DataFrame) -> pd.DataFrame:
    """Missing statistics shown as empty cells rather than "nan"."""
    return table.astype(object).where(table.notna(), "")


LEVEL_MEANING = {
    "rater": "constant for each rater (a demographic: agreement and disagreement by group)",
    "item": "constant for each item (e.g. the context a response was produced under)",
    "rating": "varies within raters and items (e.g. the language a rating was given in)",
}


def _data_section(page: Page, result: AnalysisResult) -> None:
    """Which ratings were analysed (filters, merges) and each column's level and role."""
    sec = page.section("Data")
    opts = result.options
    if opts.where:
        sec.paragraph(
            "Only ratings where "
            + " and ".join(f"{col} is {' or '.join(vals)}" for col, vals in opts.where.items())
            + "."
        )
    if opts.merges:
        sec.rows(
            ["column", "merged level", "from levels"],
            [
                [col, new, ", ".join(old)]
                for col, mapping in opts.merges.items()
                for new, old in mapping.items()
            ],
            caption="Levels merged before the analysis",
        )
    random = set(opts.random)
    rows = []
    for col, level in result.column_levels.items():
        roles = [
            role
            for role, used in (
                ("demographic", col in result.demographics),
                ("fixed effect", col in result.fixed_effects),
                ("random intercept", col in random),
            )
            if used
        ]
        rows.append([col, level, ", ".join(roles) or "not used", LEVEL_MEANING[level]])
    if rows:
        sec.rows(["column", "level", "used as", "level means"], rows, caption="Columns")
    sec.paragraph(
        "Random intercepts: " + " + ".join(f"(1|{g})" for g in opts.random) + "."
        if opts.random
        else "No random intercepts (fixed-effects model)."
    )


def _small_groups_note(sec: Section, result: AnalysisResult) -> None:
    if result.small_groups:
        listed = "; ".join(f"{col}: {', '.join(lv)}" for col, lv in result.small_groups.items())
        sec.note(
            f"Groups with fewer than {MIN_GROUP_RATERS} raters are shown as "
            f'"<{MIN_GROUP_RATERS}" without statistics ({listed}); an admin can show them '
            "(--show-small-groups)."
        )


def _table1(sec: Section, result: AnalysisResult) -> None:
    """The dimensions × terms grid of effect directions and significance."""
    if not len(result.table1):
        return
    sec.table(
        result.table1,
        caption="Table 1: effects on each dimension (" + LEGEND + "); also in table1.csv",
    )
