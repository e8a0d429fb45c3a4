"""Relevance without an LLM: a question fits its topic and its question type, a response answers its question.

Study 000 judged relevance as the question against its topic *and* its question type. These
rules do that with the shared sentence embedder (all-MiniLM-L6-v2) instead of a judge model:

``topic_fit``
    Embeds each question and every topic of the study (its name turned into words, then its
    description) and ranks the topics by cosine. The verdict's score is the cosine with the
    assigned topic; its reason gives the assigned topic's rank among all the study's topics
    and the nearest *other* topic, e.g.
    ``topic 'cards' ranks 4 of 6 (cosine 0.12); nearest: 'fraud-and-security' (0.41)``.
    It fails when the assigned topic is below ``min_cosine`` (a question far from every topic
    has a rank by chance), when another topic is nearer by more than ``margin``, or when it is
    below ``floor`` and outside the ``top_k``.
``type_fit``
    The same against the question types, with the form of a request in front: a type is the
    mean of three embeddings (its name in words, its description, the first three words of its
    example), and a question is the mean of its own embedding and that of its first three
    words ("How do I", "Draft a short", "Can I use"). The whole example would carry its
    subject (a standing order) more than its form (a how-to).
``answers_question``
    The aligned rewrite and the misaligned response each answer the question: their cosine
    with the question below ``floor`` fails. A response record is compared with the question
    it repeats and with its parent question record when that record is among those validated
    (the lower cosine counts), so a response that drifted from the question it was written for
    is caught even when the repeated text was changed.
``kind_fit``
    The question has the form its type's kind asks for (000's open / closed / other, as
    ``metrics/forms.py`` reads it): a type of kind ``other`` asks for an instruction, so a
    question ending in "?" fails unless it is a polite request ("Could you draft …?"); a type of
    kind ``closed`` asks for a yes/no or either-or question, so one opening with how, what, why,
    where, when or who fails ("which" and "whether" ask to choose). Open types are not checked:
    people phrase open requests as instructions and as yes/no questions alike.

Verdicts carry no structured detail beyond ``score`` and ``reason``, so the reason of every
fit verdict, passing or failing, has one fixed shape that :func:`parse_fit` reads back (the
report's rank distributions use it).

Recommended defaults, measured with all-MiniLM-L6-v2 on the 53 English seed questions and seed
examples of ``examples/bank-assistant`` (7 topics, 14 question types) under their own labels,
under every wrong label, and on 15 questions from outside banking under every label:

* ``topic_fit``: ``floor 0.2, top_k 3, min_cosine 0.12, margin 0.1`` (the margin was added
  after measuring real model output of two more studies, where most off-topic questions still
  ranked their topic 2nd or 3rd of 6 with a cosine above the floor; see ``FitOptions``).
  Without the margin, 9% of correctly labelled seeds fail
  (their cosines: median 0.31, four below 0.12), 58% of wrong labels fail (many are near
  misses: a card question is often about fraud too), 98% of off-domain questions fail (their
  highest cosine with any topic is 0.21, mostly ~0.1). Without ``min_cosine`` only 57% of
  off-domain questions fail: with 7 topics, ranking in the top 3 is likely by chance.
  ``top_k 2`` doubles the false failures. With few topics (4-6), lower ``top_k``.
* ``type_fit``: ``floor 0.25, top_k 3, min_cosine 0.1, opening_words 3``. Question types are
  about form, which this embedder sees less than subject. Embedding whole texts, the right
  type ranked first for 53% of the seeds; with the openings, for 68% (top 3: 87%). With these
  values 9% of right labels fail and 74% of wrong labels (the same settings on whole texts:
  21% and 81%; ``top_k 5, floor 0.2`` on whole texts: 8% and 67%). Off-domain questions are
  ``topic_fit``'s business (a recipe question is still a well-formed how-to; 77% fail here).
  Use it as a signal in the report, or with the judge's ``question_type`` dimension, more than
  as a hard filter.
* ``answers_question``: ``floor 0.2``. Seed responses have cosine 0.34–0.79 with their question
  (misaligned ones included), off-domain texts at most 0.19; a response written for another
  in-domain question has median 0.16, so 64% of such swaps fail too.

Texts that do not look English get no verdict (``english_only``): the embedder reads English,
and German seeds scored near zero against every label; the ``language`` rule reports them.

``topic_fit`` and ``kind_fit`` are in the default filters; ``type_fit`` and ``answers_question``
are not (a recipe or ``--filters`` file adds them, e.g. ``- {rule: type_fit, top_k: 4}``). Without a study (or a study with no
topics / types) the fit rules raise :class:`~coalign.core.errors.InputError`, which the runner
records as that filter's error. Records without an assigned topic / type get no fit verdict.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from pydantic import Field

from coalign.core import Record, Study, Verdict
from coalign.core.errors import InputError
from coalign.validation.metrics.embeddings import Embedder
from coalign.validation.metrics.forms import WH_WORDS, is_polite_request, question_format
from coalign.validation.metrics.loaders import require
from coalign.validation.rules.checks import looks_english
from coalign.validation.rules.registry import (
    FilterContext,
    FilterOptions,
    is_response_record,
    register,
    verdict,
)

if TYPE_CHECKING:  # pragma: no cover
    from numpy import ndarray

Aspect = Literal["topic", "question type"]

_FIT_REASON = re.compile(
    r"^(?P<aspect>topic|question type) '(?P<assigned>.+?)' ranks (?P<rank>\d+) of (?P<of>\d+) "
    r"\(cosine (?P<cosine>-?\d+\.\d+)\)"
    r"(?:; nearest: '(?P<nearest>.+?)' \((?P<nearest_cosine>-?\d+\.\d+)\))?"
)


def name_words(name: str) -> str:
    """A label name as words: ``accessibility-of-digital-services`` → ``accessibility of digital services``.

    Hyphens, underscores, dots, slashes and camelCase humps become spaces, so the embedder
    sees words it knows instead of one long unknown token run.
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return re.sub(r"[\s_\-./:]+", " ", spaced).strip()


