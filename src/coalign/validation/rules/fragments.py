"""Rules for fragments and for fields that copy each other: ``fragment`` and ``fields_repeat``.

``fragment`` fails a question or response field that is no finished text: cut off mid-word or
after a function word, ending on a comma or colon, a noun phrase with no noun ("What is the
most popular"), a question of an open or closed kind without its ``?``, or no finite verb at
all. The classes and how each is decided are listed in
:mod:`coalign.validation.metrics.fragments`; the verdict's reason names the class and quotes the
end of the text (``question: dangling_modifier: ends on 'the most popular', … : …'What is the
most popular'``).

Which kind a question was asked to be comes from the record: its ``question_kind`` attribute
(written by the synthetic plan from the question type), else its ``question_type`` looked up
in the study, else the question's own form. Kinds are the study's own (``open`` / ``closed`` /
``other``, :data:`coalign.core.study.QuestionKind`), the same ones
:mod:`coalign.validation.metrics.forms` labels texts with. Response fields are never asked
for a ``?``.

``fields_repeat`` fails a response triple whose fields repeat one another: an aligned rewrite
that restates the critique or the question, a misaligned response that restates the question,
a critique that is mostly the misaligned response, an aligned rewrite that is in large part the
misaligned response verbatim. It measures verbatim copying (word trigrams and the longest
shared run of words, :mod:`coalign.validation.metrics.overlap`); ``aligned_differs`` (exact
copies) and ``too_similar`` (close meaning, by embedding) stay the rules for aligned versus
misaligned, so that pair only fails here when nearly all of the aligned rewrite is copied
(they miss it when a copy adds or drops a sentence that turns the meaning, or when the
Jaccard prefilter of ``too_similar`` skips the pair).

Both rules work on records of either generation mode: single mode and chained mode store the
same fields (``question``, ``misaligned_response``, ``critique``, ``aligned_response``).

Recommended defaults (not in :data:`~coalign.validation.rules.config.DEFAULT_FILTERS` until
measured on real runs)::

    filters:
      - rule: fragment            # every class, questions and all three response fields
      - rule: fields_repeat       # the pairs and limits of FieldsRepeatOptions

``fragment`` overlaps with ``not_truncated`` (both fail an answer without final punctuation
that ends on *the*) but also fails what that rule passes: endings on ``:`` or ``;``, unknown
word stubs, dangling modifiers, open or closed questions without ``?`` and verbless texts. On
two cores it takes about 1.5 ms per question and 2.5 ms per response field (spaCy's tagger).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from pydantic import BaseModel, ConfigDict, Field

from coalign.core import Record, Verdict
from coalign.core.study import QuestionKind
from coalign.validation.metrics.fragments import FRAGMENT_CLASSES, FragmentClass, find_fragments
from coalign.validation.metrics.overlap import copied_share, longest_shared_run, ngrams, words
from coalign.validation.rules.registry import (
    QUESTION_FIELDS,
    RESPONSE_FIELDS,
    FilterContext,
    FilterOptions,
    is_response_record,
    register,
    verdict,
)

_KINDS: frozenset[str] = frozenset({"open", "closed", "other"})


class FragmentOptions(FilterOptions):
    """Fields judged, classes tested, and words the vocabulary check should accept.

    Attributes:
        fields: the fields judged; ``None``: ``question`` on question records and the three
            response fields on response records (the question a response record carries is
            judged on its own record).
        checks: the fragment classes tested (all by default).
        known_words: names or jargon that are words although no dictionary lists them.
    """

    fields: list[str] | None = None
    checks: list[FragmentClass] = Field(default_factory=lambda: list(FRAGMENT_CLASSES))
    known_words: list[str] = Field(default_factory=list)


def asked_kind(record: Record, study_kinds: dict[str, QuestionKind]) -> QuestionKind | None:
    """The kind the record's question was asked to be (see the module doc), or ``None``."""
    kind = record.attributes.get("question_kind")
    if isinstance(kind, str) and kind in _KINDS:
        return cast(QuestionKind, kind)
    qtype = record.attributes.get("question_type")
    if isinstance(qtype, str):
        return study_kinds.get(qtype)
    return None


