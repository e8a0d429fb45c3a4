"""Who takes part, read and written: participants, demographics, facilitator accounts, logins
and the app's settings.

Every function takes the caller's :class:`~sqlalchemy.orm.Session`, so the stage that calls it
decides what one transaction holds (a check and the insert it guards stay in one). Functions
named ``*_by_*`` return ``None`` when nothing matches; the stage decides what that means.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coalign.core.participants import DemographicAnswer
from coalign.store.engine import IDS_PER_QUERY
from coalign.store.participation_tables import (
    AccountRow,
    AppSettingRow,
    DemographicAnswerRow,
    DemographicSurveyRow,
    LoginAttemptRow,
    ParticipantRow,
)
from coalign.store.rating_tables import EnrollmentRow
from coalign.store.tables import StudyRow

# --- participants -------------------------------------------------------------------------


def participant_by_id(session: Session, participant_id: str) -> ParticipantRow | None:
    """The participant ``participant_id``, or ``None`` if there is none."""
    return session.get(ParticipantRow, participant_id)


def add_participant(
    session: Session,
    participant_id: str,
    study_id: int,
    *,
    language: str,
    token_hash: str | None = None,
    external_ids: dict[str, Any] | None = None,
) -> ParticipantRow:
    """Insert a participant of study ``study_id`` and flush it, so rows may point at it.

    Args:
        token_hash: the hash of a personal invite token (invited people only).
        external_ids: a crowd platform's ids (crowd participants only); empty when ``None``.

    Raises:
        sqlalchemy.exc.IntegrityError: the id or token hash is taken (e.g. a concurrent join).
    """
    row = ParticipantRow(
        id=participant_id,
        study_id=study_id,
        token_hash=token_hash,
        language=language,
        external_ids=external_ids or {},
    )
    session.add(row)
    session.flush()
    return row


def invited_enrollment(session: Session, token_hash: str) -> EnrollmentRow | None:
    """The enrolment of the participant whose invite token hashes to ``token_hash``, if any."""
    return session.scalars(
        select(EnrollmentRow)
        .join(ParticipantRow, ParticipantRow.id == EnrollmentRow.participant_id)
        .where(ParticipantRow.token_hash == token_hash)
    ).first()


def consenting_participant_ids(session: Session, study_id: int) -> list[str]:
    """Ids of the study's participants who have consented, oldest first."""
    return list(
        session.scalars(
            select(ParticipantRow.id)
            .where(
                ParticipantRow.study_id == study_id,
                ParticipantRow.consented_at.is_not(None),
            )
            .order_by(ParticipantRow.created_at, ParticipantRow.id)
        )
    )


# --- studies, as seen from their participants -----------------------------------------------


def study_by_id(session: Session, study_id: int) -> StudyRow | None:
    """The study with primary key ``study_id``, or ``None``."""
    return session.get(StudyRow, study_id)


def study_id_by_slug(session: Session, slug: str) -> int | None:
    """The primary key of study ``slug``, or ``None`` when there is no such study."""
    return session.scalars(select(StudyRow.id).where(StudyRow.slug == slug)).first()


def study_slug_of_participant(session: Session, participant_id: str) -> str | None:
    """The slug of the study ``participant_id`` takes part in (``None``: no such participant)."""
    return session.scalar(
        select(StudyRow.slug)
        .join(ParticipantRow, ParticipantRow.study_id == StudyRow.id)
        .where(ParticipantRow.id == participant_id)
    )


# --- demographics ---------------------------------------------------------------------------


def survey_questions(session: Session, study_id: int) -> list[Any] | None:
    """The stored demographics questions of a study (as dicts), or ``None`` when it set none."""
    row = session.get(DemographicSurveyRow, study_id)
    return None if row is None else row.questions


def replace_survey(session: Session, study_id: int, questions: list[dict[str, Any]]) -> None:
    """Make ``questions`` the study's demographics survey, replacing any it had."""
    session.execute(delete(DemographicSurveyRow).where(DemographicSurveyRow.study_id == study_id))
    session.add(DemographicSurveyRow(study_id=study_id, questions=questions))