@dataclass(frozen=True)
class Fit:
    """How well a text fits its assigned label among all the study's labels of one aspect.

    Attributes:
        aspect: ``topic`` or ``question type``.
        assigned: the assigned label's name.
        rank: 1 + the number of labels with a strictly higher cosine.
        of: how many labels the study has for this aspect.
        cosine: cosine of the text with the assigned label.
        nearest: the best-scoring *other* label (``None`` when the study has only one).
        nearest_cosine: its cosine.
    """

    aspect: Aspect
    assigned: str
    rank: int
    of: int
    cosine: float
    nearest: str | None = None
    nearest_cosine: float | None = None

    def describe(self) -> str:
        """The verdict reason, in the shape :func:`parse_fit` reads."""
        text = f"{self.aspect} '{self.assigned}' ranks {self.rank} of {self.of} (cosine {self.cosine:.2f})"
        if self.nearest is not None and self.nearest_cosine is not None:
            text += f"; nearest: '{self.nearest}' ({self.nearest_cosine:.2f})"
        return text


def parse_fit(reason: str) -> Fit | None:
    """Read a fit verdict's reason back into a :class:`Fit` (``None`` if it is not one)."""
    match = _FIT_REASON.match(reason)
    if match is None:
        return None
    nearest = match.group("nearest")
    nearest_cosine = match.group("nearest_cosine")
    return Fit(
        aspect=cast(Aspect, match.group("aspect")),
        assigned=match.group("assigned"),
        rank=int(match.group("rank")),
        of=int(match.group("of")),
        cosine=float(match.group("cosine")),
        nearest=nearest,
        nearest_cosine=float(nearest_cosine) if nearest_cosine is not None else None,
    )


def opening(text: str, words: int) -> str:
    """The first ``words`` words of ``text`` (where a request shows its form: "How do I", "Draft a")."""
    return " ".join(text.split()[:words])


def _mean_rows(groups: list[list[str]], embedder: Embedder) -> ndarray:
    """One unit vector per group of texts: the normalised mean of their embeddings."""
    np = require("numpy")
    flat = embedder.encode([t for group in groups for t in group])
    rows, start = [], 0
    for group in groups:
        mean = flat[start : start + len(group)].mean(axis=0)
        rows.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
        start += len(group)
    return cast("ndarray", np.stack(rows).astype(np.float32))


