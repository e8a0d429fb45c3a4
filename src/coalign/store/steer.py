"""The steerable chat, read and written: steered turns and their candidates, rewound
conversations, feedback on answers, the shared prompt library and the daily limits.

Every function takes the caller's :class:`~sqlalchemy.orm.Session`, so the stage that calls it
decides what one transaction holds. Look-ups of one row (``*_by_id``, ``fork_of``,
``steer_limit_of``) return ``None`` when nothing matches; the stage decides what that means.
Conversations and turns themselves are read and written through
:mod:`coalign.store.coconstruction`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalign.store.coconstruction import add_conversation, turns_of
from coalign.store.coconstruction_tables import ConversationRow, TurnRow
from coalign.store.steer_tables import (
    ConversationForkRow,
    PersonalLimitRow,
    SharedPromptRow,
    SteerCandidateRow,
    SteeredTurnRow,
    SteerFeedbackRow,
    SteerLimitRow,
)
from coalign.store.tables import utcnow

# --- steered turns and their candidates ---------------------------------------------------------


def add_steered_turn(
    session: Session,
    turn_id: int,
    conversation_id: int,
    participant_id: str,
    *,
    targets: dict[str, int],
    system_prompt: str,
    n: int,
    chosen: int,
    model_id: str,
    params: dict[str, Any],
    shared_prompt_id: int | None,
    stopped: bool = False,
) -> SteeredTurnRow:
    """Insert how assistant turn ``turn_id`` was chosen, and flush it (its candidates point at it).

    Args:
        targets: slider setting per axis name.
        system_prompt: the system prompt composed from the targets.
        n: how many candidates were drawn; ``chosen``: the position of the one shown.
        params: the sampling parameters, as JSON.
        shared_prompt_id: the library prompt the message came from, if any.
        stopped: the participant stopped the generation.
    """
    row = SteeredTurnRow(
        turn_id=turn_id,
        conversation_id=conversation_id,
        participant_id=participant_id,
        targets=targets,
        system_prompt=system_prompt,
        n=n,
        chosen=chosen,
        model_id=model_id,
        params=params,
        shared_prompt_id=shared_prompt_id,
        stopped=stopped,
    )
    session.add(row)
    session.flush()
    return row


def add_candidate(
    session: Session,
    steered_turn_id: int,
    position: int,
    *,
    record_id: str,
    content: str,
    request_hash: str,
    seed: int,
    distance: float,
    chosen: bool,
    truncated: bool,
    stopped: bool = False,
) -> None:
    """Add one candidate answer of a steered turn (written when the transaction ends).

    ``stopped``: the participant stopped it mid-generation; ``content`` is the text so far.
    """
    session.add(
        SteerCandidateRow(
            steered_turn_id=steered_turn_id,
            position=position,
            record_id=record_id,
            content=content,
            request_hash=request_hash,
            seed=seed,
            distance=distance,
            chosen=chosen,
            truncated=truncated,
            stopped=stopped,
        )
    )


def steered_turn_by_id(session: Session, steered_id: int) -> SteeredTurnRow | None:
    """The steered turn ``steered_id``, or ``None`` if there is none."""
    return session.get(SteeredTurnRow, steered_id)


def steered_turns_of_turns(session: Session, turn_ids: list[int]) -> list[SteeredTurnRow]:
    """The steered turns behind any of the assistant turns ``turn_ids`` (in no particular order)."""
    return list(session.scalars(select(SteeredTurnRow).where(SteeredTurnRow.turn_id.in_(turn_ids))))


def study_steered_turn_rows(session: Session, study_id: int) -> list[SteeredTurnRow]:
    """Every steered turn in the conversations of a study, oldest first."""
    return list(
        session.scalars(
            select(SteeredTurnRow)
            .join(ConversationRow, ConversationRow.id == SteeredTurnRow.conversation_id)
            .where(ConversationRow.study_id == study_id)
            .order_by(SteeredTurnRow.id)
        )
    )


def participant_steered_turn_rows(
    session: Session, participant_id: str, since: datetime | None, before: datetime | None
) -> list[SteeredTurnRow]:
    """The participant's steered turns created in ``[since, before)`` (either end open when
    ``None``), newest first."""
    query = select(SteeredTurnRow).where(SteeredTurnRow.participant_id == participant_id)
    if since is not None:
        query = query.where(SteeredTurnRow.created_at >= since)
    if before is not None:
        query = query.where(SteeredTurnRow.created_at < before)
    return list(session.scalars(query.order_by(SteeredTurnRow.id.desc())))


def candidates_of(session: Session, steered_turn_id: int) -> list[SteerCandidateRow]:
    """The candidates of a steered turn in their drawn order."""
    return list(
        session.scalars(
            select(SteerCandidateRow)
            .where(SteerCandidateRow.steered_turn_id == steered_turn_id)
            .order_by(SteerCandidateRow.position)
        )
    )


def count_steered_turns_since(session: Session, participant_id: str, since: datetime) -> int:
    """How many steered turns the participant has had since ``since``."""
    used = session.scalar(
        select(func.count())
        .select_from(SteeredTurnRow)
        .where(
            SteeredTurnRow.participant_id == participant_id,
            SteeredTurnRow.created_at >= since,
        )
    )
    return used or 0


# --- rewound conversations ----------------------------------------------------------------------


def fork_conversation(
    session: Session, parent: ConversationRow, upto: int, title: str
) -> ConversationRow:
    """A new conversation of ``parent``'s participant holding copies of its turns 1..``upto``,
    linked to ``parent``; flushed.
    """
    fork = add_conversation(
        session,
        parent.study_id,
        parent.participant_id,
        baseline=False,
        title=title,
        system_prompt=parent.system_prompt,
        model_id=parent.model_id,
    )
    session.add_all(
        TurnRow(
            conversation_id=fork.id,
            position=t.position,
            role=t.role,
            content=t.content,
            request_hash=t.request_hash,
            truncated=t.truncated,
        )
        for t in turns_of(session, parent.id)
        if t.position <= upto
    )
    session.add(
        ConversationForkRow(conversation_id=fork.id, parent_id=parent.id, from_position=upto)
    )
    session.flush()
    return fork


def fork_of(session: Session, conversation_id: int) -> ConversationForkRow | None:
    """Where a rewound conversation came from, or ``None`` for one that was not rewound."""
    return session.get(ConversationForkRow, conversation_id)


def count_forks(session: Session, conversation_id: int) -> int:
    """How many conversations were rewound from this one."""
    forks = session.scalar(
        select(func.count())
        .select_from(ConversationForkRow)
        .where(ConversationForkRow.parent_id == conversation_id)
    )
    return forks or 0


# --- feedback on answers ------------------------------------------------------------------------


def add_feedback(
    session: Session,
    turn_id: int,
    participant_id: str,
    kind: str,
    value: str,
    *,
    diary_entry_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> SteerFeedbackRow:
    """Insert a participant's feedback on an assistant turn and flush it.

    Args:
        kind: ``understanding``, ``validity``, ``flag`` or ``mitigation``.
        diary_entry_id: the diary entry a flag opened.
        detail: what a mitigation produced; empty when ``None``.
    """
    row = SteerFeedbackRow(
        turn_id=turn_id,
        participant_id=participant_id,
        kind=kind,
        value=value,
        diary_entry_id=diary_entry_id,
        detail=detail if detail is not None else {},
    )
    session.add(row)
    session.flush()
    return row


def feedback_rows_on(
    session: Session, participant_id: str, turn_ids: list[int]
) -> list[SteerFeedbackRow]:
    """The participant's feedback on any of ``turn_ids``, oldest first."""
    return list(
        session.scalars(
            select(SteerFeedbackRow)
            .where(
                SteerFeedbackRow.participant_id == participant_id,
                SteerFeedbackRow.turn_id.in_(turn_ids),
            )
            .order_by(SteerFeedbackRow.id)
        )
    )


