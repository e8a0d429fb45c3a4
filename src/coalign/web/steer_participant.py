"""Participants' steerable chat pages: sliders per axis, best-of-n answers with their scores and
alternatives, feedback and repair on each answer, the study's shared prompt library, the chat's
positionality card, a stop button while an answer is written, the participant's own daily
limit and their filtered history.

Participants use the seat in the signed session cookie. Each route reads the form, calls one
function of :mod:`coalign.steer.chat`, :mod:`~coalign.steer.repair` or
:mod:`~coalign.steer.prompt_library`, and redirects to the page that shows the result.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from coalign.coconstruct.interact import conversations_for, start_conversation
from coalign.participation.members import study_slug_of
from coalign.steer.chat import chat_state, regenerate, rewind, steered_send
from coalign.steer.history import history
from coalign.steer.limits import MAX_PERSONAL_LIMIT, set_own_limit, usage_of
from coalign.steer.positionality import positionality
from coalign.steer.prompt_library import library, share_prompt, shared_prompt
from coalign.steer.repair import MARKS, feedback_on, flag, mark, mitigate
from coalign.store.studies import get_study
from coalign.web.dependencies import (
    AppStore,
    ChatModel,
    ChatModelId,
    ChatParams,
    CsrfForm,
    JudgeParams,
    ParticipantId,
    Running,
)
from coalign.web.forms import int_or, optional_int, prefixed, required_int, safe_back, text
from coalign.web.pages import render

router = APIRouter(prefix="/p/steer")
AXIS_FIELD = "axis:"
CANDIDATE_CHOICES = (1, 2, 4)
DEFAULT_CANDIDATES = 2
#: Seconds the stop button's request waits for the stopped answer to be stored.
STOP_WAIT = 10.0


def _candidates(form: FormData) -> int:
    """How many answers to generate and judge (``n``)."""
    return int_or(form, "n", DEFAULT_CANDIDATES)


@router.get("", response_class=HTMLResponse)
def steer_home(request: Request, store: AppStore, pid: ParticipantId) -> Response:
    """The participant's conversations, a new steered conversation, their history of answers
    (filtered by the query: ``since``, ``until``, ``axis``, ``flagged``), their daily limit and
    the prompt library."""
    own = [c for c in conversations_for(store, pid) if not c.baseline]
    return render(
        request,
        "c_steer_home.html",
        conversations=own,
        history=history(store, pid, request.query_params),
        prompts=library(store, pid),
        usage=usage_of(store, pid),
        max_limit=MAX_PERSONAL_LIMIT,
        back="/p/steer",
    )


@router.post("/limit")
async def steer_limit(form: CsrfForm, store: AppStore, pid: ParticipantId) -> Response:
    """Set the participant's own daily limit (an empty field removes it)."""
    set_own_limit(store, pid, optional_int(form, "daily_turns"))
    return RedirectResponse(safe_back(form, "/p/steer") + "#own-limit", status_code=303)


@router.post("")
async def steer_new(form: CsrfForm, store: AppStore, pid: ParticipantId) -> Response:
    chat = start_conversation(store, pid, text(form, "title"))
    prompt = optional_int(form, "prompt")
    return RedirectResponse(
        f"/p/steer/{chat.id}" + (f"?prompt={prompt}" if prompt else ""), status_code=303
    )


@router.get("/{conversation_id}", response_class=HTMLResponse)
def steer_page(
    request: Request,
    store: AppStore,
    pid: ParticipantId,
    model_id: ChatModelId,
    params: ChatParams,
    judge: JudgeParams,
    running: Running,
    conversation_id: int,
    prompt: int | None = None,
) -> Response:
    state = chat_state(store, pid, conversation_id)
    answers = [t.id for t in state.conversation.turns if t.role == "assistant"]
    last = [state.steered[t] for t in answers if t in state.steered]
    targets = {a.name: 3 for a in state.axes} | (last[-1].targets if last else {})
    study = get_study(store, study_slug_of(store, pid))
    return render(
        request,
        "c_steer.html",
        state=state,
        feedback=feedback_on(store, pid, answers),
        targets=targets,
        dimensions=study.dimensions,
        marks=MARKS,
        choices=CANDIDATE_CHOICES,
        prompts=library(store, pid),
        reused=shared_prompt(store, pid, prompt) if prompt else None,
        card=positionality(
            store, pid, conversation_id, model_id=model_id, params=params, judge_params=judge
        ),
        writing=running.is_running(pid, conversation_id),
        max_limit=MAX_PERSONAL_LIMIT,
        back=f"/p/steer/{conversation_id}",
    )


