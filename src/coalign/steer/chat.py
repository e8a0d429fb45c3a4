"""The steerable chat: best-of-n answers steered along the study's axes, rewind, daily limits.

A steered turn works in three steps:

1. the slider targets (1–5 per axis) are written into the system prompt
   (:func:`coalign.steer.judges.steering_prompt`);
2. ``n`` candidate answers are drawn with seeds derived from the turn, and each is scored on
   every axis by the axis judges;
3. the candidate nearest the targets (:func:`coalign.steer.judges.nearest`) becomes the
   conversation's assistant turn; the others stay visible as alternatives.

Every part is kept: targets, composed prompt, sampling, each candidate with its request hash,
seed and distance, the judges' verdicts, and which candidate was shown. Model calls happen
before anything is written, so a failed call leaves the conversation as it was.

Rewinding never deletes: it opens a new conversation holding the turns up to the chosen one
(linked to its parent), from which the participant continues or regenerates an answer. Every
steered turn counts against the daily limits (:mod:`coalign.steer.limits`).

A turn can be stopped while it is drafted (:mod:`coalign.steer.stopping`): no further candidate
is drawn or judged, the candidate being written keeps its text so far (marked stopped, never
judged), and the turn shows the nearest whole candidate drawn before, or else the stopped text.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import NamedTuple

from pydantic import BaseModel
from sqlalchemy.orm import Session

from coalign.coconstruct.interact import (
    DEFAULT_PARAMS,
    MAX_TURNS,
    append_turns,
    conversation_view,
    message_text,
    own_conversation,
)
from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.core.coconstruction import Conversation
from coalign.core.errors import InputError, NotFoundError
from coalign.core.ids import derive_seed
from coalign.core.study import ValueDimension
from coalign.llm.model import Model
from coalign.participation.members import member, study_row_by_id
from coalign.steer.judges import (
    JUDGE_PARAMS,
    AxisScore,
    chat_axes,
    check_targets,
    distance,
    judge_response,
    nearest,
    response_record_id,
    steering_prompt,
    stored_scores,
)
from coalign.steer.limits import Usage, check_usage, usage_in
from coalign.steer.prompt_library import library_row
from coalign.store import Store
from coalign.store.coconstruction import conversation_by_id, turn_by_id, turns_of
from coalign.store.coconstruction_tables import ConversationRow, TurnRow
from coalign.store.steer import (
    add_candidate,
    add_steered_turn,
    candidates_of,
    count_forks,
    fork_conversation,
    fork_of,
    steered_turn_by_id,
    steered_turns_of_turns,
    study_steered_turn_rows,
)
from coalign.store.steer_tables import SteeredTurnRow
from coalign.store.studies import load_study, study_row

MAX_CANDIDATES = 8


class Candidate(BaseModel):
    """One candidate answer of a steered turn, with its axis scores and distance to the targets."""

    position: int
    content: str
    record_id: str
    request_hash: str
    seed: int
    distance: float
    chosen: bool
    scores: list[AxisScore]
    truncated: bool = False
    stopped: bool = False


class SteeredTurn(BaseModel):
    """How an assistant turn was chosen: targets, composed system prompt, the n candidates."""

    id: int
    turn_id: int
    conversation_id: int
    targets: dict[str, int]
    system_prompt: str
    n: int
    chosen: int
    candidates: list[Candidate]
    stopped: bool = False

    @property
    def shown(self) -> Candidate:
        """The candidate that became the assistant turn."""
        return self.candidates[self.chosen]


class ChatState(BaseModel):
    """A steered conversation as a page shows it."""

    conversation: Conversation
    axes: list[ValueDimension]
    steered: dict[int, SteeredTurn]
    parent_id: int | None
    usage: Usage


# --- steered turns ------------------------------------------------------------------------------


class _Picked(NamedTuple):
    """What :func:`_generate` drew: checked targets, composed prompt, candidates, whether stopped."""

    targets: dict[str, int]
    prompt: str
    candidates: list[Candidate]
    stopped: bool


def _generate(
    store: Store,
    model: Model,
    slug: str,
    system_prompt: str,
    history: list[tuple[str, str]],
    targets: Mapping[str, object],
    n: int,
    params: SamplingParams,
    judge_params: SamplingParams,
    salt: tuple[object, ...],
    stop: threading.Event | None,
) -> _Picked:
    """Draw, judge and rank ``n`` answers to ``history`` (which ends with the user's message).

    Candidate seeds derive from the sampling seed, ``salt`` (what makes this draw differ from
    earlier ones, e.g. a regeneration count) and the candidate's position. Once ``stop`` is
    set, the candidate being written ends with its text so far (not judged) and none follows.
    """
    if not 1 <= n <= MAX_CANDIDATES:
        raise InputError(f"ask for 1 to {MAX_CANDIDATES} candidates, not {n}")
    with store.read() as session:
        study = load_study(session, slug)
    axes = chat_axes(study)
    checked = check_targets(axes, targets)
    prompt = steering_prompt(system_prompt, axes, checked)
    messages = [Message(role="system", content=prompt)] if prompt else []
    messages += [Message(role=role, content=content) for role, content in history]
    question = history[-1][1]
    base_seed = params.seed or 0
    candidates: list[Candidate] = []
    for position in range(n):
        seed = derive_seed(base_seed, "candidate", *salt, position)
        request = ChatRequest(messages=messages, params=params.model_copy(update={"seed": seed}))
        completion = model.complete(request, purpose="steer:candidate", stop=stop)
        text = completion.text.strip()
        if completion.stopped:
            candidates.append(_stopped(position, text, question, request, model, seed, checked))
            break
        scores = judge_response(store, model, study, axes, question, text, judge_params)
        candidates.append(
            Candidate(
                position=position,
                content=text,
                record_id=response_record_id(question, text),
                request_hash=request.cache_key(model.model_id),
                seed=seed,
                distance=distance({s.axis: s.score for s in scores}, checked),
                chosen=False,
                scores=scores,
                truncated=completion.truncated,
            )
        )
        if stop is not None and stop.is_set():
            break
    # An answer cut off (by the token limit or by stopping) is shown only when all were.
    pool = [c for c in candidates if not (c.truncated or c.stopped)] or candidates
    best = nearest([{s.axis: s.score for s in c.scores} for c in pool], checked)
    pool[best].chosen = True
    return _Picked(
        checked, prompt, candidates, stopped=len(candidates) < n or candidates[-1].stopped
    )


def _stopped(
    position: int,
    text: str,
    question: str,
    request: ChatRequest,
    model: Model,
    seed: int,
    targets: dict[str, int],
) -> Candidate:
    """A candidate stopped mid-generation: its text so far, not judged, farthest from targets."""
    return Candidate(
        position=position,
        content=text,
        record_id=response_record_id(question, text),
        request_hash=request.cache_key(model.model_id),
        seed=seed,
        distance=distance({}, targets),
        chosen=False,
        scores=[],
        stopped=True,
    )


def _write_steered(
    session: Session,
    participant_id: str,
    row: ConversationRow,
    expected: int,
    user_text: str | None,
    picked: _Picked,
    model: Model,
    params: SamplingParams,
    shared_prompt_id: int | None,
) -> SteeredTurnRow:
    targets, prompt, candidates, stopped = picked
    shown = next(c for c in candidates if c.chosen)
    turns = [("user", user_text, None, False)] if user_text is not None else []
    added = append_turns(
        session,
        row,
        expected,
        [*turns, ("assistant", shown.content, shown.request_hash, shown.truncated)],
        model.model_id,
    )
    steered = add_steered_turn(
        session,
        added[-1].id,
        row.id,
        participant_id,
        targets=targets,
        system_prompt=prompt,
        n=len(candidates),
        chosen=shown.position,
        model_id=model.model_id,
        params=params.model_dump(mode="json"),
        shared_prompt_id=shared_prompt_id,
        stopped=stopped,
    )
    for c in candidates:
        add_candidate(
            session,
            steered.id,
            c.position,
            record_id=c.record_id,
            content=c.content,
            request_hash=c.request_hash,
            seed=c.seed,
            distance=c.distance,
            chosen=c.chosen,
            truncated=c.truncated,
            stopped=c.stopped,
        )
    return steered


def steered_send(
    store: Store,
    model: Model,
    participant_id: str,
    conversation_id: int,
    text: str,
    targets: Mapping[str, object],
    *,
    n: int = 2,
    params: SamplingParams = DEFAULT_PARAMS,
    judge_params: SamplingParams = JUDGE_PARAMS,
    shared_prompt_id: int | None = None,
    stop: threading.Event | None = None,
) -> SteeredTurn:
    """Send a message and add the best of ``n`` steered answers to the participant's conversation.

    Args:
        targets: slider setting per axis name (1–5); axes left out are judged but not steered.
        judge_params: sampling of the axis judges (a rationale cut off at ``max_tokens`` makes
            that axis "could not judge", never a cut sentence shown as whole).
        shared_prompt_id: the library prompt the message came from, counted as one more use.
        stop: set by another thread to stop generating (see :mod:`coalign.steer.stopping`);
            the turn is stored with the text so far, marked stopped.

    Raises:
        InputError: empty or too long message, unknown axis, target outside 1–5, bad ``n``,
            a conversation at its turn limit, or a library prompt of another study.
        RateLimitedError: the participant used up today's steered turns.
        NotFoundError: no such conversation of this participant.
        ConflictError: another message was added meanwhile.
        ModelError: a model call failed (nothing is written).
    """
    text = message_text(text)
    with store.read() as session:
        row = own_conversation(session, participant_id, conversation_id)
        study = study_row_by_id(session, row.study_id)
        check_usage(usage_in(session, participant_id, row.study_id))
        if shared_prompt_id is not None:
            library_row(session, row.study_id, shared_prompt_id)
        history = [(t.role, t.content) for t in turns_of(session, conversation_id)]
        system_prompt, slug = row.system_prompt, study.slug
    if len(history) + 2 > MAX_TURNS:
        raise InputError(f"this conversation has reached {MAX_TURNS} turns; start a new one")
    picked = _generate(
        store,
        model,
        slug,
        system_prompt,
        [*history, ("user", text)],
        targets,
        n,
        params,
        judge_params,
        ("send", conversation_id, len(history)),
        stop,
    )
    with store.session() as session:
        row = _conversation(session, conversation_id)
        if shared_prompt_id is not None:
            library_row(session, row.study_id, shared_prompt_id).uses += 1
        steered = _write_steered(
            session,
            participant_id,
            row,
            len(history),
            text,
            picked,
            model,
            params,
            shared_prompt_id,
        )
        steered_id = steered.id
    return steered_turn(store, participant_id, steered_id)


def _conversation(session: Session, conversation_id: int) -> ConversationRow:
    """The conversation read before the model calls, read again to write to it.

    Raises:
        NotFoundError: it was deleted meanwhile.
    """
    row = conversation_by_id(session, conversation_id)
    if row is None:
        raise NotFoundError(f"no conversation {conversation_id} of yours")
    return row


def _own_turn(
    session: Session, participant_id: str, turn_id: int
) -> tuple[TurnRow, ConversationRow]:
    turn = turn_by_id(session, turn_id)
    if turn is None:
        raise NotFoundError(f"no turn {turn_id} of yours")
    try:
        row = own_conversation(session, participant_id, turn.conversation_id)
    except NotFoundError:
        raise NotFoundError(f"no turn {turn_id} of yours") from None
    return turn, row


def _fork(session: Session, row: ConversationRow, upto: int) -> ConversationRow:
    """A new conversation of the same participant holding ``row``'s turns 1..``upto``."""
    title = f"{row.title or 'Conversation'} (rewound to turn {upto})"[:200]
    return fork_conversation(session, row, upto, title)


def rewind(store: Store, participant_id: str, turn_id: int) -> Conversation:
    """Go back to turn ``turn_id``: a new conversation with the turns up to and including it.

    The original conversation stays as it was; the new one names it as its parent.

    Raises:
        NotFoundError: no such turn in a conversation of this participant.
    """
    with store.session() as session:
        turn, row = _own_turn(session, participant_id, turn_id)
        return conversation_view(session, _fork(session, row, turn.position))


def regenerate(
    store: Store,
    model: Model,
    participant_id: str,
    turn_id: int,
    targets: Mapping[str, object],
    *,
    n: int = 2,
    params: SamplingParams = DEFAULT_PARAMS,
    judge_params: SamplingParams = JUDGE_PARAMS,
    stop: threading.Event | None = None,
) -> SteeredTurn:
    """Rewind to just before assistant turn ``turn_id`` and answer its message anew, steered.

    The answer lands in a new conversation (see :func:`rewind`); the original is kept whole.
    ``stop`` stops generating, as in :func:`steered_send`.

    Raises:
        InputError: ``turn_id`` is not an assistant turn; bad targets or ``n``.
        RateLimitedError: the participant used up today's steered turns.
        NotFoundError: no such turn of this participant.
        ModelError: a model call failed (nothing is written).
    """
    with store.read() as session:
        turn, row = _own_turn(session, participant_id, turn_id)
        if turn.role != "assistant":
            raise InputError("only an answer of the assistant can be regenerated")
        study = study_row_by_id(session, row.study_id)
        check_usage(usage_in(session, participant_id, row.study_id))
        history = [
            (t.role, t.content) for t in turns_of(session, row.id) if t.position < turn.position
        ]
        system_prompt, slug, conversation_id = row.system_prompt, study.slug, row.id
        forks = count_forks(session, row.id)
    picked = _generate(
        store,
        model,
        slug,
        system_prompt,
        history,
        targets,
        n,
        params,
        judge_params,
        ("regenerate", turn_id, forks),
        stop,
    )
    with store.session() as session:
        fork = _fork(session, _conversation(session, conversation_id), len(history))
        steered_id = _write_steered(
            session, participant_id, fork, len(history), None, picked, model, params, None
        ).id
    return steered_turn(store, participant_id, steered_id)


# --- reading ---------------------------------------------------------------------------------------


def _origins(session: Session, conversation_id: int) -> dict[int, int]:
    """For each position of a (possibly rewound) conversation, the turn id where it first appeared."""
    own = {t.position: t.id for t in turns_of(session, conversation_id)}
    fork = fork_of(session, conversation_id)
    if fork is None:
        return own
    inherited = _origins(session, fork.parent_id)
    return {p: inherited.get(p, tid) if p <= fork.from_position else tid for p, tid in own.items()}


def _steered_views(
    session: Session, store: Store, axes: list[ValueDimension], rows: list[SteeredTurnRow]
) -> list[SteeredTurn]:
    candidates = {r.id: candidates_of(session, r.id) for r in rows}
    scores = stored_scores(store, axes, [c.record_id for cs in candidates.values() for c in cs])
    return [
        SteeredTurn(
            id=r.id,
            turn_id=r.turn_id,
            conversation_id=r.conversation_id,
            targets=dict(r.targets),
            system_prompt=r.system_prompt,
            n=r.n,
            chosen=r.chosen,
            stopped=r.stopped,
            candidates=[
                Candidate(
                    position=c.position,
                    content=c.content,
                    record_id=c.record_id,
                    request_hash=c.request_hash,
                    seed=c.seed,
                    distance=c.distance,
                    chosen=c.chosen,
                    scores=[] if c.stopped else scores[c.record_id],
                    truncated=c.truncated,
                    stopped=c.stopped,
                )
                for c in candidates[r.id]
            ],
        )
        for r in rows
    ]


def steered_turn(store: Store, participant_id: str, steered_id: int) -> SteeredTurn:
    """One of the participant's steered turns with its candidates and their scores.

    Raises:
        NotFoundError: no such steered turn of this participant.
    """
    with store.read() as session:
        person = member(session, participant_id)
        row = steered_turn_by_id(session, steered_id)
        if row is None or row.participant_id != participant_id:
            raise NotFoundError(f"no steered turn {steered_id} of yours")
        axes = chat_axes(load_study(session, study_row_by_id(session, person.study_id).slug))
        return _steered_views(session, store, axes, [row])[0]


def chat_state(store: Store, participant_id: str, conversation_id: int) -> ChatState:
    """A participant's own conversation with the steering behind each answer (rewound turns
    show the steering of the turn they were copied from), the axes and today's usage.

    Raises:
        NotFoundError: no such conversation of this participant.
    """
    with store.read() as session:
        row = own_conversation(session, participant_id, conversation_id)
        study = study_row_by_id(session, row.study_id)
        axes = chat_axes(load_study(session, study.slug))
        origins = _origins(session, conversation_id)
        by_origin = {tid: position for position, tid in origins.items()}
        rows = steered_turns_of_turns(session, list(origins.values()))
        view = conversation_view(session, row)
        turn_at = {t.position: t.id for t in view.turns}
        steered = {
            turn_at[by_origin[s.turn_id]]: s for s in _steered_views(session, store, axes, rows)
        }
        fork = fork_of(session, conversation_id)
        return ChatState(
            conversation=view,
            axes=axes,
            steered=steered,
            parent_id=None if fork is None else fork.parent_id,
            usage=usage_in(session, participant_id, row.study_id),
        )


def study_steered_turns(store: Store, slug: str) -> list[SteeredTurn]:
    """Every steered turn of a study with its candidates and scores, oldest first (for export)."""
    with store.read() as session:
        study = study_row(session, slug)
        axes = chat_axes(load_study(session, slug))
        rows = study_steered_turn_rows(session, study.id)
        return _steered_views(session, store, axes, rows)
