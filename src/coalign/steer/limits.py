"""Restraint in the steered chat: a daily limit of steered turns per participant, set per study.

Regenerating an answer counts as a turn. The count restarts at midnight UTC; a participant past
the limit is refused with a clear message before any model call.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from pydantic import BaseModel
from sqlalchemy.orm import Session

from coalign.core.errors import InputError, RateLimitedError
from coalign.participation.members import member
from coalign.store import Store
from coalign.store.steer import (
    count_steered_turns_since,
    remove_steer_limit,
    set_steer_limit,
    steer_limit_of,
)
from coalign.store.studies import study_row
from coalign.store.tables import utcnow


class Usage(BaseModel):
    """Steered turns a participant used today (UTC) and the study's daily limit (``None``: none)."""

    used: int
    limit: int | None

    @property
    def left(self) -> int | None:
        """Turns left today, or ``None`` without a limit."""
        return None if self.limit is None else max(0, self.limit - self.used)


def set_daily_limit(store: Store, slug: str, daily_turns: int | None, set_by: str) -> None:
    """Set (or with ``None`` remove) the study's daily limit of steered turns per participant.

    Raises:
        NotFoundError: no such study.
        InputError: a limit below 1.
    """
    if daily_turns is not None and daily_turns < 1:
        raise InputError(f"the daily limit must be at least 1 turn, not {daily_turns}")
    with store.session() as session:
        study_id = study_row(session, slug).id
        if daily_turns is None:
            remove_steer_limit(session, study_id)
        else:
            set_steer_limit(session, study_id, daily_turns, set_by)


def daily_limit(store: Store, slug: str) -> int | None:
    """The study's daily limit of steered turns per participant, or ``None``."""
    with store.read() as session:
        row = steer_limit_of(session, study_row(session, slug).id)
        return None if row is None else row.daily_turns


def usage_in(session: Session, participant_id: str, study_id: int) -> Usage:
    """Steered turns of the participant since midnight UTC, and the study's limit."""
    midnight = datetime.combine(utcnow().date(), time(0), tzinfo=UTC)
    used = count_steered_turns_since(session, participant_id, midnight)
    row = steer_limit_of(session, study_id)
    return Usage(used=used, limit=None if row is None else row.daily_turns)


def check_usage(usage: Usage) -> None:
    """Refuse another steered turn once today's are used up.

    Raises:
        RateLimitedError: the limit is reached, with a message saying when it resets.
    """
    if usage.limit is not None and usage.used >= usage.limit:
        raise RateLimitedError(
            f"you have used all {usage.limit} steered turns allowed per day in this study; "
            "you can chat again tomorrow (the count restarts at midnight UTC)"
        )


def usage_of(store: Store, participant_id: str) -> Usage:
    """Today's steered turns of a participant and the study's limit."""
    with store.read() as session:
        person = member(session, participant_id)
        return usage_in(session, participant_id, person.study_id)
