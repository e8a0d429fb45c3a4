"""Reflection boards of a seed workshop: sticky notes after each session, reactions, and codes.

After session 1 and after session 2, participants post short notes on that session's board
(what worked, what was hard, what surprised them) and react to each other's notes with a small
set of reactions. In the debrief the facilitator codes the notes with tags; the board, its
reactions and codes are exported with their provenance (workshop, session, breakout group,
author's pseudonymous id, time) by :mod:`coalign.export.boards`.

A session's board opens when the session has started and stays open after it; participants
see every note of the board (without authors), the facilitator sees who wrote what.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from coalign.coconstruct.workshop import Workshop, get_workshop, seat_in, study_workshops
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.store import Store
from coalign.store.reflections import (
    add_note,
    board_notes,
    note_by_id,
    note_reactions,
    toggle_reaction,
)
from coalign.store.tables import utcnow
from coalign.store.workshop_tables import ReflectionNoteRow

SessionNumber = Literal[1, 2]
#: The reactions a note can get, each once per person: name → what the page shows.
REACTIONS: dict[str, str] = {"+1": "👍", "heart": "❤️", "idea": "💡", "question": "❓"}
#: At most this many tags per note, each of 1 to :data:`MAX_TAG` characters.
MAX_TAGS = 10
MAX_TAG = 60
#: A sticky note is short.
MAX_NOTE = 1000


class ReflectionNote(BaseModel):
    """A note on a session's board with its reactions and codes.

    Attributes:
        author: the participant's pseudonymous id; ``group``: their breakout group.
        reactions: reaction → how many people gave it; ``mine``: those the viewer gave.
        tags: the facilitator's codes, ``coded_by`` who set them last and when.
    """

    id: int
    workshop: str
    session: SessionNumber
    group: str
    author: str
    text: str
    created_at: datetime
    reactions: dict[str, int] = Field(default_factory=dict)
    mine: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    coded_by: str | None = None
    coded_at: datetime | None = None


class Board(BaseModel):
    """A session's board: its notes, oldest first, and how often each tag was given."""

    workshop_id: int
    session: SessionNumber
    open: bool
    notes: list[ReflectionNote]
    tag_counts: dict[str, int] = Field(default_factory=dict)


def _number(number: int) -> SessionNumber:
    if number == 1:
        return 1
    if number == 2:
        return 2
    raise InputError("a workshop has the reflection boards of session 1 and session 2")


def board_open(workshop: Workshop, number: int) -> bool:
    """Whether session ``number``'s board takes notes: the session has started (or is over)."""
    return workshop.session > number or (
        workshop.session == number and workshop.session_started_at is not None
    )


def _notes(
    store: Store, rows: list[ReflectionNoteRow], slugs: dict[int, str], viewer: str | None
) -> list[ReflectionNote]:
    """Views of note rows with their reactions counted (``mine``: those ``viewer`` gave)."""
    with store.read() as session:
        reactions = note_reactions(session, [r.id for r in rows])
    counts: dict[int, Counter[str]] = {}
    mine: dict[int, list[str]] = {}
    for note_id, pid, reaction in reactions:
        counts.setdefault(note_id, Counter())[reaction] += 1
        if pid == viewer:
            mine.setdefault(note_id, []).append(reaction)
    return [
        ReflectionNote(
            id=r.id,
            workshop=slugs[r.workshop_id],
            session=_number(r.session),
            group=r.group,
            author=r.participant_id,
            text=r.text,
            created_at=r.created_at,
            reactions={k: n for k in REACTIONS if (n := counts.get(r.id, Counter())[k])},
            mine=mine.get(r.id, []),
            tags=list(r.tags or []),
            coded_by=r.coded_by,
            coded_at=r.coded_at,
        )
        for r in rows
    ]


