"""Seed workshops ("datathons"): breakout groups, the running session and its timer.

A workshop has breakout groups of participants and two sessions (1: seed questions, 2: seed
examples); the facilitator starts each, and a visible timer counts it down with break reminders.
What the groups write and how it is moderated lives in :mod:`coalign.coconstruct.workshop_seeds`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coalign.core.errors import InputError, NotFoundError
from coalign.participation.members import check_participants, member, study_row_by_id
from coalign.store import Store
from coalign.store.coconstruction_tables import WorkshopRow
from coalign.store.studies import study_row
from coalign.store.tables import utcnow
from coalign.store.workshops import add_workshop, study_workshop_rows, workshop_by_id


class Workshop(BaseModel):
    """A workshop: breakout groups (name → participant ids), the running session and its timer."""

    id: int
    study: str
    slug: str
    title: str
    groups: dict[str, list[str]]
    session: Literal[1, 2]
    session_minutes: int
    break_every_minutes: int
    session_started_at: datetime | None = None


class Timer(BaseModel):
    """What the visible timer shows at a moment."""

    running: bool
    elapsed_seconds: int
    remaining_seconds: int
    break_due: bool
    next_break_in_seconds: int | None


def _view(session: Session, row: WorkshopRow) -> Workshop:
    return Workshop(
        id=row.id,
        study=study_row_by_id(session, row.study_id).slug,
        slug=row.slug,
        title=row.title,
        groups=row.groups,
        session=row.session,
        session_minutes=row.session_minutes,
        break_every_minutes=row.break_every_minutes,
        session_started_at=row.session_started_at,
    )


def create_workshop(
    store: Store,
    slug: str,
    workshop_slug: str,
    title: str,
    groups: Mapping[str, Sequence[str]],
    *,
    session_minutes: int = 45,
    break_every_minutes: int = 25,
) -> Workshop:
    """Create a workshop of study ``slug`` with its breakout groups.

    Raises:
        InputError: a bad slug or timer setting, no groups, a person in two groups, or a member who
            is not a participant of the study; a slug in use.
    """
    workshop_slug = workshop_slug.strip()
    if not workshop_slug or len(workshop_slug) > 40 or not workshop_slug.replace("-", "").isalnum():
        raise InputError("a workshop slug has 1 to 40 letters, digits and dashes")
    if not 5 <= session_minutes <= 480 or not 5 <= break_every_minutes <= 240:
        raise InputError("sessions last 5 to 480 minutes, with a break every 5 to 240 minutes")
    if not groups or any(not name.strip() or len(name) > 60 for name in groups):
        raise InputError("give at least one breakout group, each with a name of 1 to 60 characters")
    people = [pid for members in groups.values() for pid in members]
    if len(set(people)) != len(people):
        raise InputError("each person belongs to one breakout group only")
    try:
        with store.session() as session:
            study_id = study_row(session, slug).id
            check_participants(session, study_id, slug, people)
            row = add_workshop(
                session,
                study_id,
                workshop_slug,
                title.strip() or workshop_slug,
                {name.strip(): list(members) for name, members in groups.items()},
                session_minutes=session_minutes,
                break_every_minutes=break_every_minutes,
            )
            return _view(session, row)
    except IntegrityError as exc:
        raise InputError(f"study {slug!r} has a workshop {workshop_slug!r} already") from exc


def _workshop(session: Session, slug: str, workshop_id: int) -> WorkshopRow:
    row = workshop_by_id(session, workshop_id)
    if row is None or row.study_id != study_row(session, slug).id:
        raise NotFoundError(f"no workshop {workshop_id} in study {slug!r}")
    return row


def get_workshop(store: Store, slug: str, workshop_id: int) -> Workshop:
    """A workshop of study ``slug``."""
    with store.read() as session:
        return _view(session, _workshop(session, slug, workshop_id))


def study_workshops(store: Store, slug: str) -> list[Workshop]:
    """Every workshop of a study."""
    with store.read() as session:
        rows = study_workshop_rows(session, study_row(session, slug).id)
        return [_view(session, row) for row in rows]


def find_workshop(store: Store, slug: str, workshop_slug: str) -> Workshop:
    """The workshop of study ``slug`` called ``workshop_slug`` (as the command line names it).

    Raises:
        NotFoundError: no such workshop, naming the study's workshops.
    """
    workshops = study_workshops(store, slug)
    found = next((w for w in workshops if w.slug == workshop_slug), None)
    if found is None:
        names = ", ".join(w.slug for w in workshops) or "none"
        raise NotFoundError(f"study {slug!r} has no workshop {workshop_slug!r} (it has: {names})")
    return found


def start_session(store: Store, slug: str, workshop_id: int, number: Literal[1, 2]) -> Workshop:
    """Start (or restart) session 1 or 2; its timer runs from now.

    Raises:
        InputError: a session other than 1 or 2.
    """
    if number not in (1, 2):
        raise InputError("a workshop has session 1 (questions) and session 2 (examples)")
    with store.session() as session:
        row = _workshop(session, slug, workshop_id)
        row.session, row.session_started_at = number, utcnow()
        return _view(session, row)


def timer(workshop: Workshop, now: datetime | None = None) -> Timer:
    """Elapsed and remaining time of the running session and whether a break is due.

    A break is due during the first five minutes after each ``break_every_minutes`` mark.
    """
    if workshop.session_started_at is None:
        return Timer(
            running=False,
            elapsed_seconds=0,
            remaining_seconds=workshop.session_minutes * 60,
            break_due=False,
            next_break_in_seconds=None,
        )
    now = now or datetime.now(UTC)
    started = workshop.session_started_at
    started = started if started.tzinfo else started.replace(tzinfo=UTC)
    elapsed = max(0, int((now - started).total_seconds()))
    total, every = workshop.session_minutes * 60, workshop.break_every_minutes * 60
    remaining = max(0, total - elapsed)
    since_mark = elapsed % every
    break_due = elapsed >= every and since_mark < 300 and remaining > 0
    next_mark = every - since_mark
    return Timer(
        running=remaining > 0,
        elapsed_seconds=elapsed,
        remaining_seconds=remaining,
        break_due=break_due,
        next_break_in_seconds=next_mark if next_mark < remaining else None,
    )


def seat_in(store: Store, participant_id: str, workshop_id: int) -> tuple[Workshop, str]:
    """The workshop and breakout group of a participant.

    Raises:
        NotFoundError: the person is in none of the workshop's groups.
    """
    with store.read() as session:
        member(session, participant_id)
        row = workshop_by_id(session, workshop_id)
        group = next(
            (g for g, members in (row.groups if row else {}).items() if participant_id in members),
            None,
        )
        if row is None or group is None:
            raise NotFoundError(f"no workshop {workshop_id} of yours")
        return _view(session, row), group


def workshops_of(store: Store, participant_id: str) -> list[Workshop]:
    """The workshops whose groups include the participant."""
    with store.read() as session:
        person = member(session, participant_id)
        rows = study_workshop_rows(session, person.study_id)
        return [
            _view(session, r) for r in rows if any(participant_id in m for m in r.groups.values())
        ]
