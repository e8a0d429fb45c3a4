"""A discussion group's phase, read and written: shares, codes and worksheets on them, the
group's clusters, its decisions and the shares a goal derives from.

As in :mod:`coalign.store.coconstruction`, every function takes the caller's session, ``*_by_id``
answers ``None`` for nothing, and ``add_*`` flushes (a broken unique constraint raises
:class:`sqlalchemy.exc.IntegrityError` for the stage to turn into its own error).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalign.core.group_phase import WorksheetInput
from coalign.store.coconstruction_tables import TurnRow
from coalign.store.group_phase_tables import (
    GoalSourceRow,
    GroupClusterRow,
    GroupDecisionRow,
    GroupShareRow,
    ShareCodeRow,
    ShareWorksheetRow,
)
from coalign.store.tables import utcnow

# --- shares -------------------------------------------------------------------------------------


def add_share(
    session: Session,
    group_id: int,
    participant_id: str,
    *,
    diary_entry_id: int | None = None,
    turn_id: int | None = None,
) -> GroupShareRow:
    """Insert a member's share of a diary entry or a turn (one of the two) and flush it.

    Raises:
        sqlalchemy.exc.IntegrityError: the entry or turn is shared with the group already.
    """
    row = GroupShareRow(
        group_id=group_id,
        participant_id=participant_id,
        diary_entry_id=diary_entry_id,
        turn_id=turn_id,
    )
    session.add(row)
    session.flush()
    return row


def share_by_id(session: Session, share_id: int) -> GroupShareRow | None:
    """The share ``share_id``, or ``None``."""
    return session.get(GroupShareRow, share_id)


def share_of(
    session: Session,
    group_id: int,
    *,
    diary_entry_id: int | None = None,
    turn_id: int | None = None,
) -> GroupShareRow | None:
    """The group's share of a diary entry (or of a turn), or ``None`` when it is not shared."""
    column, value = (
        (GroupShareRow.diary_entry_id, diary_entry_id)
        if diary_entry_id is not None
        else (GroupShareRow.turn_id, turn_id)
    )
    return session.scalars(
        select(GroupShareRow).where(GroupShareRow.group_id == group_id, column == value)
    ).first()


def group_share_rows(session: Session, group_id: int) -> list[GroupShareRow]:
    """A group's shares, oldest first."""
    return list(
        session.scalars(
            select(GroupShareRow)
            .where(GroupShareRow.group_id == group_id)
            .order_by(GroupShareRow.id)
        )
    )


def remove_share(session: Session, row: GroupShareRow) -> None:
    """Delete a share; the database deletes its codes, worksheets and goal links with it."""
    session.delete(row)
    session.flush()


def prompt_before(session: Session, turn: TurnRow) -> str:
    """The user message just before a model turn in its conversation ('' when there is none)."""
    found = session.scalars(
        select(TurnRow.content)
        .where(
            TurnRow.conversation_id == turn.conversation_id,
            TurnRow.position < turn.position,
            TurnRow.role == "user",
        )
        .order_by(TurnRow.position.desc())
        .limit(1)
    ).first()
    return found or ""


# --- codes and worksheets -----------------------------------------------------------------------


def add_share_code(
    session: Session,
    share_id: int,
    participant_id: str,
    text: str,
    *,
    part: str | None,
    span_start: int | None,
    span_end: int | None,
    quote: str | None,
) -> ShareCodeRow:
    """Insert a member's code on a share (on a passage of one part when ``part`` is given)."""
    row = ShareCodeRow(
        share_id=share_id,
        participant_id=participant_id,
        text=text,
        part=part,
        span_start=span_start,
        span_end=span_end,
        quote=quote,
    )
    session.add(row)
    session.flush()
    return row


def share_code_by_id(session: Session, code_id: int) -> ShareCodeRow | None:
    """The code ``code_id`` on a share, or ``None``."""
    return session.get(ShareCodeRow, code_id)


