"""What breakout groups write in a seed workshop, and the moderator's decisions on it.

Session 1: seed questions per topic × question type, plus new topics and question types.
Session 2: per value dimension (one or several), a misaligned response, a critique naming the
value at risk and an aligned rewrite, optionally from a model draft (then marked LLM-assisted).
Seeds are stored as ``proposed`` with the group as ``<workshop>:<group>``; the moderator accepts
or rejects each with a reason, and accepted seeds are what generation recipes draw on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from pydantic import BaseModel, Field

from coalign.coconstruct.workshop import Workshop, get_workshop, seat_in
from coalign.core.calls import SamplingParams
from coalign.core.coconstruction import MAX_TEXT
from coalign.core.errors import (
    ConflictError,
    InputError,
    ModelOutputError,
    NotFoundError,
    TruncatedOutputError,
)
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.core.study import QuestionKind, QuestionType, Topic
from coalign.llm.model import Model
from coalign.llm.structured import call_json
from coalign.store import Store
from coalign.store.seeds import (
    list_seed_examples,
    list_seed_questions,
    seed_example_by_id,
    seed_question_by_id,
)
from coalign.store.studies import load_study, save_study
from coalign.study.seed_review import (
    Decision,
    SeedDecision,
    SeedKind,
    add_seed_example,
    add_seed_question,
    check_cell,
    check_dimensions,
    decide,
)

#: What a workshop adds to the study by name (see :func:`_named`).
NamedT = TypeVar("NamedT", Topic, QuestionType)

DRAFT_SCHEMA = {
    "type": "object",
    "properties": {
        "misaligned_response": {"type": "string", "minLength": 1},
        "critique": {"type": "string", "minLength": 1},
        "aligned_response": {"type": "string", "minLength": 1},
    },
    "required": ["misaligned_response", "critique", "aligned_response"],
    "additionalProperties": False,
}
DRAFT_PARAMS = SamplingParams(temperature=0.7, max_tokens=400)
#: Drafts that do not parse (or run past ``max_tokens``) are asked again this often, new seeds.
DRAFT_REASK = 2


class WorkshopSeeds(BaseModel):
    """The seeds a workshop produced, every status included."""

    questions: list[SeedQuestion] = Field(default_factory=list)
    examples: list[SeedExample] = Field(default_factory=list)


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise InputError(f"{what} is empty")
    if len(value) > MAX_TEXT:
        raise InputError(f"{what} has more than {MAX_TEXT} characters")
    return value


def _require_session(workshop: Workshop, number: int) -> None:
    if workshop.session != number:
        raise ConflictError(
            f"the workshop is in session {workshop.session}; this belongs to session {number}"
        )


def write_question(
    store: Store, participant_id: str, workshop_id: int, text: str, topic: str, question_type: str
) -> SeedQuestion:
    """Propose a seed question for a topic × question type cell (session 1).

    Raises:
        InputError: empty text, unknown topic or type.
        ConflictError: not session 1, or the same question was written already.
    """
    workshop, group = seat_in(store, participant_id, workshop_id)
    _require_session(workshop, 1)
    with store.read() as session:
        check_cell(load_study(session, workshop.study), topic, question_type)
    seed = SeedQuestion(
        text=_text(text, "the question"),
        topic=topic,
        question_type=question_type,
        author=participant_id,
        group=f"{workshop.slug}:{group}",
        status="proposed",
    ).with_id(workshop.study)
    with store.session() as session:
        if seed_question_by_id(session, seed.id) is not None:  # type: ignore[arg-type]
            raise ConflictError("this question has been written already")
        add_seed_question(session, workshop.study, seed)
    return seed


def add_topic(
    store: Store, participant_id: str, workshop_id: int, name: str, description: str = ""
) -> Topic:
    """Add a topic to the study from a workshop (origin ``participant``).

    Raises:
        InputError: an empty or too long name.
        ConflictError: the study has that topic already.
    """
    workshop, _ = seat_in(store, participant_id, workshop_id)
    topic = _named(Topic, name, description)
    with store.session() as session:
        study = load_study(session, workshop.study)
        if any(t.name == topic.name for t in study.topics):
            raise ConflictError(f"the study has a topic {topic.name!r} already")
        save_study(session, study.model_copy(update={"topics": [*study.topics, topic]}))
    return topic


def add_question_type(
    store: Store,
    participant_id: str,
    workshop_id: int,
    name: str,
    kind: QuestionKind = "open",
    description: str = "",
) -> QuestionType:
    """Add a question type to the study from a workshop (origin ``participant``).

    Raises:
        InputError: an empty or too long name, or a kind other than open/closed/other.
        ConflictError: the study has that type already.
    """
    workshop, _ = seat_in(store, participant_id, workshop_id)
    if kind not in ("open", "closed", "other"):
        raise InputError("a question type's kind is open, closed or other")
    qtype = _named(QuestionType, name, description, kind=kind)
    with store.session() as session:
        study = load_study(session, workshop.study)
        if any(q.name == qtype.name for q in study.question_types):
            raise ConflictError(f"the study has a question type {qtype.name!r} already")
        save_study(
            session, study.model_copy(update={"question_types": [*study.question_types, qtype]})
        )
    return qtype


def _named(model: type[NamedT], name: str, description: str, **extra: str) -> NamedT:
    name = name.strip()
    if not name or len(name) > 120:
        raise InputError("a name has 1 to 120 characters")
    return model(
        name=name, description=description.strip()[:MAX_TEXT], origin="participant", **extra
    )


def draft_example(
    store: Store,
    model: Model,
    participant_id: str,
    workshop_id: int,
    question: str,
    dimension: str,
    params: SamplingParams = DRAFT_PARAMS,
) -> dict[str, str]:
    """A model's draft of a misaligned response, critique and aligned rewrite, to start session 2 from.

    Raises:
        InputError: empty question, unknown dimension.
        ModelError: the model failed, or answered out of shape on every try (``TruncatedOutputError``
            when the last try ran past ``max_tokens``); raw outputs are in the call log.
    """
    workshop, _ = seat_in(store, participant_id, workshop_id)
    question = _text(question, "the question")
    with store.read() as session:
        study = load_study(session, workshop.study)
    check_dimensions(study, [dimension])
    value = study.dimension(dimension)
    prompt = (
        f"Assistant context: {study.deployment_context}\nQuestion: {question}\n"
        f"Value: {value.name} ({value.definition})\nWrite a response that violates this value, a critique that "
        "names the value and says what is wrong, and an aligned response that respects it. Answer in JSON."
    )
    outcome = call_json(model, prompt, DRAFT_SCHEMA, params, DRAFT_REASK, "workshop:draft")
    if outcome.data is None:
        error = TruncatedOutputError if outcome.status == "truncated" else ModelOutputError
        raise error(outcome.error or "the draft did not parse", outcome.raw)
    return outcome.data


def write_example(
    store: Store,
    participant_id: str,
    workshop_id: int,
    fields: Mapping[str, str],
    dimensions: Sequence[str],
    *,
    llm_assisted: bool = False,
) -> SeedExample:
    """Propose a seed example for one or several value dimensions (session 2).

    Args:
        fields: ``question``, ``misaligned_response``, ``critique``, ``aligned_response``, and
            optionally ``topic`` and ``question_type``.
        llm_assisted: the writers started from a model draft.

    Raises:
        InputError: an empty part, unknown dimensions, topic or type.
        ConflictError: not session 2, or the same example was written already.
    """
    workshop, group = seat_in(store, participant_id, workshop_id)
    _require_session(workshop, 2)
    topic = (fields.get("topic") or "").strip() or None
    qtype = (fields.get("question_type") or "").strip() or None
    with store.read() as session:
        study = load_study(session, workshop.study)
    check_dimensions(study, list(dimensions))
    check_cell(study, topic, qtype)
    seed = SeedExample(
        question=_text(fields.get("question", ""), "the question"),
        misaligned_response=_text(fields.get("misaligned_response", ""), "the misaligned response"),
        critique=_text(fields.get("critique", ""), "the critique"),
        aligned_response=_text(fields.get("aligned_response", ""), "the aligned response"),
        dimensions=list(dict.fromkeys(dimensions)),
        topic=topic,
        question_type=qtype,
        author=participant_id,
        group=f"{workshop.slug}:{group}",
        llm_assisted=llm_assisted,
        status="proposed",
    ).with_id(workshop.study)
    with store.session() as session:
        if seed_example_by_id(session, seed.id) is not None:  # type: ignore[arg-type]
            raise ConflictError("this example has been written already")
        add_seed_example(session, workshop.study, seed)
    return seed


def moderate(
    store: Store,
    slug: str,
    workshop_id: int,
    seed_kind: SeedKind,
    seed_id: str,
    decision: Decision,
    reason: str,
    decided_by: str,
) -> None:
    """The moderator accepts or rejects a seed written in this workshop, with a reason.

    Raises:
        InputError: no reason, or a decision other than accepted/rejected.
        NotFoundError: the seed was not written in this workshop.
    """
    if decision not in ("accepted", "rejected"):
        raise InputError("the decision is accepted or rejected")
    seeds = workshop_seeds(store, slug, workshop_id)
    pool = seeds.questions if seed_kind == "question" else seeds.examples
    if not any(s.id == seed_id for s in pool):
        raise NotFoundError(f"no seed {seed_kind} {seed_id!r} in this workshop")
    decide(
        store,
        slug,
        SeedDecision(
            seed_kind=seed_kind,
            seed_id=seed_id,
            decision=decision,
            reason=reason,
            decided_by=decided_by,
            workshop_id=workshop_id,
        ),
    )


def workshop_seeds(
    store: Store, slug: str, workshop_id: int, group: str | None = None
) -> WorkshopSeeds:
    """Seeds written in a workshop (optionally by one group), every status included."""
    workshop = get_workshop(store, slug, workshop_id)
    prefix = f"{workshop.slug}:{group}" if group else f"{workshop.slug}:"

    def mine(seed: SeedQuestion | SeedExample) -> bool:
        if not seed.group:
            return False
        return seed.group == prefix if group else seed.group.startswith(prefix)

    return WorkshopSeeds(
        questions=[s for s in list_seed_questions(store, slug, status=None) if mine(s)],
        examples=[s for s in list_seed_examples(store, slug, status=None) if mine(s)],
    )
