"""Every metric of a set of questions or responses in one typed profile.

Inputs are plain lists (texts plus labels), so the same code describes seed questions, a
generation run, or a filtered subset. Profiles of two sets are compared by
:func:`coalign.validation.report.propagation.compare_question_profiles`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field, model_validator

from coalign.core.errors import InputError
from coalign.validation.metrics.distributions import (
    LengthStats,
    TokenCounter,
    binned,
    count_tokens,
    label_counts,
    length_stats,
    lengths,
)
from coalign.validation.metrics.duplicates import DuplicateSettings, near_duplicate_clusters
from coalign.validation.metrics.embeddings import Embedder, semantic_diversity
from coalign.validation.metrics.forms import form_counts
from coalign.validation.metrics.lexical import lexical_diversity
from coalign.validation.metrics.verbnoun import (
    VerbNounStats,
    extract_pairs,
    sunburst,
    verb_noun_stats,
)


class QuestionSet(BaseModel):
    """Questions with their topic and question-type labels (labels may be missing)."""

    texts: list[str]
    topics: list[str | None] | None = None
    question_types: list[str | None] | None = None

    @model_validator(mode="after")
    def _aligned(self) -> QuestionSet:
        for name in ("topics", "question_types"):
            labels = getattr(self, name)
            if labels is not None and len(labels) != len(self.texts):
                raise ValueError(f"{name} has {len(labels)} labels for {len(self.texts)} texts")
        return self


class ResponseSet(BaseModel):
    """Misaligned responses, critiques and aligned rewrites, one triple per position."""

    misaligned: list[str]
    aligned: list[str]
    critiques: list[str] | None = None
    dimensions: list[str | None] | None = None

    @model_validator(mode="after")
    def _aligned(self) -> ResponseSet:
        n = len(self.misaligned)
        for name in ("aligned", "critiques", "dimensions"):
            values = getattr(self, name)
            if values is not None and len(values) != n:
                raise ValueError(f"{name} has {len(values)} entries for {n} misaligned responses")
        return self


class QuestionProfile(BaseModel):
    """Diversity metrics of one question set."""

    n: int
    formats: dict[str, int]
    kinds: dict[str, int]
    topics: dict[str, int]
    question_types: dict[str, int]
    verb_noun: VerbNounStats | None = None
    sunburst: list[dict[str, Any]] = Field(default_factory=list)
    verbs: dict[str, int] = Field(default_factory=dict)
    length: LengthStats
    length_bins: dict[str, int]
    lexical: dict[str, float]
    semantic: dict[str, Any] | None = None
    near_duplicates: dict[str, Any] | None = None


class ResponseProfile(BaseModel):
    """Length and diversity metrics of a response set, per field."""

    n: int
    lengths: dict[str, LengthStats]
    length_bins: dict[str, dict[str, int]]
    lexical: dict[str, dict[str, float]]
    semantic: dict[str, dict[str, Any]] = Field(default_factory=dict)
    dimensions: dict[str, int] = Field(default_factory=dict)


def describe_questions(
    questions: QuestionSet,
    *,
    embedder: Embedder | None = None,
    parse: bool = True,
    duplicates: bool = True,
    tokenizer: TokenCounter = count_tokens,
    semantic_sample: int | None = 2000,
    duplicate_settings: DuplicateSettings | None = None,
) -> QuestionProfile:
    """Compute every question metric.

    Args:
        questions: the set to describe.
        embedder: for semantic diversity and duplicate confirmation; ``None`` skips semantic
            diversity and confirms duplicates by MinHash Jaccard alone.
        parse: run spaCy for verb–noun structure.
        duplicates: look for near-duplicate clusters.
        tokenizer: token counter for lengths (the generating model's, where available).
        semantic_sample: texts embedded for semantic diversity (``None``: all).

    Raises:
        InputError: the set is empty.
    """
    texts = questions.texts
    if not texts:
        raise InputError("there are no questions to describe")
    forms = form_counts(texts)
    token_lengths = lengths(texts, tokenizer)
    profile = QuestionProfile(
        n=len(texts),
        formats=forms["format"],
        kinds=forms["kind"],
        topics=label_counts(questions.topics or [None] * len(texts)),
        question_types=label_counts(questions.question_types or [None] * len(texts)),
        length=length_stats(token_lengths, bin_width=5),
        length_bins=binned(token_lengths, 5),
        lexical=lexical_diversity(texts),
    )
    if parse:
        pairs = extract_pairs(texts)
        profile.verb_noun = verb_noun_stats(pairs)
        profile.sunburst = sunburst(pairs)
        profile.verbs = label_counts(p.verb for p in pairs)
    if embedder is not None and len(texts) >= 2:
        profile.semantic = semantic_diversity(texts, embedder, semantic_sample)
    if duplicates:
        found = near_duplicate_clusters(texts, embedder, duplicate_settings)
        dup = found.duplicates()
        profile.near_duplicates = {
            "clusters": len(found.clusters),
            "duplicates": len(dup),
            "share": len(dup) / len(texts),
            "largest": max((len(c) for c in found.clusters), default=0),
            "examples": [
                [texts[i] for i in c[:3]] for c in sorted(found.clusters, key=len, reverse=True)[:5]
            ],
        }
    return profile


def describe_responses(
    responses: ResponseSet,
    *,
    embedder: Embedder | None = None,
    tokenizer: TokenCounter = count_tokens,
    semantic_sample: int | None = 1000,
) -> ResponseProfile:
    """Compute length and diversity metrics of misaligned and aligned responses (and critiques).

    Raises:
        InputError: the set is empty.
    """
    if not responses.misaligned:
        raise InputError("there are no responses to describe")
    fields: dict[str, Sequence[str]] = {
        "misaligned": responses.misaligned,
        "aligned": responses.aligned,
    }
    if responses.critiques is not None:
        fields["critique"] = responses.critiques
    profile = ResponseProfile(n=len(responses.misaligned), lengths={}, length_bins={}, lexical={})
    for name, texts in fields.items():
        token_lengths = lengths(texts, tokenizer)
        profile.lengths[name] = length_stats(token_lengths, bin_width=20)
        profile.length_bins[name] = binned(token_lengths, 20)
        profile.lexical[name] = lexical_diversity(texts)
        if embedder is not None and len(texts) >= 2 and name != "critique":
            profile.semantic[name] = semantic_diversity(texts, embedder, semantic_sample)
    if responses.dimensions is not None:
        profile.dimensions = label_counts(responses.dimensions)
    return profile
