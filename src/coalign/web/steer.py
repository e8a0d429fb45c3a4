"""The steerable chat pages: sliders per axis, best-of-n answers with their scores and
alternatives, feedback and repair on each answer, and the study's shared prompt library.

Participants use the seat in the signed session cookie; facilitators (logged in) see the study's
steered turns and feedback and set the daily limit. Each route reads the form, calls one
function of :mod:`coalign.steer.chat`, :mod:`~coalign.steer.repair` or
:mod:`~coalign.steer.prompt_library`, and redirects to the page that shows the result.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from coalign.coconstruct.interact import conversations_for, start_conversation
from coalign.core.calls import SamplingParams
from coalign.participation.members import study_slug_of
from coalign.steer.chat import (
    chat_state,
    regenerate,
    rewind,
    steered_send,
    study_steered_turns,
)
from coalign.steer.judges import JUDGE_PARAMS
from coalign.steer.limits import daily_limit, set_daily_limit, usage_of
from coalign.steer.prompt_library import library, share_prompt, shared_prompt
from coalign.steer.repair import MARKS, feedback_on, flag, mark, mitigate, study_feedback
from coalign.store.studies import get_study
from coalign.web.activities_common import (
    chat_params,
    model_of,
    optional_int,
    safe_back,
    store_of,
)
from coalign.web.facilitator import _account, _login_redirect
from coalign.web.pages import CSRF_FIELD, check_csrf, render
from coalign.web.participant import _seat

router = APIRouter(prefix="/p/steer")
facilitation = APIRouter(prefix="/f/studies/{slug}/steer")
AXIS_FIELD = "axis:"
CANDIDATE_CHOICES = (1, 2, 4)


def _pid(request: Request) -> str:
    return _seat(request).participant_id


async def _form(request: Request) -> FormData:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    return form


def _targets(form: FormData) -> dict[str, str]:
    return {
        key[len(AXIS_FIELD) :]: str(value)
        for key, value in form.multi_items()
        if key.startswith(AXIS_FIELD)
    }


def _n(form: FormData) -> int:
    n = optional_int(form, "n")
    return 2 if n is None else n


def _judge_params(request: Request) -> SamplingParams:
    return getattr(request.app.state, "judge_params", None) or JUDGE_PARAMS


@router.get("", response_class=HTMLResponse)
def steer_home(request: Request) -> Response:
    """The participant's conversations, a new steered conversation, and the prompt library."""
    store, pid = store_of(request), _pid(request)
    own = [c for c in conversations_for(store, pid) if not c.baseline]
    return render(
        request,
        "c_steer_home.html",
        conversations=own,
        prompts=library(store, pid),
        usage=usage_of(store, pid),
    )


@router.post("")
async def steer_new(request: Request) -> Response:
    form = await _form(request)
    chat = start_conversation(store_of(request), _pid(request), str(form.get("title") or ""))
    prompt = optional_int(form, "prompt")
    return RedirectResponse(
        f"/p/steer/{chat.id}" + (f"?prompt={prompt}" if prompt else ""), status_code=303
    )


@router.get("/{conversation_id}", response_class=HTMLResponse)
def steer_page(request: Request, conversation_id: int, prompt: int | None = None) -> Response:
    store, pid = store_of(request), _pid(request)
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
    )


@router.post("/{conversation_id}/send")
async def steer_send(request: Request, conversation_id: int) -> Response:
    form = await _form(request)
    await asyncio.to_thread(
        steered_send,
        store_of(request),
        model_of(request),
        _pid(request),
        conversation_id,
        str(form.get("message") or ""),
        _targets(form),
        n=_n(form),
        params=chat_params(request),
        judge_params=_judge_params(request),
        shared_prompt_id=optional_int(form, "prompt_id"),
    )
    return RedirectResponse(f"/p/steer/{conversation_id}#end", status_code=303)


@router.post("/turns/{turn_id}/mark")
async def steer_mark(request: Request, turn_id: int) -> Response:
    form = await _form(request)
    mark(store_of(request), _pid(request), turn_id, str(form.get("kind")), str(form.get("value")))
    return RedirectResponse(safe_back(form, "/p/steer"), status_code=303)


@router.post("/turns/{turn_id}/flag")
async def steer_flag(request: Request, turn_id: int) -> Response:
    """Flag an answer as misaligned and open the prefilled diary entry for editing."""
    form = await _form(request)
    entry = flag(store_of(request), _pid(request), turn_id, str(form.get("note") or ""))
    return RedirectResponse(f"/p/diary?entry={entry.id}", status_code=303)


@router.post("/turns/{turn_id}/rewind")
async def steer_rewind(request: Request, turn_id: int) -> Response:
    await _form(request)
    fork = rewind(store_of(request), _pid(request), turn_id)
    return RedirectResponse(f"/p/steer/{fork.id}#end", status_code=303)


@router.post("/turns/{turn_id}/regenerate")
async def steer_regenerate(request: Request, turn_id: int) -> Response:
    form = await _form(request)
    turn = await asyncio.to_thread(
        regenerate,
        store_of(request),
        model_of(request),
        _pid(request),
        turn_id,
        _targets(form),
        n=_n(form),
        params=chat_params(request),
        judge_params=_judge_params(request),
    )
    return RedirectResponse(f"/p/steer/{turn.conversation_id}#end", status_code=303)


@router.post("/turns/{turn_id}/mitigate")
async def steer_mitigate(request: Request, turn_id: int) -> Response:
    form = await _form(request)
    await asyncio.to_thread(
        mitigate,
        store_of(request),
        model_of(request),
        _pid(request),
        turn_id,
        str(form.get("dimension") or ""),
    )
    return RedirectResponse(safe_back(form, "/p/steer"), status_code=303)


@router.post("/prompts")
async def steer_share(request: Request) -> Response:
    form = await _form(request)
    share_prompt(
        store_of(request), _pid(request), str(form.get("text") or ""), str(form.get("title") or "")
    )
    return RedirectResponse(safe_back(form, "/p/steer"), status_code=303)


@facilitation.get("", response_class=HTMLResponse)
def steer_overview(request: Request, slug: str) -> Response:
    """The study's steered turns and feedback, and its daily limit."""
    if (redirect := _login_redirect(request)) is not None:
        return redirect
    store = store_of(request)
    return render(
        request,
        "cf_steer.html",
        account=_account(request),
        study=get_study(store, slug),
        limit=daily_limit(store, slug),
        turns=study_steered_turns(store, slug),
        feedback=study_feedback(store, slug),
    )


@facilitation.post("/limit")
async def steer_limit(request: Request, slug: str) -> Response:
    """Set the daily limit of steered turns per participant (empty: no limit)."""
    form = await _form(request)
    account = _account(request)
    set_daily_limit(store_of(request), slug, optional_int(form, "daily_turns"), account.username)
    return RedirectResponse(f"/f/studies/{slug}/steer", status_code=303)