def replace_demographic_answers(
    session: Session, participant_id: str, answers: Iterable[DemographicAnswer]
) -> None:
    """Make ``answers`` the participant's demographic answers, dropping any given before."""
    session.execute(
        delete(DemographicAnswerRow).where(DemographicAnswerRow.participant_id == participant_id)
    )
    session.add_all(DemographicAnswerRow(**answer.model_dump()) for answer in answers)


def demographic_answers_of(
    session: Session, participant_ids: Collection[str]
) -> dict[str, dict[str, str]]:
    """``{participant id: {question: answer}}`` of the given participants (those with answers)."""
    ids = list(participant_ids)
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(ids), IDS_PER_QUERY):
        rows = session.execute(
            select(
                DemographicAnswerRow.participant_id,
                DemographicAnswerRow.question,
                DemographicAnswerRow.answer,
            ).where(DemographicAnswerRow.participant_id.in_(ids[start : start + IDS_PER_QUERY]))
        )
        for pid, question, answer in rows:
            found.setdefault(pid, {})[question] = answer
    return found


def add_demographic_answers(session: Session, answers: Iterable[DemographicAnswer]) -> None:
    """Add answers to questions the participants have not answered yet (the caller checked)."""
    session.add_all(DemographicAnswerRow(**answer.model_dump()) for answer in answers)


def demographic_answer_counts(
    session: Session, study_id: int, *, campaign_id: int | None = None
) -> list[tuple[str, str, int]]:
    """How many of a study's participants gave each answer, as ``(question, answer, count)``.

    Args:
        campaign_id: count only participants enrolled in this campaign.
    """
    query = (
        select(DemographicAnswerRow.question, DemographicAnswerRow.answer, func.count())
        .join(ParticipantRow, ParticipantRow.id == DemographicAnswerRow.participant_id)
        .where(ParticipantRow.study_id == study_id)
        .group_by(DemographicAnswerRow.question, DemographicAnswerRow.answer)
    )
    if campaign_id is not None:
        query = query.join(EnrollmentRow, EnrollmentRow.participant_id == ParticipantRow.id).where(
            EnrollmentRow.campaign_id == campaign_id
        )
    return [(question, answer, count) for question, answer, count in session.execute(query)]


# --- facilitator accounts and logins --------------------------------------------------------


def add_account(session: Session, username: str, password_hash: str, role: str) -> AccountRow:
    """Insert an account and flush it, so its id is known.

    Raises:
        sqlalchemy.exc.IntegrityError: the user name is taken.
    """
    row = AccountRow(username=username, password_hash=password_hash, role=role)
    session.add(row)
    session.flush()
    return row


def account_by_id(session: Session, account_id: int) -> AccountRow | None:
    """The account ``account_id``, or ``None`` if it was deleted."""
    return session.get(AccountRow, account_id)


def account_by_name(session: Session, username: str) -> AccountRow | None:
    """The account called ``username``, or ``None``."""
    return session.scalars(select(AccountRow).where(AccountRow.username == username)).first()


def count_failed_logins(
    session: Session, since: datetime, *, username: str | None = None, client: str | None = None
) -> int:
    """How many logins failed at or after ``since``, for one user name and/or one client."""
    query = (
        select(func.count())
        .select_from(LoginAttemptRow)
        .where(LoginAttemptRow.succeeded.is_(False), LoginAttemptRow.created_at >= since)
    )
    if username is not None:
        query = query.where(LoginAttemptRow.username == username)
    if client is not None:
        query = query.where(LoginAttemptRow.client == client)
    return session.scalar(query) or 0


def record_login_attempt(session: Session, username: str, client: str, succeeded: bool) -> None:
    """Keep one login attempt, so failed ones can be rate-limited."""
    session.add(LoginAttemptRow(username=username, client=client, succeeded=succeeded))


# --- app settings ---------------------------------------------------------------------------


def app_setting(session: Session, key: str) -> str | None:
    """The value of the web app's setting ``key``, or ``None`` when it is not set."""
    row = session.get(AppSettingRow, key)
    return None if row is None else row.value


def add_app_setting(session: Session, key: str, value: str) -> None:
    """Insert the setting ``key`` (written when the transaction commits).

    Raises:
        sqlalchemy.exc.IntegrityError: at commit, when another process set ``key`` first.
    """
    session.add(AppSettingRow(key=key, value=value))
