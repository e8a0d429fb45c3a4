"""The ``seed_copy`` rule: synthetic text must not copy the study's seeds or diary entries.

DESIGN principle 8 ("nothing copied"): a generator shown seed questions and seed examples
in-context tends to hand them back verbatim, with a word or two changed, pasted inside a longer
answer, or reworded. Each synthetic field is compared with

- every seed question and seed-example field of the study (and, with ``compare_with:
  in_context``, only the seeds the record was shown, its ``example_ids``),
- every diary entry of the study (issue 19: a diary entry's text reused verbatim).

What is compared with what: a question with seed questions, seed-example questions and diary
prompts; a response field (misaligned response, critique, aligned rewrite) with seed-example
responses and critiques and diary responses. Verbatim reuse of a long span of *any* source
text is caught in *any* field. Three measures (see :mod:`coalign.validation.metrics.copies`):

- ``token containment`` ≥ ``containment`` (0.8): the share of the source's words found in word
  trigrams of the text. An exact copy, a copy with slots filled in or a seed pasted inside a
  longer answer (1.0) and two words changed in an answer or a long question (0.87–0.94) fail;
  new questions on the same topic score 0.2–0.7. Words alone cannot tell two words changed
  near the end of a fifteen-word question (0.73) from a new question that shares "how do I …
  a standing order for my … in the app" (0.67); the embedding does (0.95 against 0.49). A
  seed reused as a template with four words changed ("declined at the petrol station … on my
  account. What happened?") scores 0.78 and cosine 0.83, and passes: that is where the
  defaults draw the line, and what labelled output should check.
- ``verbatim span`` of ``span_words`` (12) consecutive words of any source; spans that the
  record's own question also holds are allowed, so an answer may quote its question.
- embedding ``cosine`` (all-MiniLM-L6-v2) ≥ ``question_cosine`` (0.9) for questions and ≥
  ``response_cosine`` (0.9) for response fields: paraphrase-level copies. On the bank-assistant
  seeds, paraphrases of a seed question score 0.91–0.97, while different questions on the
  same topic score 0.45–0.6 (one close sibling 0.83) and the closest pair of distinct seeds
  0.54; distinct seed answers and critiques peak near 0.62. Responses giving the same advice
  are naturally alike: a new answer to a similar loan question scores 0.78 against the seed
  answer and a sentence-by-sentence rewording of it 0.83, so a response limit would stay at 0.9
  (a light paraphrase scores 0.98) and the lexical measures do most of the work there. So
  response fields are not embedded by default (``response_cosine: null``): at the scale of a
  published run (100,000 records, three fields each) embedding them costs minutes on two cores
  and catches only light paraphrases; set ``response_cosine: 0.9`` to add it.

A failing verdict names the field, the source, the measure and its value, e.g. ``question:
copies seed question sq-12 (token containment 0.93)`` (up to three sources, strongest
first; ``in-context`` marks a seed the record was shown). The verdict's score is the highest
containment or cosine found for the record, a "closeness to the nearest seed" that passing
records carry too (``None`` when no source came near enough to be scored).

Which fields: by default the question of a question record and the response fields of a
response record. A response record's ``question`` is only checked when the record has no
parents (otherwise it is the parent question, judged in its own record).

Recommended defaults (the rule is not in ``DEFAULT_FILTERS``; the integrator adds it after
measuring on labelled output)::

    - rule: seed_copy            # containment 0.8, span 12 words, cosine 0.9 / 0.9
    - rule: degenerate_repetition

Cost: token containment scores only sources sharing a rare word trigram with the text; on two
shared cores, 25,000 records (35,000 fields) against 406 seeds (742 source texts) take about
12 s without embeddings. With them, each distinct text is embedded once (the embedder's cache
is shared with ``near_duplicate`` and ``too_similar``) and compared in blocks of 4,096.

It needs the study's seeds in :class:`~coalign.validation.rules.registry.FilterContext`
(``coalign validate`` fills them in from the store); without them it refuses to run rather
than passing everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from coalign.core import Record, Verdict
from coalign.core.errors import InputError
from coalign.validation.metrics.copies import (
    LexicalMatch,
    Role,
    SourceIndex,
    SourceText,
    unslotted,
)
from coalign.validation.metrics.loaders import require
from coalign.validation.rules.registry import (
    QUESTION_FIELDS,
    RESPONSE_FIELDS,
    FilterContext,
    FilterOptions,
    is_response_record,
    register,
    verdict,
)

#: Diary entry fields and what they are comparable with.
DIARY_ROLES: dict[str, Role] = {
    "prompt": "question",
    "response": "response",
    "goal": "other",
    "action": "other",
    "outcome": "other",
    "values_at_stake": "other",
}

#: How many copied sources a reason names.
MAX_NAMED = 3
#: Texts embedded and compared per block (bounds the memory of the cosine matrix).
_BLOCK = 4096


class SeedCopyOptions(FilterOptions):
    """Thresholds of the copy check, which fields it looks at and which sources it uses."""

    fields: list[str] | None = None
    compare_with: Literal["study", "in_context"] = "study"
    diary: bool = True
    containment: float = Field(0.8, gt=0.0, le=1.0)
    min_copy_words: int = Field(8, ge=1)
    ngram: int = Field(3, ge=1, le=8)
    span_words: int = Field(12, ge=3, le=200)
    use_embeddings: bool = True
    question_cosine: float = Field(0.9, gt=0.0, le=1.0)
    response_cosine: float | None = Field(None, gt=0.0, le=1.0)
    max_words: int = Field(2000, ge=10)


def study_sources(context: FilterContext, diary: bool = True) -> list[SourceText]:
    """The texts of the context's seeds (and diary entries) as copy sources.

    Raises:
        InputError: the context carries no seeds at all (they were never loaded).
    """
    if context.seed_questions is None and context.seed_examples is None:
        raise InputError(
            "seed_copy needs the study's seeds: run it through 'coalign validate', or set "
            "FilterContext.seed_questions and seed_examples"
        )
    out: list[SourceText] = []
    for sq in context.seed_questions or []:
        out.append(SourceText("seed question", str(sq.id), "text", "question", sq.text))
    for se in context.seed_examples or []:
        out.append(SourceText("seed example", str(se.id), "question", "question", se.question))
        for f in RESPONSE_FIELDS:
            out.append(SourceText("seed example", str(se.id), f, "response", getattr(se, f)))
    if diary:
        for entry in context.diary_entries or []:
            for f, role in DIARY_ROLES.items():
                text = getattr(entry, f)
                if text and text.strip():
                    out.append(SourceText("diary entry", str(entry.id), f, role, text))
    return out


@dataclass(frozen=True)
class _Found:
    field: str
    source: SourceText
    measure: str
    value: float
    in_context: bool

    def reason(self) -> str:
        shown = "in-context " if self.in_context else ""
        value = f"of {int(self.value)} words" if self.measure == "verbatim span" else self.value
        return f"{self.field}: copies {shown}{self.source.label} ({self.measure} {value})"

    @property
    def strength(self) -> float:
        return self.value if self.measure != "verbatim span" else min(1.0, self.value / 20)


def _checked_fields(record: Record, fields: list[str] | None) -> list[tuple[str, Role]]:
    """``(field, role)`` of the record's text fields the rule looks at."""
    if fields is None:
        if is_response_record(record):
            fields = list(RESPONSE_FIELDS) + ([] if record.parents else list(QUESTION_FIELDS))
        else:
            fields = list(QUESTION_FIELDS)
    return [
        (f, "question" if f in QUESTION_FIELDS else "response")
        for f in fields
        if isinstance(record.data.get(f), str) and record.data[f].strip()
    ]


