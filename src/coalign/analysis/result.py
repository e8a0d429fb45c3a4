"""What an analysis is asked to compute (:class:`AnalysisOptions`) and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from coalign.analysis.clmm import ClmmResult
from coalign.analysis.data import ColumnLevel
from coalign.analysis.design import PreferNotToSay
from coalign.analysis.selection import Filters, Merges
from coalign.analysis.small_groups import SmallGroups, suppress_terms
from coalign.rating.exclusions import Exclusions


@dataclass
class AnalysisOptions:
    """What to analyse and how.

    Attributes:
        demographics: columns to break results down by (default: every rater-level column);
            each must be constant for each rater.
        fixed_effects: fixed effects of the mixed model, any level (default: ``demographics``
            plus every item- and rating-level column, less the random-intercept columns
            and columns with a single level or, at the item level, one level per item).
        reference: reference level per fixed-effect column (default: most frequent).
        prefer_not_to_say: ``"drop"`` such answers with a count, or keep them as a ``"level"``.
        random: grouping columns with random intercepts.
        method: ``"laplace"`` or ``"agq"`` (single random intercept only).
        quadrature_check: also fit ``(1|rater)`` by adaptive quadrature when the Laplace
            approximation is doubtful (few ratings per rater).
        compare_fixed: add a statsmodels ``OrderedModel`` fit without random effects.
        high_threshold: rating at or above which a dimension counts as "high".
        conflict_pairs: dimension pairs to check (default: all).
        n_boot: bootstrap resamples for agreement intervals.
        top_items: most-disagreed items listed per dimension.
        on_model_error: ``"record"`` a dimension whose model cannot be fitted (the report
            says why) or ``"raise"`` the :class:`InputError`.
        seed: bootstrap seed.
        where: keep only ratings whose column takes one of the listed values
            (``{column: [value, ...]}``, every column must match); applied after ``merges``.
        merges: relabel levels before anything else, ``{column: {new_level: [old_level, ...]}}``.
        show_small_groups: show statistics of demographic groups with fewer than five
            raters (hidden as ``"<5"`` by default).
    """

    demographics: list[str] | None = None
    fixed_effects: list[str] | None = None
    reference: dict[str, str] = field(default_factory=dict)
    prefer_not_to_say: PreferNotToSay = "drop"
    random: tuple[str, ...] = ("rater", "item")
    method: Literal["laplace", "agq"] = "laplace"
    quadrature_check: bool = True
    compare_fixed: bool = True
    high_threshold: float = 4.0
    conflict_pairs: list[tuple[str, str]] | None = None
    n_boot: int = 500
    top_items: int = 10
    on_model_error: Literal["record", "raise"] = "record"
    seed: int = 0
    where: Filters = field(default_factory=dict)
    merges: Merges = field(default_factory=dict)
    show_small_groups: bool = False


@dataclass
class AnalysisResult:
    """Everything ``analyze`` computed; ``files`` lists what it wrote.

    ``column_levels`` gives each covariate's level (rater / item / rating),
    ``fixed_effects`` the mixed model's fixed-effect columns, ``small_groups`` the
    demographic groups with fewer than five raters hidden from every output (empty
    with ``show_small_groups``), ``table1`` the dimensions × terms
    grid of effect directions and significance.
    ``exclusions`` says whom the exclusion policy left out of stored ratings, and why (``None``
    for ratings read from a file, where coalign knows of no checks).
    """

    options: AnalysisOptions
    n_ratings: int
    n_raters: int
    n_items: int
    dimensions: list[str]
    demographics: list[str]
    agreement: pd.DataFrame
    disagreement: pd.DataFrame
    most_disagreed: pd.DataFrame
    conflicts: pd.DataFrame
    conflict_matrix: pd.DataFrame
    models: dict[str, ClmmResult] = field(default_factory=dict)
    quadrature_checks: dict[str, ClmmResult] = field(default_factory=dict)
    fixed_comparison: dict[str, pd.DataFrame] = field(default_factory=dict)
    model_errors: dict[str, str] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    column_levels: dict[str, ColumnLevel] = field(default_factory=dict)
    fixed_effects: list[str] = field(default_factory=list)
    small_groups: SmallGroups = field(default_factory=dict)
    table1: pd.DataFrame = field(default_factory=pd.DataFrame)
    exclusions: Exclusions | None = None

    def summary(self) -> dict[str, Any]:
        """JSON-ready overview (the tables are in their own files)."""
        return {
            "n_ratings": self.n_ratings,
            "n_raters": self.n_raters,
            "n_items": self.n_items,
            "dimensions": self.dimensions,
            "demographics": self.demographics,
            "models": {d: self._shown(m) for d, m in self.models.items()},
            "quadrature_checks": {d: self._shown(m) for d, m in self.quadrature_checks.items()},
            "model_errors": self.model_errors,
            "exclusions": self.exclusions.facts() if self.exclusions else None,
            "options": {k: v for k, v in self.options.__dict__.items()},
            "column_levels": self.column_levels,
            "fixed_effects": self.fixed_effects,
            "where": self.options.where,
            "merges": self.options.merges,
            "small_groups_hidden": self.small_groups,
        }

    def _shown(self, model: ClmmResult) -> dict[str, Any]:
        """A model's summary with the terms of hidden small groups blanked."""
        out = model.to_dict()
        out["coefficients"] = suppress_terms(model.coefficients, self.small_groups).to_dict(
            orient="records"
        )
        return out