def label_vectors(
    study: Study, aspect: Aspect, embedder: Embedder, opening_words: int = 0
) -> tuple[list[str], ndarray]:
    """The names of the study's topics or question types and one unit vector per label.

    A topic is its name in words and its description, embedded as one text. A question type
    is the normalised mean of its name in words, its description and its example (only the
    example's first ``opening_words`` words when that is above 0), embedded apart: the whole
    example carries its subject (a standing order) more than its form (a how-to).

    Raises:
        InputError: the study has no labels of this aspect.
    """
    if aspect == "topic":
        names = [t.name for t in study.topics]
        if not names:
            raise InputError(f"study {study.slug!r} has no topics to fit questions to")
        texts = [f"{name_words(t.name)}: {t.description}".strip().rstrip(":") for t in study.topics]
        return names, embedder.encode(texts)
    names = [q.name for q in study.question_types]
    if not names:
        raise InputError(f"study {study.slug!r} has no question types to fit questions to")
    groups = []
    for q in study.question_types:
        example = opening(q.example, opening_words) if opening_words else q.example
        groups.append([p for p in (name_words(q.name), q.description, example) if p.strip()])
    return names, _mean_rows(groups, embedder)


def text_vectors(texts: Sequence[str], embedder: Embedder, opening_words: int = 0) -> ndarray:
    """One unit vector per text; with ``opening_words``, the mean of the text and its opening."""
    if not opening_words:
        return embedder.encode(list(texts))
    return _mean_rows([[t, opening(t, opening_words)] for t in texts], embedder)


def rank_fit(cosines: Sequence[float], names: Sequence[str], assigned: str, aspect: Aspect) -> Fit:
    """The :class:`Fit` of one text from its cosine with every label (``names`` in the same order)."""
    index = list(names).index(assigned)
    own = cosines[index]
    others = [(c, n) for i, (c, n) in enumerate(zip(cosines, names, strict=True)) if i != index]
    nearest = max(others, key=lambda pair: pair[0]) if others else None
    return Fit(
        aspect=aspect,
        assigned=assigned,
        rank=1 + sum(1 for c in cosines if c > own),
        of=len(names),
        cosine=round(float(own), 4),
        nearest=nearest[1] if nearest else None,
        nearest_cosine=round(float(nearest[0]), 4) if nearest else None,
    )


class FitOptions(FilterOptions):
    """Options of ``topic_fit`` and ``type_fit``.

    A question passes when its cosine with the assigned label reaches ``floor``, or when the
    label ranks among the ``top_k`` nearest *and* the cosine reaches ``min_cosine``. The second
    floor is what catches an off-domain question: it is far from every label, so its rank is
    chance. With ``margin`` set, a question also fails when another label is nearer than the
    assigned one by more than ``margin``, whatever the floor says: a question about printing
    filed under identity documents.

    Attributes:
        field: the text that must fit (``question``).
        floor: a cosine with the assigned label at or above it always passes.
        top_k: an assigned label ranked this high or better passes (above ``min_cosine``).
        min_cosine: below it the question fails whatever the rank.
        english_only: texts that do not look English get no verdict (the embedder reads
            English; the ``language`` rule reports them).
        opening_words: above 0, a question is embedded as the mean of itself and its first
            this many words, and a question type's example by its first this many words only:
            the form of a request is in its opening. ``type_fit`` uses 3, ``topic_fit`` 0.
        margin: the most another label may be nearer than the assigned one (``None``: no
            limit). ``topic_fit`` uses 0.1: on the human-written seed questions of three studies
            (bank example, library, farming) 77 of 84 have their topic nearest or within 0.1 of
            the nearest, while most off-topic model questions trail the nearest by 0.15-0.4.
        applies_to: ``questions`` by default: a response record repeats its question, which is
            judged once, on its question record.
    """

    field: str = "question"
    floor: float = Field(0.2, ge=-1.0, le=1.0)
    top_k: int = Field(3, ge=1)
    min_cosine: float = Field(0.12, ge=-1.0, le=1.0)
    english_only: bool = True
    opening_words: int = Field(0, ge=0, le=20)
    margin: float | None = Field(0.1, ge=0.0, le=2.0)
    applies_to: Literal["all", "questions", "responses"] = "questions"


