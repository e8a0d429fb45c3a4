"""Sharing misalignments with one's discussion group, with consent per entry, and the group's
codes and zoom-out worksheets on them.

A member shares one of their own diary entries, or one model turn of their own chats (with the
message before it), only by ticking the consent box for it; the share records when. Until a
facilitator closes the group phase they can stop sharing it, and then it leaves everyone's view
together with what the group wrote on it (codes, worksheets, the goal's link to it). Withdrawing
from the study deletes the member's shares the same way (:mod:`coalign.store.withdrawal`).

Every member codes shared misalignments as in open coding (:mod:`coalign.coconstruct.coding`: a
short free-text code, optionally on a quoted passage) and fills in one worksheet per share (who
was affected, what was at stake, what they did), which they can edit. Each person changes only
their own codes and worksheets.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coalign.coconstruct.axes import group_of_member
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.core.group_phase import ShareCodeInput, WorksheetInput
from coalign.participation.members import owned, validated
from coalign.store import Store
from coalign.store.coconstruction import conversation_by_id, diary_entry_by_id, turn_by_id
from coalign.store.coconstruction_tables import DiscussionGroupRow
from coalign.store.group_phase import (
    add_share,
    add_share_code,
    decision_rows,
    prompt_before,
    remove_share,
    save_worksheet,
    share_by_id,
    share_code_by_id,
    share_of,
)
from coalign.store.group_phase_tables import GroupShareRow

#: The parts of a diary entry a share shows, in order (the screenshot stays private).
ENTRY_PARTS = ("goal", "prompt", "response", "action", "outcome", "values_at_stake")
NO_CONSENT = "tick the box to agree to share it with your group"
PHASE_CLOSED = "the group phase is closed; nothing can be shared or changed any more"


def phase_closed(session: Session, group_id: int) -> bool:
    """Whether a facilitator closed the group's phase (and did not reopen it since)."""
    kinds = [d.kind for d in decision_rows(session, group_id) if d.kind in ("close", "reopen")]
    return bool(kinds) and kinds[-1] == "close"


def open_group(session: Session, participant_id: str, group_id: int) -> DiscussionGroupRow:
    """The member's group, while its phase is open.

    Raises:
        NotFoundError: not a member of the group.
        ConflictError: the group phase is closed.
    """
    group = group_of_member(session, participant_id, group_id)
    if phase_closed(session, group_id):
        raise ConflictError(PHASE_CLOSED)
    return group


def group_share(session: Session, group_id: int, share_id: int) -> GroupShareRow:
    """A share of the group (:class:`NotFoundError` for any other id)."""
    row = share_by_id(session, share_id)
    if row is None or row.group_id != group_id:
        raise NotFoundError(f"no shared misalignment {share_id} in this group")
    return row


def share_parts(session: Session, row: GroupShareRow) -> dict[str, str]:
    """The text the group sees of a share: an entry's filled-in parts, or a turn's prompt and
    response."""
    if row.diary_entry_id is not None:
        entry = diary_entry_by_id(session, row.diary_entry_id)
        assert entry is not None  # the share is deleted with its entry
        return {p: getattr(entry, p) for p in ENTRY_PARTS if getattr(entry, p)}
    turn = turn_by_id(session, row.turn_id or 0)
    assert turn is not None  # the share is deleted with its turn
    return {"prompt": prompt_before(session, turn), "response": turn.content}


def share_entry(
    store: Store, participant_id: str, group_id: int, entry_id: int, *, consent: bool
) -> int:
    """Share one of one's diary entries with one's group; returns the share's id.

    Sharing an entry that is shared already changes nothing (its consent time stays).

    Raises:
        InputError: ``consent`` is not given.
        NotFoundError: not a member of the group, or not one's own entry.
        ConflictError: the group phase is closed.
    """
    if not consent:
        raise InputError(NO_CONSENT)
    try:
        with store.session() as session:
            open_group(session, participant_id, group_id)
            entry = owned(
                diary_entry_by_id(session, entry_id), participant_id, "diary entry", entry_id
            )
            return _share(session, group_id, participant_id, diary_entry_id=entry.id)
    except IntegrityError:
        if (found := _shared_meanwhile(store, group_id, diary_entry_id=entry_id)) is None:
            raise
        return found


