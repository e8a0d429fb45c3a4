"""Seed workshops ("datathons"): breakout groups write seeds; a moderator accepts or rejects each.

Session 1: groups write seed questions per topic × question type, and may add topics and types.
Session 2: per value dimension (one or several), groups write a misaligned response, a critique
naming the value at risk, and an aligned rewrite, optionally starting from a model draft (then the
seed is marked LLM-assisted). Seeds are stored as ``proposed`` with the group as
``<workshop>:<group>``; the moderator's accept/reject goes to the decision log with a reason, and
accepted seeds are what generation recipes draw on. A timer per session reminds of breaks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.core.coconstruction import MAX_TEXT
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.core.study import QuestionKind, QuestionType, Topic
from coalign.elicit.members import member
from coalign.elicit.seed_review import (
    Decision,
    SeedDecision,
    SeedKind,
    add_seed_example,
    add_seed_question,
    check_cell,
    check_dimensions,
    decide,
)
from coalign.llm.model import Model
from coalign.store.coconstruction_tables import WorkshopRow
from coalign.store.engine import Store
from coalign.store.seeds import list_seed_examples, list_seed_questions
from coalign.store.studies import load_study, save_study, study_row
from coalign.store.tables import ParticipantRow, SeedExampleRow, SeedQuestionRow, StudyRow, utcnow

DRAFT_SCHEMA = {
    "type": "object",
    "properties": {
        "misaligned_response": {"type": "string", "minLength": 1, "maxLength": 600},
        "critique": {"type": "string", "minLength": 1, "maxLength": 400},
        "aligned_response": {"type": "string", "minLength": 1, "maxLength": 600},
    },
    "required": ["misaligned_response", "critique", "aligned_response"],
    "additionalProperties": False,
}
DRAFT_PARAMS = SamplingParams(temperature=0.7, max_tokens=240)


class Workshop(BaseModel):
    """A workshop: breakout groups (name → participant ids), the running session and its timer."""

    id: int
    study: str
    slug: str
    title: str
    groups: dict[str, list[str]]
    session: Literal[1, 2]
    session_minutes: int
    break_every_minutes: int
    session_started_at: datetime | None = None


class Timer(BaseModel):
    """What the visible timer shows at a moment."""

    running: bool
    elapsed_seconds: int
    remaining_seconds: int
    break_due: bool
    next_break_in_seconds: int | None


class WorkshopSeeds(BaseModel):
    """The seeds a workshop produced, every status included."""

    questions: list[SeedQuestion] = Field(default_factory=list)
    examples: list[SeedExample] = Field(default_factory=list)


def _view(session: Session, row: WorkshopRow) -> Workshop:
    return Workshop(id=row.id, study=session.get(StudyRow, row.study_id).slug, slug=row.slug, title=row.title,
                    groups=row.groups, session=row.session, session_minutes=row.session_minutes,
                    break_every_minutes=row.break_every_minutes, session_started_at=row.session_started_at)


def create_workshop(
    store: Store, slug: str, workshop_slug: str, title: str, groups: Mapping[str, Sequence[str]],
    *, session_minutes: int = 45, break_every_minutes: int = 25,
) -> Workshop:
    """Create a workshop of study ``slug`` with its breakout groups.

    Raises:
        InputError: a bad slug or timer setting, no groups, a person in two groups, or a member who
            is not a participant of the study; a slug in use.
    """
    workshop_slug = workshop_slug.strip()
    if not workshop_slug or len(workshop_slug) > 40 or not workshop_slug.replace("-", "").isalnum():
        raise InputError("a workshop slug has 1 to 40 letters, digits and dashes")
    if not 5 <= session_minutes <= 480 or not 5 <= break_every_minutes <= 240:
        raise InputError("sessions last 5 to 480 minutes, with a break every 5 to 240 minutes")
    if not groups or any(not name.strip() or len(name) > 60 for name in groups):
        raise InputError("give at least one breakout group, each with a name of 1 to 60 characters")
    people = [pid for members in groups.values() for pid in members]
    if len(set(people)) != len(people):
        raise InputError("each person belongs to one breakout group only")
    try:
        with store.session() as session:
            study_id = study_row(session, slug).id
            for pid in people:
                person = session.get(ParticipantRow, pid)
                if person is None or person.study_id != study_id:
                    raise InputError(f"{pid!r} is not a participant of study {slug!r}")
            row = WorkshopRow(study_id=study_id, slug=workshop_slug, title=title.strip() or workshop_slug,
                              groups={name.strip(): list(members) for name, members in groups.items()},
                              session_minutes=session_minutes, break_every_minutes=break_every_minutes)
            session.add(row)
            session.flush()
            return _view(session, row)
    except IntegrityError as exc:
        raise InputError(f"study {slug!r} has a workshop {workshop_slug!r} already") from exc


def _workshop(session: Session, slug: str, workshop_id: int) -> WorkshopRow:
    row = session.get(WorkshopRow, workshop_id)
    if row is None or row.study_id != study_row(session, slug).id:
        raise NotFoundError(f"no workshop {workshop_id} in study {slug!r}")
    return row


def get_workshop(store: Store, slug: str, workshop_id: int) -> Workshop:
    """A workshop of study ``slug``."""
    with store.read() as session:
        return _view(session, _workshop(session, slug, workshop_id))


def study_workshops(store: Store, slug: str) -> list[Workshop]:
    """Every workshop of a study."""
    with store.read() as session:
        rows = session.scalars(select(WorkshopRow).where(WorkshopRow.study_id == study_row(session, slug).id)
                               .order_by(WorkshopRow.id))
        return [_view(session, row) for row in rows]


def start_session(store: Store, slug: str, workshop_id: int, number: Literal[1, 2]) -> Workshop:
    """Start (or restart) session 1 or 2; its timer runs from now.

    Raises:
        InputError: a session other than 1 or 2.
    """
    if number not in (1, 2):
        raise InputError("a workshop has session 1 (questions) and session 2 (examples)")
    with store.session() as session:
        row = _workshop(session, slug, workshop_id)
        row.session, row.session_started_at = number, utcnow()
        return _view(session, row)


def timer(workshop: Workshop, now: datetime | None = None) -> Timer:
    """Elapsed and remaining time of the running session and whether a break is due.

    A break is due during the first five minutes after each ``break_every_minutes`` mark.
    """
    if workshop.session_started_at is None:
        return Timer(running=False, elapsed_seconds=0, remaining_seconds=workshop.session_minutes * 60,
                     break_due=False, next_break_in_seconds=None)
    now = now or datetime.now(UTC)
    started = workshop.session_started_at
    started = started if started.tzinfo else started.replace(tzinfo=UTC)
    elapsed = max(0, int((now - started).total_seconds()))
    total, every = workshop.session_minutes * 60, workshop.break_every_minutes * 60
    remaining = max(0, total - elapsed)
    since_mark = elapsed % every
    break_due = elapsed >= every and since_mark < 300 and remaining > 0
    next_mark = every - since_mark
    return Timer(running=remaining > 0, elapsed_seconds=elapsed, remaining_seconds=remaining, break_due=break_due,
                 next_break_in_seconds=next_mark if next_mark < remaining else None)


def seat_in(store: Store, participant_id: str, workshop_id: int) -> tuple[Workshop, str]:
    """The workshop and breakout group of a participant.

    Raises:
        NotFoundError: the person is in none of the workshop's groups.
    """
    with store.read() as session:
        member(session, participant_id)
        row = session.get(WorkshopRow, workshop_id)
        group = next((g for g, members in (row.groups if row else {}).items() if participant_id in members), None)
        if row is None or group is None:
            raise NotFoundError(f"no workshop {workshop_id} of yours")
        return _view(session, row), group


def workshops_of(store: Store, participant_id: str) -> list[Workshop]:
    """The workshops whose groups include the participant."""
    with store.read() as session:
        person = member(session, participant_id)
        rows = session.scalars(select(WorkshopRow).where(WorkshopRow.study_id == person.study_id))
        return [_view(session, r) for r in rows if any(participant_id in m for m in r.groups.values())]


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise InputError(f"{what} is empty")
    if len(value) > MAX_TEXT:
        raise InputError(f"{what} has more than {MAX_TEXT} characters")
    return value


def _require_session(workshop: Workshop, number: int) -> None:
    if workshop.session != number:
        raise ConflictError(f"the workshop is in session {workshop.session}; this belongs to session {number}")


def write_question(store: Store, participant_id: str, workshop_id: int, text: str, topic: str,
                   question_type: str) -> SeedQuestion:
    """Propose a seed question for a topic × question type cell (session 1).

    Raises:
        InputError: empty text, unknown topic or type.
        ConflictError: not session 1, or the same question was written already.
    """
    workshop, group = seat_in(store, participant_id, workshop_id)
    _require_session(workshop, 1)
    with store.read() as session:
        check_cell(load_study(session, workshop.study), topic, question_type)
    seed = SeedQuestion(text=_text(text, "the question"), topic=topic, question_type=question_type,
                        author=participant_id, group=f"{workshop.slug}:{group}", status="proposed").with_id(workshop.study)
    with store.session() as session:
        if session.get(SeedQuestionRow, seed.id) is not None:
            raise ConflictError("this question has been written already")
        add_seed_question(session, workshop.study, seed)
    return seed


def add_topic(store: Store, participant_id: str, workshop_id: int, name: str, description: str = "") -> Topic:
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


def add_question_type(store: Store, participant_id: str, workshop_id: int, name: str, kind: QuestionKind = "open",
                      description: str = "") -> QuestionType:
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
        save_study(session, study.model_copy(update={"question_types": [*study.question_types, qtype]}))
    return qtype


def _named(model: type, name: str, description: str, **extra: str):  # noqa: ANN202
    name = name.strip()
    if not name or len(name) > 120:
        raise InputError("a name has 1 to 120 characters")
    return model(name=name, description=description.strip()[:MAX_TEXT], origin="participant", **extra)


def draft_example(store: Store, model: Model, participant_id: str, workshop_id: int, question: str,
                  dimension: str, params: SamplingParams = DRAFT_PARAMS) -> dict[str, str]:
    """A model's draft of a misaligned response, critique and aligned rewrite, to start session 2 from.

    Raises:
        InputError: empty question, unknown dimension.
        ModelError: the model failed or answered out of shape (its raw output is in the call log).
    """
    workshop, _ = seat_in(store, participant_id, workshop_id)
    question = _text(question, "the question")
    with store.read() as session:
        study = load_study(session, workshop.study)
    check_dimensions(study, [dimension])
    value = study.dimension(dimension)
    prompt = (
        f"Assistant context: {study.deployment_context}\nQuestion: {question}\n"
        f'Value: {value.name} ({value.definition})\nWrite a response that violates this value, a critique that '
        "names the value and says what is wrong, and an aligned response that respects it. Answer in JSON."
    )
    request = ChatRequest(messages=[Message(role="user", content=prompt)], params=params, json_schema=DRAFT_SCHEMA)
    return model.complete_json(request, purpose="workshop:draft")


def write_example(store: Store, participant_id: str, workshop_id: int, fields: Mapping[str, str],
                  dimensions: Sequence[str], *, llm_assisted: bool = False) -> SeedExample:
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
        dimensions=list(dict.fromkeys(dimensions)), topic=topic, question_type=qtype,
        author=participant_id, group=f"{workshop.slug}:{group}", llm_assisted=llm_assisted, status="proposed",
    ).with_id(workshop.study)
    with store.session() as session:
        if session.get(SeedExampleRow, seed.id) is not None:
            raise ConflictError("this example has been written already")
        add_seed_example(session, workshop.study, seed)
    return seed


def moderate(store: Store, slug: str, workshop_id: int, seed_kind: SeedKind, seed_id: str, decision: Decision,
             reason: str, decided_by: str) -> None:
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
    decide(store, slug, SeedDecision(seed_kind=seed_kind, seed_id=seed_id, decision=decision, reason=reason,
                                     decided_by=decided_by, workshop_id=workshop_id))


def workshop_seeds(store: Store, slug: str, workshop_id: int, group: str | None = None) -> WorkshopSeeds:
    """Seeds written in a workshop (optionally by one group), every status included."""
    workshop = get_workshop(store, slug, workshop_id)
    prefix = f"{workshop.slug}:{group}" if group else f"{workshop.slug}:"

    def mine(seed: SeedQuestion | SeedExample) -> bool:
        return bool(seed.group) and (seed.group == prefix if group else seed.group.startswith(prefix))

    return WorkshopSeeds(
        questions=[s for s in list_seed_questions(store, slug, status=None) if mine(s)],
        examples=[s for s in list_seed_examples(store, slug, status=None) if mine(s)],
    )