class TypeFitOptions(FitOptions):
    """``type_fit`` compares the form of requests: openings count, and the defaults differ
    (no margin: the right type is nearest for only about two thirds of human-written seeds)."""

    floor: float = Field(0.25, ge=-1.0, le=1.0)
    min_cosine: float = Field(0.1, ge=-1.0, le=1.0)
    opening_words: int = Field(3, ge=0, le=20)
    margin: float | None = Field(None, ge=0.0, le=2.0)


def _fit_failure(fit: Fit, options: FitOptions) -> str | None:
    """Why ``fit`` fails under ``options``, or ``None`` when it passes."""
    if fit.cosine < options.min_cosine:
        return f"fails: cosine below {options.min_cosine:.2f}"
    if (
        options.margin is not None
        and fit.nearest_cosine is not None
        and fit.nearest_cosine - fit.cosine > options.margin
    ):
        return f"fails: '{fit.nearest}' is nearer by more than {options.margin:.2f}"
    if fit.cosine >= options.floor:
        return None
    if fit.rank > options.top_k:
        return f"fails: below {options.floor:.2f} and outside the top {options.top_k}"
    return None


def _english(text: str) -> bool:
    return looks_english(text)[0]


def _assigned(record: Record, key: str) -> str | None:
    value = record.attributes.get(key) or record.data.get(key)
    return str(value) if value else None


def _fit_verdicts(
    records: Sequence[Record],
    options: FitOptions,
    context: FilterContext,
    name: str,
    aspect: Aspect,
) -> list[Verdict]:
    key = "topic" if aspect == "topic" else "question_type"
    chosen = [
        (r, label)
        for r in records
        if r.parse_status == "ok"
        and isinstance(r.data.get(options.field), str)
        and r.data[options.field].strip()
        and (not options.english_only or _english(r.data[options.field]))
        and (label := _assigned(r, key)) is not None
    ]
    if not chosen:
        return []
    if context.study is None:
        raise InputError(f"filter {name!r} needs the study, to know its {aspect}s")
    names, labels = label_vectors(context.study, aspect, context.embedder, options.opening_words)
    known = set(names)
    todo = [(r, label) for r, label in chosen if label in known]
    out: list[Verdict] = []
    for r, label in chosen:
        if label not in known:
            reason = f"{aspect} '{label}' is not one of the study's {len(names)} {aspect}s"
            out.append(verdict(r, name, False, None, reason))
    if todo:
        texts = [r.data[options.field] for r, _ in todo]
        cosines = (text_vectors(texts, context.embedder, options.opening_words) @ labels.T).tolist()
        for (r, label), row in zip(todo, cosines, strict=True):
            fit = rank_fit(row, names, label, aspect)
            failure = _fit_failure(fit, options)
            reason = fit.describe() + (f"; {failure}" if failure else "")
            out.append(verdict(r, name, failure is None, fit.cosine, reason))
    order = {r.id: i for i, r in enumerate(records)}
    return sorted(out, key=lambda v: order[v.record_id])


