"""What an analysis is asked to compute (:class:`AnalysisOptions`) and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from coalign.analysis.clmm import ClmmResult
from coalign.analysis.design import PreferNotToSay
from coalign.rating.exclusions import Exclusions


@dataclass
class AnalysisOptions:
    """What to analyse and how.

    Attributes:
        demographics: columns to break results down by (default: every non-core column).
        model_demographics: fixed effects of the mixed model (default: ``demographics``).
        reference: reference level per demographic column (default: most frequent).
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
    """

    demographics: list[str] | None = None
    model_demographics: list[str] | None = None
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


@dataclass
class AnalysisResult:
    """Everything ``analyze`` computed; ``files`` lists what it wrote.

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
    exclusions: Exclusions | None = None

    def summary(self) -> dict[str, Any]:
        """JSON-ready overview (the tables are in their own files)."""
        return {
            "n_ratings": self.n_ratings,
            "n_raters": self.n_raters,
            "n_items": self.n_items,
            "dimensions": self.dimensions,
            "demographics": self.demographics,
            "models": {d: m.to_dict() for d, m in self.models.items()},
            "quadrature_checks": {d: m.to_dict() for d, m in self.quadrature_checks.items()},
            "model_errors": self.model_errors,
            "exclusions": self.exclusions.facts() if self.exclusions else None,
            "options": {k: v for k, v in self.options.__dict__.items()},
        }
