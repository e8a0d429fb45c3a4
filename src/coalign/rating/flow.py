"""A participant's way through a campaign: consent, demographics, the items, the completion code.

:func:`next_step` says where a participant stands, so every page can send them on without
keeping state in the browser; a person who returns later resumes where they stopped.

A person who arrives when every item they could rate has reached the campaign's target is told
the campaign is full before they consent (and so before they spend time on it), with the
screen-out code and the link back to the crowd platform. That is final: their enrolment is
marked ``full``, as it is for the rare person who finds the last items taken between the
consent page and their first item.

In a campaign with quotas, a person whose survey answers fall in a full quota cell is screened
out right after the survey, before any item is assigned: their enrolment is marked
``quota_full`` and they get the quota-full code (:mod:`coalign.rating.quotas`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from coalign.core.campaigns import return_link
from coalign.core.errors import AccessDeniedError
from coalign.core.study import study_text
from coalign.participation.access import Seat, require_open
from coalign.participation.members import study_row_by_id
from coalign.rating.assignment import assign, has_room
from coalign.rating.campaigns import campaign_row
from coalign.rating.quotas import admit, is_admitted
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

StepKind = Literal[
    "consent", "demographics", "item", "done", "screened_out", "closed", "full", "quota_full"
]


@dataclass(frozen=True)
class Step:
    """Where a participant goes next.

    Attributes:
        assignment_id: the item to rate when ``kind == "item"``.
        code: the completion code for ``done``; the screen-out code for ``screened_out`` and
            ``full`` (the full code where the campaign has one); the quota-full code (else the
            screen-out code) for ``quota_full``.
        redirect_url: the crowd platform's return link with that code, if the campaign has one.
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
        return _with_code("screened_out", campaign, campaign.screened_out_code)
    if enrollment.status == "full":
        return _with_code("full", campaign, campaign.full_code or campaign.screened_out_code)
    if enrollment.status == "quota_full":
        return _with_code("quota_full", campaign, _quota_full_code(campaign))
    if enrollment.status == "completed":
        return _with_code("done", campaign, campaign.completion_code)
    participant = _participant(session, seat)
    if campaign.status != "open":
        return Step("closed")
    assigned = count_assignments(session, seat.participant_id, seat.campaign_id)
    if not assigned and not has_room(session, seat):
        return _full(enrollment, campaign) if write else None
    if participant.consented_at is None:
        return Step("consent")
    if enrollment.demographics_done_at is None:
        return Step("demographics")
    if not assigned and not is_admitted(session, seat):
        if not write:
            return None
        if not admit(session, seat):
            return _quota_full(enrollment, campaign)
    if not assigned:
        if not write:
            return None
        if not assign(session, seat):
            return _full(enrollment, campaign)
    pending = next_open_assignment(session, seat.participant_id, seat.campaign_id)
    if pending is not None:
        return Step("item", assignment_id=pending)
    if not write:
        return None
    enrollment.status, enrollment.completed_at = "completed", utcnow()
    return _with_code("done", campaign, campaign.completion_code)


def _full(enrollment: EnrollmentRow, campaign: CampaignRow) -> Step:
    """Mark the enrolment ``full`` (nothing left to rate) and say so, with the screen-out code."""
    enrollment.status = "full"
    return _with_code("full", campaign, campaign.full_code or campaign.screened_out_code)


def _quota_full(enrollment: EnrollmentRow, campaign: CampaignRow) -> Step:
    """Mark the enrolment ``quota_full`` (the person's quota cell is full) and say so, with the
    quota-full code."""
    enrollment.status = "quota_full"
    return _with_code("quota_full", campaign, _quota_full_code(campaign))


def _quota_full_code(campaign: CampaignRow) -> str:
    return campaign.quota_full_code or campaign.screened_out_code


def _with_code(kind: StepKind, campaign: CampaignRow, code: str) -> Step:
    """A final step that shows ``code`` and links back to the crowd platform with it."""
    return Step(kind, code=code, redirect_url=return_link(campaign.completion_url, code))


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
        language = participant.language
        return Welcome(
            study_text(study.translations, language, "title", study.title),
            campaign.title_translations.get(language) or campaign.title,
            study_text(study.translations, language, "consent_text", study.consent_text),
            language,
        )


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
        elif enrollment.status == "active":
            enrollment.status = "screened_out"
    return next_step(store, seat)


def set_language(store: Store, seat: Seat, language: str) -> None:
    """Remember the participant's chosen language.

    Raises:
        AccessDeniedError: the seat's participant no longer exists.
    """
    with store.session() as session:
        _participant(session, seat).language = language