@register("seed_copy", SeedCopyOptions)
def seed_copy(
    records: Sequence[Record], options: SeedCopyOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """No synthetic field copies a seed or diary text (token containment, verbatim span, cosine)."""
    sources = study_sources(context, options.diary)
    index = SourceIndex(
        sources, n=options.ngram, span_words=options.span_words, max_words=options.max_words
    )
    by_id: dict[str, list[int]] = {}
    for i, s in enumerate(sources):
        if s.kind != "diary entry":
            by_id.setdefault(s.id, []).append(i)
    checked = [(r, _checked_fields(r, options.fields)) for r in records]
    checked = [(r, fs) for r, fs in checked if fs]
    cosines = _cosine_matches(checked, sources, options, context) if options.use_embeddings else {}
    out = []
    for r, fs in checked:
        shown = {i for e in r.example_ids for i in by_id.get(e, [])}
        allowed = shown if options.compare_with == "in_context" else None
        quoted = r.data.get("question") if is_response_record(r) else None
        found: list[_Found] = []
        best: float | None = None  # highest containment or cosine: closeness to any source
        for f, role in fs:
            matches = index.match(
                r.data[f],
                [role],
                containment=options.containment,
                min_copy_words=options.min_copy_words,
                allowed=allowed,
                quoted=quoted if isinstance(quoted, str) and f != "question" else None,
            )
            for m in matches:
                if m.copied:
                    found.append(_lexical(f, sources, m, shown))
                if m.measure == "token containment":
                    best = m.value if best is None else max(best, m.value)
            for i, c, passed_limit in cosines.get((r.id, f), []):
                if allowed is not None and i not in allowed:
                    continue
                best = c if best is None else max(best, c)
                if passed_limit:
                    found.append(_Found(f, sources[i], "cosine", round(c, 3), i in shown))
        found = _strongest_per_source(found)
        reason = "; ".join(x.reason() for x in found[:MAX_NAMED])
        if len(found) > MAX_NAMED:
            reason += f"; and {len(found) - MAX_NAMED} more"
        out.append(
            verdict(r, name, not found, round(best, 4) if best is not None else None, reason)
        )
    return out


def _lexical(f: str, sources: list[SourceText], m: LexicalMatch, shown: set[int]) -> _Found:
    return _Found(f, sources[m.source], m.measure, m.value, m.source in shown)


def _strongest_per_source(found: list[_Found]) -> list[_Found]:
    """One finding per (field, source), the strongest; all sorted strongest first."""
    best: dict[tuple[str, str, str, str], _Found] = {}
    for x in found:
        key = (x.field, x.source.kind, x.source.id, x.source.field)
        if key not in best or x.strength > best[key].strength:
            best[key] = x
    return sorted(best.values(), key=lambda x: -x.strength)


def _cosine_matches(
    checked: list[tuple[Record, list[tuple[str, Role]]]],
    sources: list[SourceText],
    options: SeedCopyOptions,
    context: FilterContext,
) -> dict[tuple[str, str], list[tuple[int, float, bool]]]:
    """Per ``(record id, field)``: the nearest comparable source and every one over its limit.

    Each distinct text is embedded once (and the embedder caches across rules); the cosine
    matrix is built in row blocks so memory stays flat however many records there are.
    """
    np = require("numpy")
    out: dict[tuple[str, str], list[tuple[int, float, bool]]] = {}
    limits = {"question": options.question_cosine, "response": options.response_cosine}
    for role, limit in limits.items():
        if limit is None:
            continue
        src = [i for i, s in enumerate(sources) if s.role == role]
        keys = [(r.id, f, r.data[f]) for r, fs in checked for f, rl in fs if rl == role]
        if not src or not keys:
            continue
        texts = list(dict.fromkeys(t for _, _, t in keys))
        src_vectors = context.embedder.encode([unslotted(sources[i].text) for i in src])
        per_text: dict[str, list[tuple[int, float, bool]]] = {}
        for start in range(0, len(texts), _BLOCK):
            part = texts[start : start + _BLOCK]
            sims = context.embedder.encode(part) @ src_vectors.T
            nearest = sims.argmax(axis=1)
            for j, text in enumerate(part):
                over = np.nonzero(sims[j] >= limit)[0]
                hits = [(src[int(k)], float(sims[j, k]), True) for k in over]
                if not hits:
                    k = int(nearest[j])
                    hits = [(src[k], float(sims[j, k]), False)]
                per_text[text] = hits
        for rid, f, text in keys:
            out[(rid, f)] = per_text[text]
    return out