@register("topic_fit", FitOptions)
def topic_fit(
    records: Sequence[Record], options: FitOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """The question is closer to its assigned topic than a floor, or ranks it among the top k of the study's topics."""
    return _fit_verdicts(records, options, context, name, "topic")


@register("type_fit", TypeFitOptions)
def type_fit(
    records: Sequence[Record], options: TypeFitOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """The question is closer to its assigned question type than a floor, or ranks it among the top k of the study's types."""
    return _fit_verdicts(records, options, context, name, "question type")


class KindFitOptions(FilterOptions):
    """Options of ``kind_fit``: the field holding the question; questions only by default."""

    field: str = "question"
    applies_to: Literal["all", "questions", "responses"] = "questions"


_OPENING = re.compile(r"^\W*(\w+)")
#: Openings of an open question; "which" asks to choose, as a closed question may.
_NOT_CLOSED = WH_WORDS - {"which"}


def kind_mismatch(text: str, kind: str) -> str | None:
    """Why ``text`` does not have the form a question type of ``kind`` asks for, or ``None``."""
    if kind == "other" and question_format(text) == "question":
        if is_polite_request(text):
            return None
        return "a question where the type asks for an instruction or request (kind other)"
    if kind == "closed":
        first = _OPENING.match(text)
        if first and first.group(1).lower() in _NOT_CLOSED:
            return (
                f"opens with '{first.group(1)}' where the type asks for a yes/no or either-or "
                "question (kind closed)"
            )
    return None


@register("kind_fit", KindFitOptions)
def kind_fit(
    records: Sequence[Record], options: KindFitOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """The question has the form its question type's kind asks for (see :func:`kind_mismatch`).

    The kind comes from the record's ``question_kind`` attribute, else from its question type in
    the study; records with neither, or not in English, get no verdict.
    """
    kinds = {q.name: q.kind for q in context.study.question_types} if context.study else {}
    out = []
    for r in records:
        text = r.data.get(options.field)
        if r.parse_status != "ok" or not isinstance(text, str) or not text.strip():
            continue
        kind = r.attributes.get("question_kind") or kinds.get(_assigned(r, "question_type") or "")
        if kind is None or not _english(text):
            continue
        problem = kind_mismatch(text, str(kind))
        qtype = _assigned(r, "question_type") or "?"
        reason = f"question type '{qtype}' ({kind}): {problem}" if problem else ""
        out.append(verdict(r, name, problem is None, None, reason))
    return out


class AnswersQuestionOptions(FilterOptions):
    """Options of ``answers_question``.

    Attributes:
        fields: the response fields that must answer the question.
        floor: a cosine with the question below it fails.
        english_only: only English texts are compared (the embedder reads English).
        applies_to: ``all``, so that parent question records validated with the responses can
            be found; only records holding one of ``fields`` get a verdict.
    """

    fields: list[str] = Field(
        default_factory=lambda: ["aligned_response", "misaligned_response"], min_length=1
    )
    floor: float = Field(0.2, ge=-1.0, le=1.0)
    english_only: bool = True


def _text(record: Record, key: str, english_only: bool) -> str | None:
    """The stripped text of ``key``, or ``None`` when absent, empty or (if asked) not English."""
    value = record.data.get(key)
    if not isinstance(value, str) or not value.strip():
        return None
    return None if english_only and not _english(value) else value.strip()


@register("answers_question", AnswersQuestionOptions)
def answers_question(
    records: Sequence[Record], options: AnswersQuestionOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """Each response field has at least a floor cosine with its question (and its parent question record's)."""
    by_id = {r.id: r for r in records}
    todo: list[tuple[Record, list[tuple[str, str]], list[tuple[str, str]]]] = []
    for r in records:
        if r.parse_status != "ok" or not is_response_record(r):
            continue
        answers = [
            (f, t) for f in options.fields if (t := _text(r, f, options.english_only)) is not None
        ]
        questions: list[tuple[str, str]] = []
        own = _text(r, "question", options.english_only)
        if own is not None:
            questions.append(("question", own))
        for parent_id in r.parents:
            parent = by_id.get(parent_id)
            text = _text(parent, "question", options.english_only) if parent else None
            if text is not None and text not in {q for _, q in questions}:
                questions.append((f"parent question {parent_id}", text))
        if answers and questions:
            todo.append((r, answers, questions))
    if not todo:
        return []
    texts = list(dict.fromkeys(t for _, a, q in todo for _, t in a + q))
    index = {t: i for i, t in enumerate(texts)}
    vectors = context.embedder.encode(texts)
    out = []
    for r, answers, questions in todo:
        pairs = [
            (float(vectors[index[answer]] @ vectors[index[question]]), field, source)
            for field, answer in answers
            for source, question in questions
        ]
        low = [
            f"{field} has cosine {c:.2f} with the {source} (floor {options.floor:.2f})"
            for c, field, source in pairs
            if c < options.floor
        ]
        out.append(verdict(r, name, not low, round(min(c for c, _, _ in pairs), 4), "; ".join(low)))
    return out
