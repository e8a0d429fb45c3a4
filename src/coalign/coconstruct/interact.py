"""Interact: participants chat with the study's model under the study's system prompt.

The system prompt stands for the deployment context, so people meet the model as its users
would. Every model turn goes through :class:`coalign.llm.Model` (retries, cache, call log) and
keeps the hash of its logged request. A facilitator adds baseline conversations, answered once
by the model, that every participant of the study sees beside their own.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.core.coconstruction import MAX_TEXT, Conversation, Turn
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.llm.model import Model
from coalign.participation.members import member, study_row_by_id
from coalign.store import Store
from coalign.store.coconstruction import (
    add_conversation,
    add_turns,
    conversation_by_id,
    conversations_visible_to,
    last_turn_position,
    study_conversation_rows,
    turns_of,
)
from coalign.store.coconstruction_tables import ConversationRow, TurnRow
from coalign.store.studies import study_row

DEFAULT_PARAMS = SamplingParams(temperature=0.7, max_tokens=256)
MAX_TURNS = 200


def message_text(text: str) -> str:
    """A participant's message, stripped and checked (:class:`InputError` if empty or too long)."""
    text = text.strip()
    if not text:
        raise InputError("write a message first")
    if len(text) > MAX_TEXT:
        raise InputError(f"a message may have at most {MAX_TEXT} characters, not {len(text)}")
    return text


def turn_rows(session: Session, conversation_id: int) -> list[TurnRow]:
    """The turns of a conversation in order."""
    return turns_of(session, conversation_id)


def conversation_view(session: Session, row: ConversationRow) -> Conversation:
    """A stored conversation with its turns."""
    view = Conversation.model_validate(row, from_attributes=True)
    view.turns = [Turn.model_validate(t, from_attributes=True) for t in turns_of(session, row.id)]
    return view


def _reply(
    model: Model, system_prompt: str, turns: list[tuple[str, str]], params: SamplingParams
) -> tuple[str, str, bool]:
    """The model's next turn for a history of ``(role, content)`` pairs, its request hash, and
    whether the token limit cut it off (shown with the turn, never passed off as whole)."""
    messages = [Message(role="system", content=system_prompt)] if system_prompt else []
    messages += [Message(role=role, content=content) for role, content in turns]
    request = ChatRequest(messages=messages, params=params)
    completion = model.complete(request, purpose="interact")
    return completion.text.strip(), request.cache_key(model.model_id), completion.truncated


def start_conversation(store: Store, participant_id: str, title: str = "") -> Conversation:
    """Open a new, empty conversation of a participant under the study's system prompt.

    Raises:
        AccessDeniedError: not a consenting participant.
    """
    with store.session() as session:
        person = member(session, participant_id)
        study = study_row_by_id(session, person.study_id)
        row = add_conversation(
            session,
            person.study_id,
            participant_id,
            baseline=False,
            title=title.strip()[:200],
            system_prompt=study.system_prompt,
        )
        return conversation_view(session, row)


def send(
    store: Store,
    model: Model,
    participant_id: str,
    conversation_id: int,
    text: str,
    params: SamplingParams = DEFAULT_PARAMS,
) -> Conversation:
    """Add the participant's message and the model's answer to their conversation.

    The model is asked first and both turns are written together, so a failed call leaves the
    conversation as it was (the message is not half-sent).

    Raises:
        InputError: an empty or too long message, or a conversation at its turn limit.
        NotFoundError: no such conversation of this participant (baselines cannot be continued).
        ConflictError: another message was added to the conversation while the model answered.
        ModelError: the model call failed.
    """
    text = message_text(text)
    with store.read() as session:
        row = own_conversation(session, participant_id, conversation_id)
        history = [(t.role, t.content) for t in turns_of(session, conversation_id)]
        system_prompt = row.system_prompt
    if len(history) + 2 > MAX_TURNS:
        raise InputError(f"this conversation has reached {MAX_TURNS} turns; start a new one")
    answer, request_hash, truncated = _reply(
        model, system_prompt, history + [("user", text)], params
    )
    with store.session() as session:
        current = conversation_by_id(session, conversation_id)
        if current is None:  # removed while the model answered
            raise NotFoundError(f"no conversation {conversation_id} of yours")
        append_turns(
            session,
            current,
            len(history),
            [("user", text, None, False), ("assistant", answer, request_hash, truncated)],
            model.model_id,
        )
        return conversation_view(session, current)