@register("fragment", FragmentOptions)
def fragment(
    records: Sequence[Record], options: FragmentOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """Questions and responses are whole texts: not cut off, not a fragment, questions with '?'."""
    study_kinds: dict[str, QuestionKind] = (
        {t.name: t.kind for t in context.study.question_types} if context.study else {}
    )
    jobs: list[tuple[int, str, str, QuestionKind | None]] = []
    judged: list[Record] = []
    for record in records:
        default = RESPONSE_FIELDS if is_response_record(record) else QUESTION_FIELDS
        present = [f for f in (options.fields or default) if isinstance(record.data.get(f), str)]
        if not present:
            continue
        for field in present:
            kind = asked_kind(record, study_kinds) if field in QUESTION_FIELDS else "other"
            jobs.append((len(judged), field, record.data[field], kind))
        judged.append(record)
    found = find_fragments(
        [text for _, _, text, _ in jobs],
        [kind for _, _, _, kind in jobs],
        known_words=options.known_words,
        checks=options.checks,
    )
    failures: list[list[str]] = [[] for _ in judged]
    for (index, field, _, _), fragment_found in zip(jobs, found, strict=True):
        if fragment_found is not None:
            failures[index].append(f"{field}: {fragment_found.reason()}")
    return [
        verdict(record, name, not problems, float(len(problems)), "; ".join(problems))
        for record, problems in zip(judged, failures, strict=True)
    ]


class RepeatPair(BaseModel):
    """One pair of fields: how much of ``field`` may be copied from ``source``.

    Attributes:
        field: the field that may copy (the copier).
        source: the field it may copy from.
        max_share: the copier fails when at least this share of its word trigrams occur in
            the source (``None``: not checked).
        max_run: the pair fails when both share a run of at least this many words
            (``None``: not checked).
    """

    model_config = ConfigDict(extra="forbid")

    field: str
    source: str
    max_share: float | None = Field(0.6, gt=0.0, le=1.0)
    max_run: int | None = Field(None, ge=3)


def _default_pairs() -> list[RepeatPair]:
    return [
        RepeatPair(field="aligned_response", source="critique", max_share=0.5, max_run=10),
        RepeatPair(field="misaligned_response", source="question", max_share=0.6, max_run=12),
        RepeatPair(field="aligned_response", source="question", max_share=0.6, max_run=12),
        RepeatPair(field="critique", source="misaligned_response", max_share=0.6),
        RepeatPair(field="aligned_response", source="misaligned_response", max_share=0.75),
    ]


class FieldsRepeatOptions(FilterOptions):
    """The field pairs compared, the n-gram size and the shortest copier judged.

    The defaults: an aligned rewrite may take at most half of its trigrams from the critique
    and no run of 10 words; a misaligned or aligned response at most 60% from the question and
    no run of 12 words (a whole question quoted); a critique at most 60% from the misaligned
    response (quoting a phrase of it is what critiques do); an aligned rewrite at most 75%
    from the misaligned response (rewrites keep what was fine; exact and close-in-meaning
    copies are ``aligned_differs`` and ``too_similar``).
    """

    pairs: list[RepeatPair] = Field(default_factory=_default_pairs, min_length=1)
    ngram: int = Field(3, ge=1, le=8)
    min_words: int = Field(5, ge=1)


def _repeats(
    copier: list[str], source: list[str], pair: RepeatPair, ngram: int
) -> tuple[float, str | None]:
    """The copied share, and the failure reason (``None`` when the pair passes)."""
    share = copied_share(copier, source, ngram)
    if pair.max_share is not None and share >= pair.max_share:
        return share, (
            f"{pair.field} restates {pair.source}: {share:.0%} of its word {ngram}-grams are in "
            f"{pair.source} (limit {pair.max_share:.0%})"
        )
    if pair.max_run is not None and share > 0.0:
        grams = set(ngrams(source, pair.max_run))
        if any(g in grams for g in ngrams(copier, pair.max_run)) and len(copier) >= pair.max_run:
            run, span = longest_shared_run(copier, source)
            shown = span if len(span) <= 80 else span[:77] + "…"
            return share, (
                f"{pair.field} repeats {pair.source} verbatim: a shared run of {run} words "
                f"(limit {pair.max_run}): {shown!r}"
            )
    return share, None


@register("fields_repeat", FieldsRepeatOptions)
def fields_repeat(
    records: Sequence[Record], options: FieldsRepeatOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """The fields of a triple do not restate one another (aligned vs critique, response vs question …)."""
    wanted = {f for pair in options.pairs for f in (pair.field, pair.source)}
    out = []
    for record in records:
        texts = {f: words(record.data[f]) for f in wanted if isinstance(record.data.get(f), str)}
        compared = False
        shares: list[float] = []
        problems: list[str] = []
        for pair in options.pairs:
            copier, source = texts.get(pair.field), texts.get(pair.source)
            if copier is None or source is None:
                continue
            compared = True
            if len(copier) < options.min_words or not source:
                continue
            share, problem = _repeats(copier, source, pair, options.ngram)
            shares.append(share)
            if problem:
                problems.append(problem)
        if compared:
            score = round(max(shares), 4) if shares else None
            out.append(verdict(record, name, not problems, score, "; ".join(problems)))
    return out
