"""Process feedback, read and written (see :mod:`coalign.coconstruct.process_feedback`)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalign.store.process_feedback_tables import ProcessFeedbackRow


def add_process_feedback(
    session: Session,
    study_id: int,
    participant_id: str,
    phase: str,
    answers: Mapping[str, int],
    comments: Mapping[str, str],
) -> ProcessFeedbackRow:
    """Insert a participant's feedback on ``phase`` and flush it (a second one for the same phase
    raises :class:`sqlalchemy.exc.IntegrityError`)."""
    row = ProcessFeedbackRow(
        study_id=study_id,
        participant_id=participant_id,
        phase=phase,
        answers=dict(answers),
        comments=dict(comments),
    )
    session.add(row)
    session.flush()
    return row


def process_feedback_of(session: Session, participant_id: str) -> list[ProcessFeedbackRow]:
    """A participant's feedback, oldest first."""
    return list(
        session.scalars(
            select(ProcessFeedbackRow)
            .where(ProcessFeedbackRow.participant_id == participant_id)
            .order_by(ProcessFeedbackRow.id)
        )
    )


def study_process_feedback_rows(session: Session, study_id: int) -> list[ProcessFeedbackRow]:
    """Every participant's feedback in a study, oldest first."""
    return list(
        session.scalars(
            select(ProcessFeedbackRow)
            .where(ProcessFeedbackRow.study_id == study_id)
            .order_by(ProcessFeedbackRow.id)
        )
    )
