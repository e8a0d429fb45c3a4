"""Restraint in the steered chat: daily limits of steered turns, the study's and the participant's.

A facilitator may set a daily limit per participant for the whole study; each participant may
set a limit for themselves (study 001's self-set usage limits). The smaller of the two holds.
Regenerating an answer counts as a turn. The count restarts at midnight UTC; a participant past
the limit is refused with a clear message, saying which limit and when it resets, before any
model call.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from pydantic import BaseModel
from sqlalchemy.orm import Session

from coalign.core.errors import InputError, RateLimitedError
from coalign.participation.members import member
from coalign.store import Store
from coalign.store.steer import (
    count_steered_turns_since,
    personal_limit_of,
    remove_personal_limit,
    remove_steer_limit,
    set_personal_limit,
    set_steer_limit,
    steer_limit_of,
)
from coalign.store.studies import study_row
from coalign.store.tables import utcnow

#: The largest daily limit a participant can set for themselves (a typo guard, not a policy).
MAX_PERSONAL_LIMIT = 1000


class Usage(BaseModel):
    """Steered turns a participant used today (UTC) and the limits that apply.

    Attributes:
        used: steered turns since midnight UTC.
        study_limit: the facilitator's daily limit for the study (``None``: none).
        personal_limit: the participant's own daily limit (``None``: none).
        resets_at: the next midnight UTC, when ``used`` starts again from 0.
    """

    used: int
    study_limit: int | None = None
    personal_limit: int | None = None
    resets_at: datetime

    @property
    def limit(self) -> int | None:
        """The limit that holds: the smaller of the two, or ``None`` without either."""
        limits = [n for n in (self.study_limit, self.personal_limit) if n is not None]
        return min(limits) if limits else None

    @property
    def left(self) -> int | None:
        """Turns left today, or ``None`` without a limit."""
        return None if self.limit is None else max(0, self.limit - self.used)

    @property
    def own_limit_holds(self) -> bool:
        """Whether the participant's own limit is the one that holds (it is not above the study's)."""
        return self.personal_limit is not None and self.limit == self.personal_limit

    @property
    def resets_in(self) -> str:
        """Time until the count restarts, as ``H h M min`` (rounded up to the minute)."""
        minutes = max(0, -(-int((self.resets_at - utcnow()).total_seconds()) // 60))
        return f"{minutes // 60} h {minutes % 60} min"


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


def set_own_limit(store: Store, participant_id: str, daily_turns: int | None) -> Usage:
    """Set (or with ``None`` remove) the participant's own daily limit of steered turns.

    The study's limit still holds where it is smaller; the returned usage says which applies.

    Raises:
        InputError: a limit below 1 or above :data:`MAX_PERSONAL_LIMIT`.
        AccessDeniedError: no such participant, or one who has not consented.
    """
    if daily_turns is not None and not 1 <= daily_turns <= MAX_PERSONAL_LIMIT:
        raise InputError(
            f"your daily limit must be from 1 to {MAX_PERSONAL_LIMIT} messages, not {daily_turns}"
        )
    with store.session() as session:
        person = member(session, participant_id)
        if daily_turns is None:
            remove_personal_limit(session, participant_id)
        else:
            set_personal_limit(session, participant_id, daily_turns)
        session.flush()
        return usage_in(session, participant_id, person.study_id)


def usage_in(session: Session, participant_id: str, study_id: int) -> Usage:
    """Steered turns of the participant since midnight UTC, and the limits that apply."""
    midnight = datetime.combine(utcnow().date(), time(0), tzinfo=UTC)
    used = count_steered_turns_since(session, participant_id, midnight)
    study = steer_limit_of(session, study_id)
    own = personal_limit_of(session, participant_id)
    return Usage(
        used=used,
        study_limit=None if study is None else study.daily_turns,
        personal_limit=None if own is None else own.daily_turns,
        resets_at=midnight + timedelta(days=1),
    )


def check_usage(usage: Usage) -> None:
    """Refuse another steered turn once today's are used up.

    Raises:
        RateLimitedError: the limit is reached, with a message naming the limit (the
            participant's own or the study's) and saying when it resets.
    """
    if usage.limit is None or usage.used < usage.limit:
        return
    if usage.own_limit_holds:
        raise RateLimitedError(
            f"you have reached your own limit of {usage.limit} messages a day; it resets at "
            f"midnight UTC, in {usage.resets_in} (you can change your limit on the chat page)"
        )
    raise RateLimitedError(
        f"you have used all {usage.limit} steered turns allowed per day in this study; "
        f"you can chat again tomorrow (the count restarts at midnight UTC, in {usage.resets_in})"
    )


def usage_of(store: Store, participant_id: str) -> Usage:
    """Today's steered turns of a participant and the limits that apply."""
    with store.read() as session:
        person = member(session, participant_id)
        return usage_in(session, participant_id, person.study_id)
