"""Reflection boards of seed workshops, read and written: sticky notes, reactions, codes.

Like :mod:`coalign.store.workshops`, every function takes the caller's
:class:`~sqlalchemy.orm.Session`; ``add_*`` functions flush so the new row has its id.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coalign.store.workshop_tables import ReflectionNoteRow, ReflectionReactionRow


def add_note(
    session: Session, workshop_id: int, number: int, participant_id: str, group: str, text: str
) -> ReflectionNoteRow:
    """Insert a sticky note on session ``number``'s board and flush it."""
    row = ReflectionNoteRow(
        workshop_id=workshop_id,
        session=number,
        participant_id=participant_id,
        group=group,
        text=text,
        tags=[],
    )
    session.add(row)
    session.flush()
    return row


def note_by_id(session: Session, note_id: int) -> ReflectionNoteRow | None:
    """The note ``note_id``, or ``None`` if there is none."""
    return session.get(ReflectionNoteRow, note_id)


def board_notes(
    session: Session, workshop_ids: Sequence[int], number: int | None = None
) -> list[ReflectionNoteRow]:
    """The notes of some workshops' boards (of one session, or all), oldest first."""
    query = select(ReflectionNoteRow).where(ReflectionNoteRow.workshop_id.in_(workshop_ids))
    if number is not None:
        query = query.where(ReflectionNoteRow.session == number)
    return list(session.scalars(query.order_by(ReflectionNoteRow.id)))


def note_reactions(session: Session, note_ids: Sequence[int]) -> list[tuple[int, str, str]]:
    """``(note id, participant id, reaction)`` of every reaction to the notes, oldest first."""
    if not note_ids:
        return []
    rows = session.execute(
        select(
            ReflectionReactionRow.note_id,
            ReflectionReactionRow.participant_id,
            ReflectionReactionRow.reaction,
        )
        .where(ReflectionReactionRow.note_id.in_(note_ids))
        .order_by(ReflectionReactionRow.id)
    ).all()
    return [(note_id, pid, reaction) for note_id, pid, reaction in rows]


def toggle_reaction(session: Session, note_id: int, participant_id: str, reaction: str) -> bool:
    """Add the person's reaction to a note, or take it back if it is there; ``True`` if added."""
    taken = session.execute(
        delete(ReflectionReactionRow).where(
            ReflectionReactionRow.note_id == note_id,
            ReflectionReactionRow.participant_id == participant_id,
            ReflectionReactionRow.reaction == reaction,
        )
    )
    if getattr(taken, "rowcount", 0):
        return False
    session.add(
        ReflectionReactionRow(note_id=note_id, participant_id=participant_id, reaction=reaction)
    )
    session.flush()
    return True
