"""Who may act in co-construction activities, and the shared checks every activity makes.

A participant belongs to one study; diaries, conversations, codes and rankings are the
participant's own. Anything that names another person's object answers "not found", so an id
in a URL or a form tells nothing about what exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from coalign.core.errors import (
    AccessDeniedError,
    InputError,
    NotFoundError,
    describe_validation_error,
)
from coalign.store import Store
from coalign.store.participation import (
    consenting_participant_ids,
    participant_by_id,
    study_by_id,
    study_id_by_slug,
)
from coalign.store.participation_tables import ParticipantRow
from coalign.store.tables import StudyRow

T = TypeVar("T", bound=BaseModel)
RowT = TypeVar("RowT")


def member(session: Session, participant_id: str) -> ParticipantRow:
    """The participant row of a person taking part.

    Raises:
        AccessDeniedError: no such participant, or the person has not consented.
    """
    row = participant_by_id(session, participant_id) if participant_id else None
    if row is None:
        raise AccessDeniedError("no participant session; please open your study link again")
    if row.consented_at is None and row.role == "participant":
        raise AccessDeniedError("please give your consent before taking part")
    return row


def check_participants(session: Session, study_id: int, slug: str, people: Sequence[str]) -> None:
    """Refuse anyone in ``people`` who is not a participant of the study.

    Raises:
        InputError: naming the first person who does not belong to study ``slug``.
    """
    for pid in people:
        person = participant_by_id(session, pid)
        if person is None or person.study_id != study_id:
            raise InputError(f"{pid!r} is not a participant of study {slug!r}")


def study_row_by_id(session: Session, study_id: int) -> StudyRow:
    """The row of study ``study_id`` (the study of a participant, campaign or conversation).

    Raises:
        NotFoundError: no such study.
    """
    study = study_by_id(session, study_id)
    if study is None:
        raise NotFoundError(f"no study {study_id}")
    return study


def study_of(session: Session, participant_id: str) -> StudyRow:
    """The study a consenting participant takes part in (see :func:`member`)."""
    return study_row_by_id(session, member(session, participant_id).study_id)


def owned(row: RowT | None, participant_id: str, what: str, ident: object) -> RowT:
    """``row`` if it exists and belongs to ``participant_id``.

    Raises:
        NotFoundError: it does not exist or is someone else's (the same answer either way).
    """
    if row is None or getattr(row, "participant_id", None) != participant_id:
        raise NotFoundError(f"no {what} {ident} of yours")
    return row


def validated(model: type[T], data: object, what: str) -> T:
    """Validate user input against ``model``.

    Raises:
        InputError: one message naming every bad field, prefixed with ``what``.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{what}: " + "; ".join(describe_validation_error(exc))) from exc


def study_slug_of(store: Store, participant_id: str) -> str:
    """The slug of the study a consenting participant takes part in."""
    with store.read() as session:
        return study_of(session, participant_id).slug


def study_participants(store: Store, slug: str) -> list[str]:
    """Ids of the study's participants who have consented, oldest first (for forming groups)."""
    with store.read() as session:
        study_id = study_id_by_slug(session, slug)
        if study_id is None:
            raise NotFoundError(f"no study {slug!r}")
        return consenting_participant_ids(session, study_id)
