"""Validation: diversity metrics, sensibility checks, filters with recorded reasons, propagation figures.

Heavy parts (spaCy, sentence-transformers, datasketch) load on first use; install them with
``coalign[validation]``.
"""

from coalign.validation.metrics.distributions import jensen_shannon, label_counts, length_stats
from coalign.validation.metrics.duplicates import (
    DuplicateResult,
    DuplicateSettings,
    near_duplicate_clusters,
)
from coalign.validation.metrics.embeddings import (
    Embedder,
    MiniLMEmbedder,
    mean_pairwise_cosine,
    semantic_diversity,
)
from coalign.validation.metrics.forms import form_counts, question_format, question_kind
from coalign.validation.metrics.lexical import compression_ratio, distinct_n, lexical_diversity
from coalign.validation.metrics.profile import (
    QuestionProfile,
    QuestionSet,
    ResponseProfile,
    ResponseSet,
    describe_questions,
    describe_responses,
)
from coalign.validation.metrics.verbnoun import (
    VerbNoun,
    VerbNounStats,
    extract_pairs,
    sunburst,
    verb_noun_stats,
)
from coalign.validation.report.propagation import PropagationFigures, compare_question_profiles
from coalign.validation.rules.apply import (
    ValidationResult,
    accepted,
    rejected_ids,
    validate_records,
)
from coalign.validation.rules.config import (
    DEFAULT_FILTERS,
    FilterConfigError,
    build_filters,
    default_filters,
    load_filters,
    make_filter,
)
from coalign.validation.rules.registry import RULES, ConfiguredFilter, Filter, FilterContext

__all__ = [
    "DEFAULT_FILTERS",
    "RULES",
    "ConfiguredFilter",
    "DuplicateResult",
    "DuplicateSettings",
    "Embedder",
    "Filter",
    "FilterConfigError",
    "FilterContext",
    "MiniLMEmbedder",
    "PropagationFigures",
    "QuestionProfile",
    "QuestionSet",
    "ResponseProfile",
    "ResponseSet",
    "ValidationResult",
    "VerbNoun",
    "VerbNounStats",
    "accepted",
    "build_filters",
    "compare_question_profiles",
    "compression_ratio",
    "default_filters",
    "describe_questions",
    "describe_responses",
    "distinct_n",
    "extract_pairs",
    "form_counts",
    "jensen_shannon",
    "label_counts",
    "length_stats",
    "lexical_diversity",
    "load_filters",
    "make_filter",
    "mean_pairwise_cosine",
    "near_duplicate_clusters",
    "question_format",
    "question_kind",
    "rejected_ids",
    "semantic_diversity",
    "sunburst",
    "validate_records",
    "verb_noun_stats",
]