@router.post("/{conversation_id}/send")
async def steer_send(
    form: CsrfForm,
    store: AppStore,
    pid: ParticipantId,
    model: ChatModel,
    params: ChatParams,
    judge: JudgeParams,
    running: Running,
    conversation_id: int,
) -> Response:
    message, targets, n = text(form, "message"), prefixed(form, AXIS_FIELD), _candidates(form)
    prompt_id = optional_int(form, "prompt_id")
    await asyncio.to_thread(
        running.run,
        pid,
        conversation_id,
        lambda stop: steered_send(
            store,
            model,
            pid,
            conversation_id,
            message,
            targets,
            n=n,
            params=params,
            judge_params=judge,
            shared_prompt_id=prompt_id,
            stop=stop,
        ),
    )
    return RedirectResponse(f"/p/steer/{conversation_id}#end", status_code=303)


@router.post("/{conversation_id}/stop")
async def steer_stop(
    _: CsrfForm, pid: ParticipantId, running: Running, conversation_id: int
) -> Response:
    """Stop the answer being written in the conversation (the page's stop button).

    The request that is writing it stores the text so far and shows the page; this one waits
    (up to :data:`STOP_WAIT` seconds) for that, so the page it leads back to shows it too. When
    nothing is being written any more, it only leads back to the conversation.
    """
    await asyncio.to_thread(running.stop, pid, conversation_id, STOP_WAIT)
    return RedirectResponse(f"/p/steer/{conversation_id}#end", status_code=303)


@router.post("/turns/{turn_id}/mark")
async def steer_mark(form: CsrfForm, store: AppStore, pid: ParticipantId, turn_id: int) -> Response:
    # str(None) on purpose: a missing kind or value is named as None in mark's refusal.
    mark(store, pid, turn_id, str(form.get("kind")), str(form.get("value")))
    return RedirectResponse(safe_back(form, "/p/steer"), status_code=303)


@router.post("/turns/{turn_id}/flag")
async def steer_flag(form: CsrfForm, store: AppStore, pid: ParticipantId, turn_id: int) -> Response:
    """Flag an answer as misaligned and open the prefilled diary entry for editing."""
    entry = flag(store, pid, turn_id, text(form, "note"))
    return RedirectResponse(f"/p/diary?entry={entry.id}", status_code=303)


@router.post("/turns/{turn_id}/rewind")
async def steer_rewind(_: CsrfForm, store: AppStore, pid: ParticipantId, turn_id: int) -> Response:
    fork = rewind(store, pid, turn_id)
    return RedirectResponse(f"/p/steer/{fork.id}#end", status_code=303)


@router.post("/turns/{turn_id}/regenerate")
async def steer_regenerate(
    form: CsrfForm,
    store: AppStore,
    pid: ParticipantId,
    model: ChatModel,
    params: ChatParams,
    judge: JudgeParams,
    running: Running,
    turn_id: int,
) -> Response:
    # The stop button of the page the form was on stops it, under that page's conversation.
    targets, n = prefixed(form, AXIS_FIELD), _candidates(form)
    turn = await asyncio.to_thread(
        running.run,
        pid,
        required_int(form, "conversation"),
        lambda stop: regenerate(
            store,
            model,
            pid,
            turn_id,
            targets,
            n=n,
            params=params,
            judge_params=judge,
            stop=stop,
        ),
    )
    return RedirectResponse(f"/p/steer/{turn.conversation_id}#end", status_code=303)


@router.post("/turns/{turn_id}/mitigate")
async def steer_mitigate(
    form: CsrfForm, store: AppStore, pid: ParticipantId, model: ChatModel, turn_id: int
) -> Response:
    dimension = text(form, "dimension")
    await asyncio.to_thread(mitigate, store, model, pid, turn_id, dimension)
    return RedirectResponse(safe_back(form, "/p/steer"), status_code=303)


@router.post("/prompts")
async def steer_share(form: CsrfForm, store: AppStore, pid: ParticipantId) -> Response:
    share_prompt(store, pid, text(form, "text"), text(form, "title"))
    return RedirectResponse(safe_back(form, "/p/steer"), status_code=303)
