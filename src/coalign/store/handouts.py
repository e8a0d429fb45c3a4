"""Session-2 handouts of seed workshops, read and written: each breakout group's value dimension
and the generation run of its questions.

Like :mod:`coalign.store.workshops`, every function takes the caller's
:class:`~sqlalchemy.orm.Session`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalign.store.tables import utcnow
from coalign.store.workshop_tables import HandoutRow


def workshop_handout_rows(session: Session, workshop_id: int) -> list[HandoutRow]:
    """Every handout of a workshop, by breakout group name."""
    return list(
        session.scalars(
            select(HandoutRow)
            .where(HandoutRow.workshop_id == workshop_id)
            .order_by(HandoutRow.group)
        )
    )


def set_handout_dimension(
    session: Session, workshop_id: int, group: str, dimension: str, assigned_by: str
) -> HandoutRow:
    """Give a breakout group its value dimension (a new handout, or a changed one), and flush."""
    row = session.scalars(
        select(HandoutRow).where(HandoutRow.workshop_id == workshop_id, HandoutRow.group == group)
    ).first()
    if row is None:
        row = HandoutRow(workshop_id=workshop_id, group=group)
        session.add(row)
    row.dimension, row.assigned_by, row.assigned_at = dimension, assigned_by, utcnow()
    session.flush()
    return row
