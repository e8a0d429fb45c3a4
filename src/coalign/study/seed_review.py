"""Writing seeds that people made, and the accept/reject log with who decided and why.

Seeds from workshops and promoted diary entries go to the same ``seed_questions`` /
``seed_examples`` tables as imported seeds, so generation recipes pick up accepted ones
without any extra step. Every decision is appended to ``seed_decisions``; the seed row keeps
only its latest status and reason. Topics and question types that participants propose join
the study's design through :func:`add_to_design`, once a moderator accepted them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, field_validator
from sqlalchemy.orm import Session

from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.core.study import QuestionType, Study, Topic
from coalign.store import Store
from coalign.store.seeds import (
    add_seed_decision,
    save_seed_examples,
    save_seed_questions,
    seed_decision_rows,
    seed_example_by_id,
    seed_question_by_id,
)
from coalign.store.studies import load_study, save_study, study_row

SeedKind = Literal["question", "example"]
Decision = Literal["accepted", "rejected"]
_SEED_BY_ID = {"question": seed_question_by_id, "example": seed_example_by_id}


class SeedDecision(BaseModel):
    """One accept/reject decision on a seed.

    Attributes:
        workshop_id: the workshop where it was taken, if any.
        diary_entry_id: the diary entry this decision promoted to the seed, if any.
    """

    seed_kind: SeedKind
    seed_id: str
    decision: Decision
    reason: str
    decided_by: str
    workshop_id: int | None = None
    diary_entry_id: int | None = None


class LoggedDecision(SeedDecision):
    """A decision as the log keeps it, with when it was taken (in UTC on every engine)."""

    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # SQLite hands back naive datetimes, PostgreSQL ones in the session's time zone
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_cell(study: Study, topic: str | None, question_type: str | None) -> None:
    """Refuse a topic or question type the study does not have.

    Raises:
        InputError: naming the unknown topic or type and the known ones.
    """
    topics = [t.name for t in study.topics]
    types = [q.name for q in study.question_types]
    if topic is not None and topic not in topics:
        raise InputError(f"unknown topic {topic!r}; the study has {', '.join(topics) or 'none'}")
    if question_type is not None and question_type not in types:
        raise InputError(
            f"unknown question type {question_type!r}; the study has {', '.join(types) or 'none'}"
        )


def check_dimensions(study: Study, dimensions: list[str]) -> None:
    """Refuse an empty list or a dimension the study does not have.

    Raises:
        InputError: naming the unknown dimension(s) and the known ones.
    """
    if not dimensions:
        raise InputError("choose at least one value dimension")
    known = [d.name for d in study.dimensions]
    unknown = [d for d in dimensions if d not in known]
    if unknown:
        raise InputError(
            f"unknown value dimension(s) {', '.join(unknown)}; the study has {', '.join(known)}"
        )


def add_seed_question(session: Session, slug: str, seed: SeedQuestion) -> str:
    """Store a seed question (its id derives from its content) and return the id."""
    return save_seed_questions(session, slug, [seed])[0]


def add_seed_example(session: Session, slug: str, seed: SeedExample) -> str:
    """Store a seed example (its id derives from its content) and return the id."""
    return save_seed_examples(session, slug, [seed])[0]


def add_to_design(session: Session, slug: str, item: Topic | QuestionType) -> None:
    """Append a topic or question type to the study's design, where seed questions and
    generation plans find it.

    Raises:
        ConflictError: the study has a topic (or question type) of that name already.
    """
    study = load_study(session, slug)
    field = "topics" if isinstance(item, Topic) else "question_types"
    present: list[Topic] | list[QuestionType] = getattr(study, field)
    if any(p.name == item.name for p in present):
        what = "topic" if isinstance(item, Topic) else "question type"
        raise ConflictError(f"the study has a {what} {item.name!r} already")
    save_study(session, study.model_copy(update={field: [*present, item]}))


def record_decision(session: Session, slug: str, decision: SeedDecision) -> LoggedDecision:
    """Set a seed's status and reason and append the decision to the log; returns the entry.

    Raises:
        InputError: no reason given.
        NotFoundError: no such seed in the study.
    """
    reason = decision.reason.strip()
    if not reason:
        raise InputError("give a reason for every accept or reject")
    study_id = study_row(session, slug).id
    row = _SEED_BY_ID[decision.seed_kind](session, decision.seed_id)
    if row is None or row.study_id != study_id:
        raise NotFoundError(f"no seed {decision.seed_kind} {decision.seed_id!r} in study {slug!r}")
    row.status, row.reason = decision.decision, reason
    logged = add_seed_decision(
        session, study_id, **decision.model_dump(exclude={"reason"}), reason=reason
    )
    return LoggedDecision.model_validate(logged, from_attributes=True)


def decide(store: Store, slug: str, decision: SeedDecision) -> None:
    """:func:`record_decision` in its own transaction."""
    with store.session() as session:
        record_decision(session, slug, decision)


def decisions(store: Store, slug: str, seed_id: str | None = None) -> list[LoggedDecision]:
    """The decision log of a study (or of one seed), oldest first."""
    with store.read() as session:
        return seed_decision_log(session, slug, seed_id)


def seed_decision_log(
    session: Session, slug: str, seed_id: str | None = None
) -> list[LoggedDecision]:
    """:func:`decisions` inside the caller's session."""
    rows = seed_decision_rows(session, study_row(session, slug).id, seed_id)
    return [LoggedDecision.model_validate(r, from_attributes=True) for r in rows]


def study_seed(
    session: Session, slug: str, kind: SeedKind, seed_id: str
) -> SeedQuestion | SeedExample:
    """One seed of a study, whatever its status.

    Raises:
        NotFoundError: no such seed in the study.
    """
    row = _SEED_BY_ID[kind](session, seed_id)
    if row is None or row.study_id != study_row(session, slug).id:
        raise NotFoundError(f"no seed {kind} {seed_id!r} in study {slug!r}")
    model = SeedQuestion if kind == "question" else SeedExample
    return model.model_validate({name: getattr(row, name) for name in model.model_fields})