def share_turn(
    store: Store, participant_id: str, group_id: int, turn_id: int, *, consent: bool
) -> int:
    """Share one model turn of one's own chats (with the message before it); returns the
    share's id. Sharing it again changes nothing.

    Raises:
        InputError: ``consent`` is not given, or the turn is not the model's.
        NotFoundError: not a member of the group, or not a turn of one's own conversation
            (shared baseline conversations are everyone's already).
        ConflictError: the group phase is closed.
    """
    if not consent:
        raise InputError(NO_CONSENT)
    try:
        with store.session() as session:
            open_group(session, participant_id, group_id)
            turn = turn_by_id(session, turn_id)
            chat = conversation_by_id(session, turn.conversation_id) if turn else None
            if turn is None or chat is None or chat.participant_id != participant_id:
                raise NotFoundError(f"no turn {turn_id} of your own conversations")
            if turn.role != "assistant":
                raise InputError("share one of the model's turns")
            return _share(session, group_id, participant_id, turn_id=turn.id)
    except IntegrityError:
        if (found := _shared_meanwhile(store, group_id, turn_id=turn_id)) is None:
            raise
        return found


def _share(
    session: Session,
    group_id: int,
    participant_id: str,
    *,
    diary_entry_id: int | None = None,
    turn_id: int | None = None,
) -> int:
    found = share_of(session, group_id, diary_entry_id=diary_entry_id, turn_id=turn_id)
    if found is not None:
        return found.id
    row = add_share(
        session, group_id, participant_id, diary_entry_id=diary_entry_id, turn_id=turn_id
    )
    return row.id


def _shared_meanwhile(
    store: Store, group_id: int, *, diary_entry_id: int | None = None, turn_id: int | None = None
) -> int | None:
    """The share another request made between our check and our insert (a second tab)."""
    with store.read() as session:
        found = share_of(session, group_id, diary_entry_id=diary_entry_id, turn_id=turn_id)
        return found.id if found else None


def unshare(store: Store, participant_id: str, group_id: int, share_id: int) -> None:
    """Stop sharing: the misalignment leaves the group's view, with the codes and worksheets
    written on it and the goal's link to it.

    Raises:
        NotFoundError: not a member, or not one's own share.
        ConflictError: the group phase is closed.
    """
    with store.session() as session:
        open_group(session, participant_id, group_id)
        row = owned(
            group_share(session, group_id, share_id), participant_id, "shared entry", share_id
        )
        remove_share(session, row)


def _quoted(parts: Mapping[str, str], quote: str) -> tuple[str, int, int]:
    for part, content in parts.items():
        found = content.find(quote)
        if found >= 0:
            return part, found, found + len(quote)
    raise InputError("the selected passage is not part of this shared misalignment")


def code_share(
    store: Store, participant_id: str, group_id: int, share_id: int, fields: Mapping[str, object]
) -> int:
    """Put an open code on a shared misalignment of the group; returns the code's id.

    Args:
        fields: ``text``, and optionally ``quote``: a passage of the share's text the code is on.

    Raises:
        InputError: an empty or too long code, or a passage that is not in the share's text.
        NotFoundError: not a member, or no such share in the group.
        ConflictError: the group phase is closed.
    """
    data = validated(ShareCodeInput, {k: v for k, v in fields.items() if v != ""}, "code")
    with store.session() as session:
        open_group(session, participant_id, group_id)
        share = group_share(session, group_id, share_id)
        part = start = end = None
        if data.quote:
            part, start, end = _quoted(share_parts(session, share), data.quote)
        row = add_share_code(
            session,
            share.id,
            participant_id,
            data.text,
            part=part,
            span_start=start,
            span_end=end,
            quote=data.quote or None,
        )
        return row.id


def delete_share_code(store: Store, participant_id: str, group_id: int, code_id: int) -> None:
    """Remove one's own code on a shared misalignment.

    Raises:
        NotFoundError: not a member, or not one's own code in this group.
        ConflictError: the group phase is closed.
    """
    with store.session() as session:
        open_group(session, participant_id, group_id)
        row = owned(share_code_by_id(session, code_id), participant_id, "code", code_id)
        group_share(session, group_id, row.share_id)
        session.delete(row)


def fill_worksheet(
    store: Store, participant_id: str, group_id: int, share_id: int, fields: Mapping[str, str]
) -> None:
    """Save one's zoom-out worksheet on a shared misalignment (replacing one's earlier text).

    Args:
        fields: ``who_was_affected``, ``what_was_at_stake``, ``what_they_did`` (any may be empty,
            not all).

    Raises:
        InputError: every part empty, or a part too long.
        NotFoundError: not a member, or no such share in the group.
        ConflictError: the group phase is closed.
    """
    data = validated(WorksheetInput, dict(fields), "worksheet")
    if not any(data.model_dump().values()):
        raise InputError("write at least one part of the worksheet")
    with store.session() as session:
        open_group(session, participant_id, group_id)
        save_worksheet(session, group_share(session, group_id, share_id).id, participant_id, data)
