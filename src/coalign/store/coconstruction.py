"""Co-construction, read and written: conversations and turns, diary entries, codes and clusters,
discussion groups with their attributes, axes and rankings (seed workshops: :mod:`.workshops`).

Every function takes the caller's :class:`~sqlalchemy.orm.Session`, so the stage that calls it
decides what one transaction holds (a check and the insert it guards stay in one). Functions
named ``*_by_id`` return ``None`` when nothing matches; the stage decides what that means.
The ``add_*`` functions flush, so the new row has its id and a broken unique constraint raises
:class:`sqlalchemy.exc.IntegrityError` where the stage can turn it into its own error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from coalign.core.coconstruction import AttributeInput, DiaryEntryInput
from coalign.store.coconstruction_tables import (
    AttributeRow,
    AxisRankingRow,
    AxisRow,
    CodeClusterRow,
    CodeRow,
    ConversationRow,
    DiaryEntryRow,
    DiscussionGroupRow,
    TurnRow,
    WorkshopRow,
)

#: A turn to write: ``(role, content, request_hash, truncated)``.
NewTurn = tuple[str, str, str | None, bool]
#: A code with the turn it is on and the cluster it is in (``None``: none).
CodeWithTurn = tuple[CodeRow, TurnRow, CodeClusterRow | None]

# --- conversations and turns --------------------------------------------------------------------


def conversation_by_id(session: Session, conversation_id: int) -> ConversationRow | None:
    """The conversation ``conversation_id``, or ``None`` if there is none."""
    return session.get(ConversationRow, conversation_id)


def add_conversation(
    session: Session,
    study_id: int,
    participant_id: str | None,
    *,
    baseline: bool,
    title: str,
    system_prompt: str,
    model_id: str = "",
) -> ConversationRow:
    """Insert a conversation (``participant_id`` is ``None`` for a baseline) and flush it.

    Args:
        title: stored as given; the stage trims it.
        model_id: the model that answered so far; empty until the first answer.
    """
    row = ConversationRow(
        study_id=study_id,
        participant_id=participant_id,
        baseline=baseline,
        title=title,
        system_prompt=system_prompt,
        model_id=model_id,
    )
    session.add(row)
    session.flush()
    return row


def conversations_visible_to(
    session: Session, study_id: int, participant_id: str
) -> list[ConversationRow]:
    """The study's baselines, then the participant's own conversations, each oldest first."""
    return list(
        session.scalars(
            select(ConversationRow)
            .where(
                ConversationRow.study_id == study_id,
                or_(
                    ConversationRow.baseline.is_(True),
                    ConversationRow.participant_id == participant_id,
                ),
            )
            .order_by(ConversationRow.baseline.desc(), ConversationRow.id)
        )
    )


def study_conversation_rows(session: Session, study_id: int) -> list[ConversationRow]:
    """Every conversation of a study, baselines first, each oldest first."""
    return list(
        session.scalars(
            select(ConversationRow)
            .where(ConversationRow.study_id == study_id)
            .order_by(ConversationRow.baseline.desc(), ConversationRow.id)
        )
    )


def turn_by_id(session: Session, turn_id: int) -> TurnRow | None:
    """The turn ``turn_id``, or ``None`` if there is none."""
    return session.get(TurnRow, turn_id)


def turns_of(session: Session, conversation_id: int) -> list[TurnRow]:
    """The turns of a conversation in order."""
    return list(
        session.scalars(
            select(TurnRow)
            .where(TurnRow.conversation_id == conversation_id)
            .order_by(TurnRow.position)
        )
    )


def turn_texts(session: Session, turn_ids: Iterable[int]) -> dict[int, str]:
    """The content of each of ``turn_ids`` that exists, by turn id."""
    return {
        t.id: t.content
        for t in session.scalars(select(TurnRow).where(TurnRow.id.in_(list(turn_ids))))
    }


def last_turn_position(session: Session, conversation_id: int) -> int:
    """The position of the conversation's last turn; 0 when it has none."""
    return (
        session.scalar(
            select(func.max(TurnRow.position)).where(TurnRow.conversation_id == conversation_id)
        )
        or 0
    )