def study_feedback_rows(session: Session, study_id: int) -> list[SteerFeedbackRow]:
    """Every piece of feedback on turns of the study's conversations, oldest first."""
    return list(
        session.scalars(
            select(SteerFeedbackRow)
            .join(TurnRow, TurnRow.id == SteerFeedbackRow.turn_id)
            .join(ConversationRow, ConversationRow.id == TurnRow.conversation_id)
            .where(ConversationRow.study_id == study_id)
            .order_by(SteerFeedbackRow.id)
        )
    )


# --- the shared prompt library ------------------------------------------------------------------


def add_shared_prompt(
    session: Session, study_id: int, participant_id: str, title: str, text: str
) -> SharedPromptRow:
    """Insert a prompt a participant shares with their study, not yet reused, and flush it."""
    row = SharedPromptRow(
        study_id=study_id, participant_id=participant_id, title=title, text=text, uses=0
    )
    session.add(row)
    session.flush()
    return row


def shared_prompt_by_id(session: Session, prompt_id: int) -> SharedPromptRow | None:
    """The shared prompt ``prompt_id`` (of any study), or ``None`` if there is none."""
    return session.get(SharedPromptRow, prompt_id)


def shared_prompts_by_use(session: Session, study_id: int) -> list[SharedPromptRow]:
    """A study's shared prompts, most reused first, then newest first."""
    return list(
        session.scalars(
            select(SharedPromptRow)
            .where(SharedPromptRow.study_id == study_id)
            .order_by(SharedPromptRow.uses.desc(), SharedPromptRow.id.desc())
        )
    )


