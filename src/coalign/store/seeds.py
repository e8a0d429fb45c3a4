"""Seed questions and seed examples, upserted by their content-derived ids, and the log of
decisions people took on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from coalign.core.seeds import SeedExample, SeedQuestion, SeedStatus
from coalign.store.coconstruction_tables import SeedDecisionRow
from coalign.store.engine import Store
from coalign.store.studies import study_row
from coalign.store.tables import SeedExampleRow, SeedQuestionRow


def save_seed_questions(session: Session, slug: str, seeds: Iterable[SeedQuestion]) -> list[str]:
    """Insert or update seed questions of study ``slug``; returns their ids."""
    study_id = study_row(session, slug).id
    ids = []
    for seed in seeds:
        seed = seed.with_id(slug)
        row = SeedQuestionRow(study_id=study_id, **seed.model_dump())
        session.merge(row)
        ids.append(row.id)
    return ids


def save_seed_examples(session: Session, slug: str, seeds: Iterable[SeedExample]) -> list[str]:
    """Insert or update seed examples of study ``slug``; returns their ids."""
    study_id = study_row(session, slug).id
    ids = []
    for seed in seeds:
        seed = seed.with_id(slug)
        row = SeedExampleRow(study_id=study_id, **seed.model_dump())
        session.merge(row)
        ids.append(row.id)
    return ids


def list_seed_questions(
    store: Store, slug: str, status: SeedStatus | None = "accepted"
) -> list[SeedQuestion]:
    """Seed questions of a study in a stable order, by default only accepted ones."""
    with store.read() as session:
        query = select(SeedQuestionRow).where(
            SeedQuestionRow.study_id == study_row(session, slug).id
        )
        if status:
            query = query.where(SeedQuestionRow.status == status)
        rows = session.scalars(query.order_by(SeedQuestionRow.topic, SeedQuestionRow.id))
        return [SeedQuestion.model_validate(_fields(row, SeedQuestion)) for row in rows]


def list_seed_examples(
    store: Store, slug: str, status: SeedStatus | None = "accepted"
) -> list[SeedExample]:
    """Seed examples of a study in a stable order, by default only accepted ones."""
    with store.read() as session:
        query = select(SeedExampleRow).where(SeedExampleRow.study_id == study_row(session, slug).id)
        if status:
            query = query.where(SeedExampleRow.status == status)
        rows = session.scalars(query.order_by(SeedExampleRow.id))
        return [SeedExample.model_validate(_fields(row, SeedExample)) for row in rows]


def seed_question_by_id(session: Session, seed_id: str) -> SeedQuestionRow | None:
    """The seed question ``seed_id`` (of any study), or ``None`` if there is none."""
    return session.get(SeedQuestionRow, seed_id)


def seed_example_by_id(session: Session, seed_id: str) -> SeedExampleRow | None:
    """The seed example ``seed_id`` (of any study), or ``None`` if there is none."""
    return session.get(SeedExampleRow, seed_id)


def add_seed_decision(
    session: Session,
    study_id: int,
    *,
    seed_kind: str,
    seed_id: str,
    decision: str,
    reason: str,
    decided_by: str,
    workshop_id: int | None = None,
    diary_entry_id: int | None = None,
) -> SeedDecisionRow:
    """Append an accept/reject decision on a seed to the study's log; returns the new row.

    Flushes, so a second promotion of the same diary entry to the same kind of seed raises
    :class:`sqlalchemy.exc.IntegrityError` here (the unique ``(diary_entry_id, seed_kind)``).

    Args:
        seed_kind: ``question`` or ``example``.
        workshop_id: the workshop where it was taken, if any.
        diary_entry_id: the diary entry the decision promoted to this seed, if any.
    """
    row = SeedDecisionRow(
        study_id=study_id,
        seed_kind=seed_kind,
        seed_id=seed_id,
        decision=decision,
        reason=reason,
        decided_by=decided_by,
        workshop_id=workshop_id,
        diary_entry_id=diary_entry_id,
    )
    session.add(row)
    session.flush()
    return row


def seed_decision_rows(
    session: Session, study_id: int, seed_id: str | None = None
) -> list[SeedDecisionRow]:
    """The decision log of a study, or with ``seed_id`` of that one seed, oldest first."""
    query = select(SeedDecisionRow).where(SeedDecisionRow.study_id == study_id)
    if seed_id:
        query = query.where(SeedDecisionRow.seed_id == seed_id)
    return list(session.scalars(query.order_by(SeedDecisionRow.id)))


def promotion_rows(
    session: Session, study_id: int, entry_ids: Iterable[int] | None = None
) -> list[SeedDecisionRow]:
    """The decisions that promoted diary entries of a study to seeds (optionally of
    ``entry_ids`` only), oldest first."""
    query = select(SeedDecisionRow).where(
        SeedDecisionRow.study_id == study_id, SeedDecisionRow.diary_entry_id.is_not(None)
    )
    if entry_ids is not None:
        query = query.where(SeedDecisionRow.diary_entry_id.in_(list(entry_ids)))
    return list(session.scalars(query.order_by(SeedDecisionRow.id)))


def _fields(row: object, model: type[BaseModel]) -> dict[str, Any]:
    """The values of ``row``'s attributes named like the fields of ``model``."""
    return {name: getattr(row, name) for name in model.model_fields}
