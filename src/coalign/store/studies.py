"""Studies and their design (dimensions, topics, question types), stored and read back."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coalign.core.errors import NotFoundError
from coalign.core.study import QuestionType, Study, Topic, ValueDimension
from coalign.store.engine import Store
from coalign.store.tables import (
    DimensionRow,
    QuestionTypeRow,
    SeedExampleRow,
    SeedQuestionRow,
    StudyRow,
    TopicRow,
)

_DESIGN_FIELDS = (
    "title",
    "description",
    "deployment_context",
    "system_prompt",
    "languages",
    "consent_text",
    "entities",
)

#: The per-study design tables, each with a ``study_id`` and a ``position``.
_DesignRow = TypeVar("_DesignRow", DimensionRow, TopicRow, QuestionTypeRow)


def study_row(session: Session, slug: str) -> StudyRow:
    """The row of study ``slug``.

    Raises:
        NotFoundError: no such study.
    """
    row = session.scalars(select(StudyRow).where(StudyRow.slug == slug)).first()
    if row is None:
        known = session.scalars(select(StudyRow.slug).order_by(StudyRow.slug)).all()
        hint = (
            f"; studies in this database: {', '.join(known)}"
            if known
            else "; the database has no studies yet"
        )
        raise NotFoundError(f"no study {slug!r}{hint}")
    return row


def save_study(session: Session, study: Study) -> StudyRow:
    """Insert or update a study's design; dimensions, topics and types are replaced by the given lists."""
    row = session.scalars(select(StudyRow).where(StudyRow.slug == study.slug)).first()
    if row is None:
        row = StudyRow(slug=study.slug)
        session.add(row)
    for field in _DESIGN_FIELDS:
        setattr(row, field, getattr(study, field))
    row.translations = {
        language: texts.model_dump(exclude_none=True)
        for language, texts in study.translations.items()
    }
    row.training = study.training.model_dump(mode="json") if study.training else None
    session.flush()
    for table in (DimensionRow, TopicRow, QuestionTypeRow):
        session.execute(delete(table).where(table.study_id == row.id))
    for position, dim in enumerate(study.dimensions):
        session.add(DimensionRow(study_id=row.id, position=position, **dim.model_dump()))
    for position, topic in enumerate(study.topics):
        session.add(TopicRow(study_id=row.id, position=position, **topic.model_dump()))
    for position, qtype in enumerate(study.question_types):
        session.add(QuestionTypeRow(study_id=row.id, position=position, **qtype.model_dump()))
    session.flush()
    return row


def _rows(session: Session, table: type[_DesignRow], study_id: int) -> list[_DesignRow]:
    """The rows of design table ``table`` for one study, in their stored order."""
    return list(
        session.scalars(select(table).where(table.study_id == study_id).order_by(table.position))
    )


def load_study(session: Session, slug: str) -> Study:
    """The full design of study ``slug``.

    Raises:
        NotFoundError: no such study.
    """
    row = study_row(session, slug)
    return Study(
        slug=row.slug,
        **{field: getattr(row, field) for field in _DESIGN_FIELDS},
        translations=row.translations,
        training=row.training,
        dimensions=[
            ValueDimension(
                name=d.name,
                definition=d.definition,
                scale_labels=d.scale_labels,
                origin=d.origin,
                examples=d.examples,
            )
            for d in _rows(session, DimensionRow, row.id)
        ],
        topics=[
            Topic(name=t.name, description=t.description, origin=t.origin)
            for t in _rows(session, TopicRow, row.id)
        ],
        question_types=[
            QuestionType(
                name=q.name,
                description=q.description,
                kind=q.kind,
                example=q.example,
                origin=q.origin,
            )
            for q in _rows(session, QuestionTypeRow, row.id)
        ],
    )


def get_study(store: Store, slug: str) -> Study:
    """Read study ``slug`` in its own session."""
    with store.read() as session:
        return load_study(session, slug)


def list_studies(store: Store) -> list[str]:
    """Slugs of every study, alphabetically."""
    with store.read() as session:
        return list(session.scalars(select(StudyRow.slug).order_by(StudyRow.slug)))


def study_counts(store: Store, slug: str) -> dict[str, int]:
    """How many dimensions, topics, question types and seeds (by status) a study has."""
    with store.read() as session:
        row = study_row(session, slug)
        counts = {
            "dimensions": _count(session, DimensionRow, row.id),
            "topics": _count(session, TopicRow, row.id),
            "question_types": _count(session, QuestionTypeRow, row.id),
        }
        for table, name in ((SeedQuestionRow, "seed_questions"), (SeedExampleRow, "seed_examples")):
            by_status = session.execute(
                select(table.status, func.count())
                .where(table.study_id == row.id)
                .group_by(table.status)
            ).all()
            counts[name] = sum(n for _, n in by_status)
            counts.update({f"{name}_{status}": n for status, n in by_status})
        return counts


def _count(session: Session, table: type[_DesignRow], study_id: int) -> int:
    """How many rows design table ``table`` holds for one study."""
    return (
        session.scalar(select(func.count()).select_from(table).where(table.study_id == study_id))
        or 0
    )
