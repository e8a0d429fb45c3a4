"""Attempts at a study's training check, read and written (the training itself is part of the
study's design: :mod:`coalign.store.studies`).

Like :mod:`coalign.store.coconstruction`, every function takes the caller's session, so the
stage decides what one transaction holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from coalign.store.coconstruction_tables import TrainingAttemptRow


def add_attempt(
    session: Session,
    study_id: int,
    participant_id: str,
    *,
    training_digest: str,
    language: str,
    answers: list[dict[str, Any]],
    score: int,
    pass_mark: int,
    passed: bool,
) -> TrainingAttemptRow:
    """Insert one attempt at the check and flush it (so it has its id and time)."""
    row = TrainingAttemptRow(
        study_id=study_id,
        participant_id=participant_id,
        training_digest=training_digest,
        language=language,
        answers=answers,
        score=score,
        pass_mark=pass_mark,
        passed=passed,
    )
    session.add(row)
    session.flush()
    return row


def attempts_of(session: Session, participant_id: str) -> list[TrainingAttemptRow]:
    """A participant's attempts, oldest first."""
    return list(
        session.scalars(
            select(TrainingAttemptRow)
            .where(TrainingAttemptRow.participant_id == participant_id)
            .order_by(TrainingAttemptRow.id)
        )
    )


def has_passed(session: Session, participant_id: str) -> bool:
    """Whether any of the participant's attempts passed."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    TrainingAttemptRow.participant_id == participant_id,
                    TrainingAttemptRow.passed.is_(True),
                )
            )
        )
    )


def study_attempt_rows(session: Session, study_id: int) -> list[TrainingAttemptRow]:
    """Every attempt in a study, by participant, then oldest first."""
    return list(
        session.scalars(
            select(TrainingAttemptRow)
            .where(TrainingAttemptRow.study_id == study_id)
            .order_by(TrainingAttemptRow.participant_id, TrainingAttemptRow.id)
        )
    )