def share_code_rows(session: Session, share_ids: Iterable[int]) -> list[ShareCodeRow]:
    """The codes on the shares ``share_ids``, oldest first."""
    return list(
        session.scalars(
            select(ShareCodeRow)
            .where(ShareCodeRow.share_id.in_(list(share_ids)))
            .order_by(ShareCodeRow.id)
        )
    )


def save_worksheet(
    session: Session, share_id: int, participant_id: str, data: WorksheetInput
) -> ShareWorksheetRow:
    """Write a member's worksheet on a share, replacing the text of the one they had."""
    row = session.scalars(
        select(ShareWorksheetRow).where(
            ShareWorksheetRow.share_id == share_id,
            ShareWorksheetRow.participant_id == participant_id,
        )
    ).first()
    if row is None:
        row = ShareWorksheetRow(share_id=share_id, participant_id=participant_id)
        session.add(row)
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.flush()
    return row


def worksheet_rows(session: Session, share_ids: Iterable[int]) -> list[ShareWorksheetRow]:
    """The worksheets on the shares ``share_ids``, oldest first."""
    return list(
        session.scalars(
            select(ShareWorksheetRow)
            .where(ShareWorksheetRow.share_id.in_(list(share_ids)))
            .order_by(ShareWorksheetRow.id)
        )
    )


# --- clusters and decisions ---------------------------------------------------------------------


def add_group_cluster(session: Session, group_id: int, name: str) -> GroupClusterRow:
    """Insert a named cluster of the group and flush it.

    Raises:
        sqlalchemy.exc.IntegrityError: the group has a cluster of that name.
    """
    row = GroupClusterRow(group_id=group_id, name=name)
    session.add(row)
    session.flush()
    return row


def group_cluster_by_id(session: Session, cluster_id: int) -> GroupClusterRow | None:
    """The group cluster ``cluster_id``, or ``None``."""
    return session.get(GroupClusterRow, cluster_id)


def group_cluster_rows(session: Session, group_id: int) -> list[GroupClusterRow]:
    """A group's clusters in the order they were made."""
    return list(
        session.scalars(
            select(GroupClusterRow)
            .where(GroupClusterRow.group_id == group_id)
            .order_by(GroupClusterRow.id)
        )
    )


def add_decision(
    session: Session,
    group_id: int,
    kind: str,
    *,
    participant_id: str | None = None,
    facilitator: str | None = None,
    cluster: GroupClusterRow | None = None,
    sentence: str | None = None,
    share_ids: Sequence[int] = (),
) -> GroupDecisionRow:
    """Log a decision of the group's phase, with the shares a goal derives from, and flush it."""
    row = GroupDecisionRow(
        group_id=group_id,
        kind=kind,
        participant_id=participant_id,
        facilitator=facilitator,
        cluster_id=cluster.id if cluster else None,
        cluster_name=cluster.name if cluster else None,
        sentence=sentence,
    )
    session.add(row)
    session.flush()
    session.add_all(GoalSourceRow(decision_id=row.id, share_id=s) for s in share_ids)
    session.flush()
    return row


def decision_rows(session: Session, group_id: int) -> list[GroupDecisionRow]:
    """A group's logged decisions, oldest first."""
    return list(
        session.scalars(
            select(GroupDecisionRow)
            .where(GroupDecisionRow.group_id == group_id)
            .order_by(GroupDecisionRow.id)
        )
    )


def goal_source_ids(session: Session, decision_ids: Iterable[int]) -> dict[int, list[int]]:
    """Per ``goal`` decision, the ids of the shares it derives from (those still shared)."""
    found: dict[int, list[int]] = {}
    for row in session.scalars(
        select(GoalSourceRow)
        .where(GoalSourceRow.decision_id.in_(list(decision_ids)))
        .order_by(GoalSourceRow.share_id)
    ):
        found.setdefault(row.decision_id, []).append(row.share_id)
    return found