def add_turns(
    session: Session, conversation_id: int, turns: Sequence[NewTurn], *, first_position: int
) -> list[TurnRow]:
    """Insert ``turns`` at positions ``first_position``, ``first_position + 1`` … and flush them.

    Raises:
        sqlalchemy.exc.IntegrityError: a position is taken (e.g. by a concurrent send).
    """
    added = [
        TurnRow(
            conversation_id=conversation_id,
            position=position,
            role=role,
            content=content,
            request_hash=request_hash,
            truncated=truncated,
        )
        for position, (role, content, request_hash, truncated) in enumerate(
            turns, start=first_position
        )
    ]
    session.add_all(added)
    session.flush()
    return added


# --- diary entries ------------------------------------------------------------------------------


def add_diary_entry(
    session: Session,
    study_id: int,
    participant_id: str,
    data: DiaryEntryInput,
    *,
    image_type: str | None,
    image_data: bytes | None,
) -> DiaryEntryRow:
    """Insert a participant's diary entry, with its screenshot if any, and flush it."""
    row = DiaryEntryRow(
        study_id=study_id,
        participant_id=participant_id,
        **data.model_dump(),
        image_type=image_type,
        image_data=image_data,
    )
    session.add(row)
    session.flush()
    return row


def diary_entry_by_id(
    session: Session, entry_id: int, *, lock: bool = False
) -> DiaryEntryRow | None:
    """The diary entry ``entry_id`` (its image loaded only when read), or ``None``.

    Args:
        lock: hold the row until the transaction ends (``SELECT … FOR UPDATE`` on PostgreSQL;
            SQLite has one writer at a time anyway), so that a concurrent writer waits and then
            reads what this one wrote.
    """
    if lock:
        return session.get(DiaryEntryRow, entry_id, with_for_update=True, populate_existing=True)
    return session.get(DiaryEntryRow, entry_id)


def diary_entries_of(session: Session, participant_id: str) -> list[DiaryEntryRow]:
    """A participant's diary entries, newest first."""
    return list(
        session.scalars(
            select(DiaryEntryRow)
            .where(DiaryEntryRow.participant_id == participant_id)
            .order_by(DiaryEntryRow.id.desc())
        )
    )


def study_diary_entries(session: Session, study_id: int) -> list[DiaryEntryRow]:
    """Every diary entry of a study, oldest first."""
    return list(
        session.scalars(
            select(DiaryEntryRow)
            .where(DiaryEntryRow.study_id == study_id)
            .order_by(DiaryEntryRow.id)
        )
    )


def diary_entries_promoted_to(
    session: Session, study_id: int, seed_kind: str, seed_id: str, entry_ids: Iterable[int] = ()
) -> list[DiaryEntryRow]:
    """The diary entries of a study that link to seed ``seed_id`` of ``seed_kind`` (``question``
    or ``example``), together with ``entry_ids`` (those the decision log names), oldest first."""
    column = (
        DiaryEntryRow.seed_question_id if seed_kind == "question" else DiaryEntryRow.seed_example_id
    )
    return list(
        session.scalars(
            select(DiaryEntryRow)
            .where(
                DiaryEntryRow.study_id == study_id,
                or_(column == seed_id, DiaryEntryRow.id.in_(list(entry_ids))),
            )
            .order_by(DiaryEntryRow.id)
        )
    )


# --- codes and clusters -------------------------------------------------------------------------


def add_turn_code(
    session: Session,
    study_id: int,
    participant_id: str,
    turn_id: int,
    text: str,
    *,
    span_start: int | None,
    span_end: int | None,
    quote: str | None,
) -> CodeRow:
    """Insert a participant's code on a turn (or on a span of it) and flush it."""
    row = CodeRow(
        study_id=study_id,
        participant_id=participant_id,
        turn_id=turn_id,
        text=text,
        span_start=span_start,
        span_end=span_end,
        quote=quote,
    )
    session.add(row)
    session.flush()
    return row


