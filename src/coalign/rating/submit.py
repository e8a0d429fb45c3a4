"""Autosaved drafts and the final, idempotent submit of one assignment.

A submit validates everything first, then, in one transaction that locks the assignment, writes
the ratings (or, for an attention check, whether it passed) and marks the assignment submitted.
Submitting the same answers again — a double click, a retried request — changes nothing and
reports success; different answers after a submit are refused. Nothing is lost or duplicated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from coalign.core.errors import ConflictError, InputError
from coalign.core.items import Rating
from coalign.participation.access import Seat, require_open
from coalign.rating.assignment import campaign_dimensions, campaign_questions, owned_assignment
from coalign.rating.campaigns import campaign_row
from coalign.store import Store
from coalign.store.campaigns import (
    count_open_assignments,
    existing_enrollment,
    expected_value_of,
    record_submission,
)
from coalign.store.participation import participant_by_id
from coalign.store.rating_tables import CampaignRow
from coalign.store.ratings import add_ratings
from coalign.store.tables import utcnow


@dataclass(frozen=True)
class SubmitResult:
    """What a submit did: ``new`` is false for a repeated submit; ``completed`` when it was the last item."""

    new: bool
    completed: bool


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse(
    session: Session,
    campaign: CampaignRow,
    ratings: Mapping[str, str],
    answers: Mapping[str, str],
    *,
    complete: bool,
) -> tuple[dict[str, int], dict[str, str]]:
    """Check ratings and answers against the campaign; blanks are allowed only in drafts."""
    dimensions = {d.name: len(d.labels) for d in campaign_dimensions(session, campaign, "en")}
    questions = {
        q.name: [value for value, _ in q.options] for q in campaign_questions(campaign, "en")
    }
    unknown = sorted(set(ratings) - set(dimensions)) + sorted(set(answers) - set(questions))
    if unknown:
        raise InputError(f"not part of this campaign: {', '.join(unknown)}")
    values: dict[str, int] = {}
    for name, points in dimensions.items():
        raw = (ratings.get(name) or "").strip()
        if not raw:
            if complete:
                raise InputError(f"please rate {name}")
            continue
        try:
            value = int(raw)
        except ValueError:
            raise InputError(f"{name}: {raw[:20]!r} is not a scale point") from None
        if not 1 <= value <= points:
            raise InputError(f"{name}: {value} is outside the scale 1–{points}")
        values[name] = value
    chosen: dict[str, str] = {}
    for name, options in questions.items():
        raw = (answers.get(name) or "").strip()
        if not raw:
            if complete:
                raise InputError(f"please answer the question {name}")
            continue
        if raw not in options:
            raise InputError(f"{name}: {raw[:40]!r} is not one of the options")
        chosen[name] = raw
    return values, chosen


def save_draft(
    store: Store,
    seat: Seat,
    assignment_id: int,
    ratings: Mapping[str, str],
    answers: Mapping[str, str],
) -> datetime:
    """Keep a partly filled form so a reload or a lost connection loses nothing; returns when it was saved.

    Raises:
        NotFoundError: not this participant's assignment.
        InputError: a value outside the scale or options (blanks are fine).
        ConflictError: the campaign is closed or the item was already submitted.
    """
    with store.session() as session:
        row = owned_assignment(session, seat, assignment_id, lock=True)
        campaign = campaign_row(session, row.campaign_id)
        require_open(campaign)
        if row.status == "submitted":
            raise ConflictError("this item was already submitted")
        values, chosen = _parse(session, campaign, ratings, answers, complete=False)
        row.draft = {"ratings": values, "questions": chosen}
        row.draft_saved_at = utcnow()
        return row.draft_saved_at


def submit(
    store: Store,
    seat: Seat,
    assignment_id: int,
    item_id: str,
    ratings: Mapping[str, str],
    answers: Mapping[str, str],
    *,
    display_language: str | None = None,
) -> SubmitResult:
    """Submit one assignment's ratings and answers, exactly once.

    Args:
        item_id: the item the form was shown for; must match the assignment (forged forms are refused).
        ratings: ``{dimension: scale point}`` as typed (strings).
        answers: ``{question name: option}``.
        display_language: the language the item was shown in, recorded with the assignment (the
            long format's ``display_language``); ``None`` records the participant's chosen language.

    Raises:
        NotFoundError: not this participant's assignment.
        InputError: a missing or out-of-range rating, an unknown dimension, an item id that does
            not match, or a submit sooner than the campaign's minimum time per item.
        ConflictError: the campaign is closed, or different answers after this item was submitted.
    """
    with store.session() as session:
        row = owned_assignment(session, seat, assignment_id, lock=True)
        if item_id != row.item_id:
            raise InputError("this form does not belong to this item; reload the page")
        campaign = campaign_row(session, row.campaign_id)
        values, chosen = _parse(session, campaign, ratings, answers, complete=True)
        if row.status == "submitted":
            if row.answers.get("ratings") != values or row.answers.get("questions", {}) != chosen:
                raise ConflictError("this item was already submitted with other answers")
            return SubmitResult(new=False, completed=_completed(session, seat))
        require_open(campaign)
        now = utcnow()
        elapsed = (now - _as_utc(row.shown_at)).total_seconds() if row.shown_at else 0.0
        if elapsed < campaign.min_seconds_per_item:
            raise InputError(
                f"please take at least {campaign.min_seconds_per_item:g} seconds to read and rate each item"
            )
        if row.kind == "attention":
            expected = expected_value_of(session, row.campaign_id, row.item_id)
            row.attention_passed = all(v == expected for v in values.values())
        else:
            add_ratings(
                session,
                [
                    Rating(
                        item_id=row.item_id,
                        participant_id=seat.participant_id,
                        dimension=name,
                        value=value,
                        seconds_taken=elapsed,
                    )
                    for name, value in values.items()
                ],
            )
        if display_language is None:
            participant = participant_by_id(session, seat.participant_id)
            display_language = participant.language if participant else None
        record_submission(
            session,
            row,
            {"ratings": values, "questions": chosen},
            at=now,
            seconds_taken=elapsed,
            display_language=display_language,
        )
        return SubmitResult(new=True, completed=_completed(session, seat))


def _completed(session: Session, seat: Seat) -> bool:
    """Mark the enrolment completed once every assignment is submitted; says whether it is."""
    if count_open_assignments(session, seat.participant_id, seat.campaign_id):
        return False
    enrollment = existing_enrollment(session, seat.participant_id, seat.campaign_id)
    if enrollment.status != "completed":
        enrollment.status, enrollment.completed_at = "completed", utcnow()
    return True
