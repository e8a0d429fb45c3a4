"""Built-in rules that need the whole set or a model: near-duplicates, aligned-vs-misaligned similarity, the relevance judge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from coalign.core import Record, SamplingParams, Verdict
from coalign.core.errors import InputError
from coalign.validation.metrics.distributions import word_tokens
from coalign.validation.metrics.duplicates import DuplicateSettings, near_duplicate_clusters
from coalign.validation.metrics.embeddings import paired_cosine
from coalign.validation.metrics.loaders import require
from coalign.validation.rules.builtin import field_pairs
from coalign.validation.rules.judge import judge_records, load_rubric
from coalign.validation.rules.registry import FilterContext, FilterOptions, register, verdict


class NearDuplicateOptions(FilterOptions, DuplicateSettings):
    """The field compared and the thresholds of :mod:`coalign.validation.metrics.duplicates`."""

    field: str = "question"
    use_embeddings: bool = True
    applies_to: Literal["all", "questions", "responses"] = "questions"


@register("near_duplicate", NearDuplicateOptions)
def near_duplicate(
    records: Sequence[Record], options: NearDuplicateOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """Keep one record per near-duplicate cluster (the first); the others fail, naming the kept one.

    Records are compared only with records of the same stage (a response record that repeats
    its question is not a duplicate of the question record).
    """
    by_stage: dict[str, list[Record]] = {}
    for r in records:
        text = r.data.get(options.field)
        if isinstance(text, str) and text.strip():
            by_stage.setdefault(r.stage, []).append(r)
    settings = DuplicateSettings(**options.model_dump(include=set(DuplicateSettings.model_fields)))
    out: list[Verdict] = []
    for chosen in by_stage.values():
        out.extend(_near_duplicates_in(chosen, options, settings, context, name))
    return out


def _near_duplicates_in(
    chosen: list[Record],
    options: NearDuplicateOptions,
    settings: DuplicateSettings,
    context: FilterContext,
    name: str,
) -> list[Verdict]:
    result = near_duplicate_clusters(
        [r.data[options.field] for r in chosen],
        context.embedder if options.use_embeddings else None,
        settings,
    )
    failing: dict[int, tuple[int, int]] = {}
    for cluster in result.clusters:
        for i in cluster[1:]:
            failing[i] = (cluster[0], len(cluster))
    out = []
    for i, r in enumerate(chosen):
        if i in failing:
            keep, size = failing[i]
            reason = f"near-duplicate of {chosen[keep].id} (cluster of {size}, kept the first)"
            out.append(verdict(r, name, False, float(size), reason))
        else:
            out.append(verdict(r, name, True))
    return out


class TooSimilarOptions(FilterOptions):
    """Aligned and misaligned must differ in meaning, not only in wording.

    ``prefilter_jaccard``: pairs whose word-set Jaccard similarity is below it are passed
    without embedding (documented in the verdict's reason); it only applies when there are
    more than ``exact_up_to`` pairs, and ``null`` turns it off. The benchmark measures how
    often it changes a decision against embedding everything.
    """

    left: str = "aligned_response"
    right: str = "misaligned_response"
    max_cosine: float = Field(0.9, gt=0.0, le=1.0)
    prefilter_jaccard: float | None = Field(0.3, ge=0.0, le=1.0)
    exact_up_to: int = Field(5000, ge=0)


def _word_jaccard(a: str, b: str) -> float:
    sa, sb = set(word_tokens(a)), set(word_tokens(b))
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


@register("too_similar", TooSimilarOptions)
def too_similar(
    records: Sequence[Record], options: TooSimilarOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """The aligned rewrite is not a near copy of the misaligned response (cosine < max_cosine)."""
    pairs = field_pairs(records, options.left, options.right)
    if not pairs:
        return []
    np = require("numpy")
    use_prefilter = options.prefilter_jaccard is not None and len(pairs) > options.exact_up_to
    out: list[Verdict] = []
    todo: list[tuple[Record, str, str]] = []
    for r, a, b in pairs:
        if use_prefilter:
            jac = _word_jaccard(a, b)
            if jac < options.prefilter_jaccard:  # type: ignore[operator]
                out.append(
                    verdict(
                        r, name, True, None, f"word overlap {jac:.2f} below prefilter: not embedded"
                    )
                )
                continue
        todo.append((r, a, b))
    if todo:
        left = context.embedder.encode([a for _, a, _ in todo])
        right = context.embedder.encode([b for _, _, b in todo])
        cos = np.clip(paired_cosine(left, right), -1.0, 1.0).tolist()
        for (r, _, _), c in zip(todo, cos, strict=True):
            bad = c >= options.max_cosine
            reason = (
                f"{options.left} has cosine {c:.3f} with {options.right} (limit {options.max_cosine})"
                if bad
                else ""
            )
            out.append(verdict(r, name, not bad, round(c, 4), reason))
    return out


class RelevanceOptions(FilterOptions):
    """The LLM judge as a filter: a rubric file (default: the bundled one), its dimensions, token budget."""

    rubric: str | None = None
    dimensions: list[str] | None = None
    max_tokens: int = Field(128, ge=1, le=2048)


@register("relevance", RelevanceOptions)
def relevance(
    records: Sequence[Record], options: RelevanceOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """An LLM judge scores each record 1-5 per rubric dimension; below the rubric's min_score fails.

    Verdicts are named ``<name>:<dimension>``; unparseable judge output gives a failing
    "could not judge" verdict. Needs a judge model (``coalign validate --judge MODEL``).
    """
    if context.judge is None:
        raise InputError(f"filter {name!r} needs a judge model: pass --judge MODEL")
    rubric = load_rubric(options.rubric)
    params = SamplingParams(temperature=0.0, max_tokens=options.max_tokens, seed=0)
    return judge_records(
        records,
        context.judge,
        rubric,
        study=context.study,
        params=params,
        dimensions=options.dimensions,
        prefix=name,
    )