def code_by_id(session: Session, code_id: int) -> CodeRow | None:
    """The code ``code_id``, or ``None`` if there is none."""
    return session.get(CodeRow, code_id)


def remove_code(session: Session, row: CodeRow) -> None:
    """Delete a code (deleted when the transaction ends)."""
    session.delete(row)


def _codes_with_turns(session: Session, condition: ColumnElement[bool]) -> list[CodeWithTurn]:
    rows = session.execute(
        select(CodeRow, TurnRow, CodeClusterRow)
        .where(condition)
        .join(TurnRow, TurnRow.id == CodeRow.turn_id)
        .outerjoin(CodeClusterRow, CodeClusterRow.id == CodeRow.cluster_id)
        .order_by(CodeRow.id)
    ).all()
    return [(code, turn, cluster) for code, turn, cluster in rows]


def codes_of(session: Session, participant_id: str) -> list[CodeWithTurn]:
    """A participant's codes, oldest first, each with its turn and its cluster (if any)."""
    return _codes_with_turns(session, CodeRow.participant_id == participant_id)


def study_code_rows(session: Session, study_id: int) -> list[CodeWithTurn]:
    """Every code of a study, oldest first, each with its turn and its cluster (if any)."""
    return _codes_with_turns(session, CodeRow.study_id == study_id)


def add_cluster(session: Session, study_id: int, participant_id: str, name: str) -> CodeClusterRow:
    """Insert a participant's named cluster of codes and flush it.

    Raises:
        sqlalchemy.exc.IntegrityError: the participant has a cluster of that name.
    """
    row = CodeClusterRow(study_id=study_id, participant_id=participant_id, name=name)
    session.add(row)
    session.flush()
    return row


def cluster_by_id(session: Session, cluster_id: int) -> CodeClusterRow | None:
    """The cluster ``cluster_id``, or ``None`` if there is none."""
    return session.get(CodeClusterRow, cluster_id)


def clusters_of(session: Session, participant_id: str) -> list[CodeClusterRow]:
    """A participant's clusters in the order they were made."""
    return list(
        session.scalars(
            select(CodeClusterRow)
            .where(CodeClusterRow.participant_id == participant_id)
            .order_by(CodeClusterRow.id)
        )
    )


# --- discussion groups, attributes, axes and rankings -------------------------------------------


def add_group(session: Session, study_id: int, name: str, members: list[str]) -> DiscussionGroupRow:
    """Insert a discussion group and flush it.

    Raises:
        sqlalchemy.exc.IntegrityError: the study has a group of that name.
    """
    row = DiscussionGroupRow(study_id=study_id, name=name, members=members)
    session.add(row)
    session.flush()
    return row


def group_by_id(session: Session, group_id: int) -> DiscussionGroupRow | None:
    """The discussion group ``group_id``, or ``None`` if there is none."""
    return session.get(DiscussionGroupRow, group_id)


def study_group_rows(session: Session, study_id: int) -> list[DiscussionGroupRow]:
    """Every discussion group of a study, oldest first."""
    return list(
        session.scalars(
            select(DiscussionGroupRow)
            .where(DiscussionGroupRow.study_id == study_id)
            .order_by(DiscussionGroupRow.id)
        )
    )


def attribute_by_id(session: Session, attribute_id: int) -> AttributeRow | None:
    """The pre-discussion attribute ``attribute_id``, or ``None`` if there is none."""
    return session.get(AttributeRow, attribute_id)


def group_attribute_rows(session: Session, group_id: int) -> list[AttributeRow]:
    """Every member's attributes in a group, by member then rank."""
    return list(
        session.scalars(
            select(AttributeRow)
            .where(AttributeRow.group_id == group_id)
            .order_by(AttributeRow.participant_id, AttributeRow.rank)
        )
    )


