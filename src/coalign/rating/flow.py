"""A participant's way through a campaign: consent, demographics, the items, the completion code.

:func:`next_step` says where a participant stands, so every page can send them on without
keeping state in the browser; a person who returns later resumes where they stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from coalign.core.errors import AccessDeniedError
from coalign.participation.access import Seat, require_open
from coalign.participation.members import study_row_by_id
from coalign.rating.assignment import assign
from coalign.rating.campaigns import campaign_row
from coalign.store import Store
from coalign.store.campaigns import (
    count_assignments,
    enrollment_of,
    next_open_assignment,
)
from coalign.store.participation import participant_by_id
from coalign.store.participation_tables import ParticipantRow
from coalign.store.rating_tables import CampaignRow, EnrollmentRow
from coalign.store.tables import utcnow

StepKind = Literal["consent", "demographics", "item", "done", "screened_out", "closed", "full"]


@dataclass(frozen=True)
class Step:
    """Where a participant goes next.

    Attributes:
        assignment_id: the item to rate when ``kind == "item"``.
        code: the completion or screen-out code, for ``done`` and ``screened_out``.
        redirect_url: where a finished person is sent (the crowd platform), if configured.
    """

    kind: StepKind
    assignment_id: int | None = None
    code: str | None = None
    redirect_url: str | None = None


@dataclass(frozen=True)
class Welcome:
    """What the consent page shows."""

    study_title: str
    campaign_title: str
    consent_text: str
    language: str


_SEAT_GONE = "your session is no longer valid; please use your study link again"


def _enrollment(session: Session, seat: Seat) -> EnrollmentRow:
    row = enrollment_of(session, seat.participant_id, seat.campaign_id)
    if row is None:
        raise AccessDeniedError(_SEAT_GONE)
    return row


def _participant(session: Session, seat: Seat) -> ParticipantRow:
    row = participant_by_id(session, seat.participant_id)
    if row is None:
        raise AccessDeniedError(_SEAT_GONE)
    return row


def next_step(store: Store, seat: Seat) -> Step:
    """Where this participant stands; assigns their items the first time they reach the rating.

    Most calls only read (in a read session, so they never wait for SQLite's writer); the
    state is written only when items must be assigned or the campaign was just completed.

    Raises:
        AccessDeniedError: the seat no longer exists.
    """
    with store.read() as session:
        step = _decide(session, seat, write=False)
    if step is not None:
        return step
    with store.session() as session:
        step = _decide(session, seat, write=True)
        assert step is not None
        return step


def _decide(session: Session, seat: Seat, *, write: bool) -> Step | None:
    """The next step, or ``None`` when finding it needs a write and ``write`` is false."""
    enrollment = _enrollment(session, seat)
    campaign = campaign_row(session, seat.campaign_id)
    if enrollment.status == "screened_out":
        return Step("screened_out", code=campaign.screened_out_code)
    if enrollment.status == "completed":
        return _done(campaign)
    participant = _participant(session, seat)
    if participant.consented_at is None:
        return Step("consent") if campaign.status == "open" else Step("closed")
    if enrollment.demographics_done_at is None:
        return Step("demographics") if campaign.status == "open" else Step("closed")
    if campaign.status != "open":
        return Step("closed")
    if not count_assignments(session, seat.participant_id, seat.campaign_id):
        if not write:
            return None
        if not assign(session, seat):
            return Step("full")
    pending = next_open_assignment(session, seat.participant_id, seat.campaign_id)
    if pending is not None:
        return Step("item", assignment_id=pending)
    if not write:
        return None
    enrollment.status, enrollment.completed_at = "completed", utcnow()
    return _done(campaign)


def _done(campaign: CampaignRow) -> Step:
    url = (
        campaign.completion_url.replace("{code}", campaign.completion_code)
        if campaign.completion_url
        else None
    )
    return Step("done", code=campaign.completion_code, redirect_url=url)


def welcome(store: Store, seat: Seat) -> Welcome:
    """The study and campaign titles and the consent text for this participant.

    Raises:
        AccessDeniedError: the seat's participant no longer exists.
        NotFoundError: the seat's campaign or study no longer exists.
    """
    with store.read() as session:
        campaign = campaign_row(session, seat.campaign_id)
        study = study_row_by_id(session, campaign.study_id)
        participant = _participant(session, seat)
        return Welcome(study.title, campaign.title, study.consent_text, participant.language)


def give_consent(store: Store, seat: Seat, agree: bool) -> Step:
    """Record the consent decision; declining screens the person out (with the screen-out code).

    Raises:
        ConflictError: the campaign is closed.
        AccessDeniedError: the seat no longer exists.
    """
    with store.session() as session:
        enrollment = _enrollment(session, seat)
        campaign = campaign_row(session, seat.campaign_id)
        require_open(campaign)
        participant = _participant(session, seat)
        if agree:
            if participant.consented_at is None:
                participant.consented_at = utcnow()
        elif enrollment.status != "completed":
            enrollment.status = "screened_out"
    return next_step(store, seat)


def set_language(store: Store, seat: Seat, language: str) -> None:
    """Remember the participant's chosen language.

    Raises:
        AccessDeniedError: the seat's participant no longer exists.
    """
    with store.session() as session:
        _participant(session, seat).language = language
