"""Pluralistic analysis of ratings: agreement, ordinal mixed models, conflicting values, disagreement.

Everything reads long-format ratings (one row per item × rater × dimension with
covariate columns at the rater, item or rating level, see :func:`column_levels`); :func:`analyze` runs the lot and writes a report.
Needs the ``analysis`` extra (numpy, scipy, pandas, statsmodels, krippendorff,
pyarrow, matplotlib).
"""

from coalign.analysis.agreement import agreement_table, krippendorff_alpha
from coalign.analysis.clmm import ClmmResult, fit_clmm
from coalign.analysis.conflicts import co_occurrence, co_occurrence_matrix
from coalign.analysis.data import (
    column_levels,
    load_campaign_ratings,
    load_long_format,
    load_study_ratings,
    validate_long_format,
)
from coalign.analysis.disagreement import item_disagreement, most_disagreed
from coalign.analysis.fixed import fit_ordered_fixed
from coalign.analysis.result import AnalysisOptions, AnalysisResult
from coalign.analysis.service import analyze, run_analysis
from coalign.analysis.simulate import SimulationSpec, simulate_ratings

__all__ = [
    "AnalysisOptions",
    "AnalysisResult",
    "ClmmResult",
    "SimulationSpec",
    "agreement_table",
    "analyze",
    "co_occurrence",
    "co_occurrence_matrix",
    "column_levels",
    "fit_clmm",
    "fit_ordered_fixed",
    "item_disagreement",
    "krippendorff_alpha",
    "load_campaign_ratings",
    "load_long_format",
    "load_study_ratings",
    "most_disagreed",
    "run_analysis",
    "simulate_ratings",
    "validate_long_format",
]