def replace_attributes(
    session: Session, group_id: int, participant_id: str, attributes: Sequence[AttributeInput]
) -> None:
    """Replace a member's attributes in a group by ``attributes``, ranked 1, 2 … in order.

    The old ones are deleted and flushed first, so the new ranks never meet the old ones in the
    unique constraint.
    """
    for row in session.scalars(
        select(AttributeRow).where(
            AttributeRow.group_id == group_id, AttributeRow.participant_id == participant_id
        )
    ):
        session.delete(row)
    session.flush()
    for rank, attribute in enumerate(attributes, start=1):
        session.add(
            AttributeRow(
                group_id=group_id,
                participant_id=participant_id,
                rank=rank,
                name=attribute.name,
                definition=attribute.definition,
            )
        )


def group_has_axes(session: Session, group_id: int) -> bool:
    """Whether any axis of the group is recorded."""
    return (
        session.scalar(select(AxisRow.id).where(AxisRow.group_id == group_id).limit(1)) is not None
    )


def axis_ids_of(session: Session, group_id: int) -> list[int]:
    """The ids of a group's axes (in no particular order)."""
    return list(session.scalars(select(AxisRow.id).where(AxisRow.group_id == group_id)))


def axes_of(session: Session, group_id: int) -> list[AxisRow]:
    """A group's axes in their recorded order."""
    return list(
        session.scalars(
            select(AxisRow)
            .where(AxisRow.group_id == group_id)
            .order_by(AxisRow.position, AxisRow.id)
        )
    )


def add_axis(
    session: Session,
    group_id: int,
    name: str,
    definition: str,
    *,
    example_turn_ids: list[int],
    recorded_by: str,
    position: int,
) -> AxisRow:
    """Insert one of a group's axes and flush it.

    Raises:
        sqlalchemy.exc.IntegrityError: the group has an axis of that name.
    """
    row = AxisRow(
        group_id=group_id,
        name=name,
        definition=definition,
        example_turn_ids=example_turn_ids,
        recorded_by=recorded_by,
        position=position,
    )
    session.add(row)
    session.flush()
    return row


def replace_axis_rankings(
    session: Session,
    participant_id: str,
    axis_ids: Sequence[int],
    answers: Mapping[int, tuple[int, int]],
) -> None:
    """Replace a member's rankings of the axes ``axis_ids`` by ``{axis_id: (rank, agreement)}``.

    The old ones are deleted and flushed first, so the new rows never meet them in the unique
    constraint.
    """
    for row in session.scalars(
        select(AxisRankingRow).where(
            AxisRankingRow.axis_id.in_(axis_ids),
            AxisRankingRow.participant_id == participant_id,
        )
    ):
        session.delete(row)
    session.flush()
    for axis_id, (rank, agreement) in answers.items():
        session.add(
            AxisRankingRow(
                axis_id=axis_id, participant_id=participant_id, rank=rank, agreement=agreement
            )
        )


def rankings_of_axes(session: Session, axis_ids: Sequence[int]) -> list[AxisRankingRow]:
    """Every member's post-discussion ranking of the axes ``axis_ids``."""
    return list(session.scalars(select(AxisRankingRow).where(AxisRankingRow.axis_id.in_(axis_ids))))


# --- what a study offers --------------------------------------------------------------------------


def study_has_coconstruction(session: Session, study_id: int) -> bool:
    """Whether co-construction takes place in a study: a workshop, a discussion group or a
    conversation (a shared baseline or anyone's chat) exists in it, or a diary entry."""
    kinds = (WorkshopRow, DiscussionGroupRow, ConversationRow, DiaryEntryRow)
    return any(
        session.scalar(select(kind.id).where(kind.study_id == study_id).limit(1)) is not None
        for kind in kinds
    )