def study_shared_prompts(session: Session, study_id: int) -> list[SharedPromptRow]:
    """Every shared prompt of a study, oldest first."""
    return list(
        session.scalars(
            select(SharedPromptRow)
            .where(SharedPromptRow.study_id == study_id)
            .order_by(SharedPromptRow.id)
        )
    )


# --- daily limits -------------------------------------------------------------------------------


def steer_limit_of(session: Session, study_id: int) -> SteerLimitRow | None:
    """The study's daily limit of steered turns, or ``None`` when it has none."""
    return session.get(SteerLimitRow, study_id)


def set_steer_limit(session: Session, study_id: int, daily_turns: int, set_by: str) -> None:
    """Set the study's daily limit of steered turns per participant, noting who set it and when."""
    row = session.get(SteerLimitRow, study_id)
    if row is None:
        row = SteerLimitRow(study_id=study_id, daily_turns=daily_turns)
        session.add(row)
    row.daily_turns, row.set_by, row.updated_at = daily_turns, set_by, utcnow()


def remove_steer_limit(session: Session, study_id: int) -> None:
    """Remove the study's daily limit of steered turns, if it has one."""
    row = session.get(SteerLimitRow, study_id)
    if row is not None:
        session.delete(row)


def personal_limit_of(session: Session, participant_id: str) -> PersonalLimitRow | None:
    """The daily limit the participant set for themselves, or ``None`` when they set none."""
    return session.get(PersonalLimitRow, participant_id)


def set_personal_limit(session: Session, participant_id: str, daily_turns: int) -> None:
    """Set the participant's own daily limit of steered turns, noting when."""
    row = session.get(PersonalLimitRow, participant_id)
    if row is None:
        row = PersonalLimitRow(participant_id=participant_id, daily_turns=daily_turns)
        session.add(row)
    row.daily_turns, row.updated_at = daily_turns, utcnow()


def remove_personal_limit(session: Session, participant_id: str) -> None:
    """Remove the participant's own daily limit, if they set one."""
    row = session.get(PersonalLimitRow, participant_id)
    if row is not None:
        session.delete(row)