def _board(store: Store, workshop: Workshop, number: int, viewer: str | None = None) -> Board:
    number = _number(number)
    with store.read() as session:
        rows = board_notes(session, [workshop.id], number)
    notes = _notes(store, rows, {workshop.id: workshop.slug}, viewer)
    tags = Counter(t for n in notes for t in n.tags)
    return Board(
        workshop_id=workshop.id,
        session=number,
        open=board_open(workshop, number),
        notes=notes,
        tag_counts=dict(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def post_note(store: Store, participant_id: str, workshop_id: int, number: int, text: str) -> int:
    """Post a sticky note on session ``number``'s board; returns its id.

    Raises:
        InputError: an empty or too long note, a session other than 1 or 2.
        ConflictError: the session has not started yet.
        NotFoundError: the person is in none of the workshop's groups.
    """
    number = _number(number)
    text = text.strip()
    if not text:
        raise InputError("the note is empty")
    if len(text) > MAX_NOTE:
        raise InputError(f"a note has at most {MAX_NOTE} characters")
    workshop, group = seat_in(store, participant_id, workshop_id)
    if not board_open(workshop, number):
        raise ConflictError(f"the board of session {number} opens when the session starts")
    with store.session() as session:
        return add_note(session, workshop_id, number, participant_id, group, text).id


def react(store: Store, participant_id: str, workshop_id: int, note_id: int, reaction: str) -> int:
    """Give a reaction to a note of the workshop's boards, or take it back if given already;
    returns the session whose board the note is on.

    Raises:
        InputError: an unknown reaction.
        NotFoundError: the person is in none of the workshop's groups, or no such note there.
    """
    if reaction not in REACTIONS:
        raise InputError(f"a reaction is one of {', '.join(REACTIONS)}")
    seat_in(store, participant_id, workshop_id)
    with store.session() as session:
        note = note_by_id(session, note_id)
        if note is None or note.workshop_id != workshop_id:
            raise NotFoundError(f"no note {note_id} on this workshop's boards")
        toggle_reaction(session, note_id, participant_id, reaction)
        return note.session


def participant_board(store: Store, participant_id: str, workshop_id: int, number: int) -> Board:
    """Session ``number``'s board as a participant sees it: ``mine`` marks their reactions.

    Raises:
        NotFoundError: the person is in none of the workshop's groups.
    """
    workshop, _ = seat_in(store, participant_id, workshop_id)
    return _board(store, workshop, number, participant_id)


def workshop_board(store: Store, slug: str, workshop_id: int, number: int) -> Board:
    """Session ``number``'s board of a workshop of study ``slug``, for the facilitator."""
    return _board(store, get_workshop(store, slug, workshop_id), number)


def code_note(
    store: Store, slug: str, workshop_id: int, note_id: int, tags: list[str], coded_by: str
) -> ReflectionNote:
    """Set the codes (tags) of a note in the debrief; an empty list takes them all away.

    Tags are trimmed, and given once each in the order written.

    Raises:
        InputError: more than :data:`MAX_TAGS` tags or a tag over :data:`MAX_TAG` characters.
        NotFoundError: no such note in this workshop of study ``slug``.
    """
    cleaned = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    if len(cleaned) > MAX_TAGS:
        raise InputError(f"a note has at most {MAX_TAGS} tags")
    long = next((t for t in cleaned if len(t) > MAX_TAG), None)
    if long is not None:
        raise InputError(f"the tag {long[:20]!r}… has more than {MAX_TAG} characters")
    workshop = get_workshop(store, slug, workshop_id)
    with store.session() as session:
        note = note_by_id(session, note_id)
        if note is None or note.workshop_id != workshop_id:
            raise NotFoundError(f"no note {note_id} on the boards of workshop {workshop.slug!r}")
        note.tags, note.coded_by, note.coded_at = cleaned, coded_by, utcnow()
    return next(n for n in study_notes(store, slug, workshop_id) if n.id == note_id)


def study_notes(store: Store, slug: str, workshop_id: int | None = None) -> list[ReflectionNote]:
    """Every note of a study's workshop boards (or of one workshop), with reactions and codes,
    by workshop, then oldest first.

    Raises:
        NotFoundError: no such study, or no such workshop in it.
    """
    workshops = (
        [get_workshop(store, slug, workshop_id)]
        if workshop_id is not None
        else study_workshops(store, slug)
    )
    slugs = {w.id: w.slug for w in workshops}
    with store.read() as session:
        rows = board_notes(session, list(slugs))
    rows.sort(key=lambda r: (r.workshop_id, r.session, r.id))
    return _notes(store, rows, slugs, None)