def append_turns(
    session: Session,
    row: ConversationRow,
    expected: int,
    turns: list[tuple[str, str, str | None, bool]],
    model_id: str,
) -> list[TurnRow]:
    """Add ``(role, content, request_hash, truncated)`` turns after the ``expected`` turns read.

    Callers ask the model before opening the writing session, so a failed call writes nothing;
    this check makes a message sent meanwhile (another tab) a clear conflict, never a lost or
    duplicated turn.

    Raises:
        ConflictError: the conversation no longer has ``expected`` turns.
    """
    conflict = "another message was sent in this conversation meanwhile; reload and try again"
    position = last_turn_position(session, row.id)
    if position != expected:
        raise ConflictError(conflict)
    row.model_id = model_id
    try:
        return add_turns(session, row.id, turns, first_position=position + 1)
    except IntegrityError as exc:  # a concurrent send took the same positions
        raise ConflictError(conflict) from exc


def add_baseline(
    store: Store,
    model: Model,
    slug: str,
    title: str,
    user_messages: list[str],
    params: SamplingParams = DEFAULT_PARAMS,
) -> Conversation:
    """Create a shared baseline conversation: the model answers each user message in turn.

    Raises:
        InputError: no messages, or an empty or too long one.
        NotFoundError: no such study.
        ModelError: a model call failed (nothing is stored then).
    """
    messages = [message_text(m) for m in user_messages]
    if not messages:
        raise InputError("a baseline conversation needs at least one user message")
    with store.read() as session:
        system_prompt = study_row(session, slug).system_prompt
    history: list[tuple[str, str]] = []
    calls: list[tuple[str | None, bool]] = []  # request hash and truncation of each turn
    for message in messages:
        history.append(("user", message))
        calls.append((None, False))
        answer, request_hash, truncated = _reply(model, system_prompt, history, params)
        history.append(("assistant", answer))
        calls.append((request_hash, truncated))
    with store.session() as session:
        row = add_conversation(
            session,
            study_row(session, slug).id,
            None,
            baseline=True,
            title=title.strip()[:200] or "Baseline",
            system_prompt=system_prompt,
            model_id=model.model_id,
        )
        add_turns(
            session,
            row.id,
            [
                (role, content, request_hash, truncated)
                for (role, content), (request_hash, truncated) in zip(history, calls, strict=True)
            ],
            first_position=1,
        )
        return conversation_view(session, row)


def own_conversation(
    session: Session, participant_id: str, conversation_id: int
) -> ConversationRow:
    """A conversation the participant may continue: their own (baselines cannot be continued).

    Raises:
        AccessDeniedError: not a consenting participant.
        NotFoundError: anything else.
    """
    member(session, participant_id)
    row = conversation_by_id(session, conversation_id)
    if row is None or row.participant_id != participant_id:
        raise NotFoundError(f"no conversation {conversation_id} of yours")
    return row


def visible_conversation(
    session: Session, participant_id: str, conversation_id: int
) -> ConversationRow:
    """A conversation the participant may see: their own, or a baseline of their study.

    Raises:
        NotFoundError: anything else.
    """
    person = member(session, participant_id)
    row = conversation_by_id(session, conversation_id)
    if (
        row is None
        or row.study_id != person.study_id
        or not (row.baseline or row.participant_id == participant_id)
    ):
        raise NotFoundError(f"no conversation {conversation_id} for you")
    return row


def conversation(store: Store, participant_id: str, conversation_id: int) -> Conversation:
    """One conversation the participant may see, with its turns."""
    with store.read() as session:
        return conversation_view(
            session, visible_conversation(session, participant_id, conversation_id)
        )


def conversations_for(store: Store, participant_id: str) -> list[Conversation]:
    """The study's baseline conversations first, then the participant's own, oldest first."""
    with store.read() as session:
        person = member(session, participant_id)
        rows = conversations_visible_to(session, person.study_id, participant_id)
        return [conversation_view(session, row) for row in rows]


def study_conversations(store: Store, slug: str) -> list[Conversation]:
    """Every conversation of a study (the facilitator's view), baselines first."""
    with store.read() as session:
        rows = study_conversation_rows(session, study_row(session, slug).id)
        return [conversation_view(session, row) for row in rows]
