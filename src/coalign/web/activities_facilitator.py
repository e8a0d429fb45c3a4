"""Facilitators' co-construction pages: diaries and promotion, baselines, codes, label map, axes, workshops.

Every route needs a facilitator login (the same session as the campaign pages); the account's
user name is recorded as who promoted, recorded or decided.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from coalign.coconstruct.axes import (
    create_group,
    get_group,
    group_attributes,
    record_axis,
    set_goal,
    study_groups,
)
from coalign.coconstruct.axes_report import axes_report
from coalign.coconstruct.axis_dimensions import adopt_axis
from coalign.coconstruct.coding import study_codes
from coalign.coconstruct.diary import (
    entry_image,
    promote_to_example,
    promote_to_question,
    study_entries,
)
from coalign.coconstruct.interact import add_baseline, study_conversations
from coalign.coconstruct.labelmap import label_map
from coalign.coconstruct.workshop import (
    create_workshop,
    get_workshop,
    start_session,
    study_workshops,
    timer,
)
from coalign.coconstruct.workshop_seeds import moderate, workshop_seeds
from coalign.core.errors import InputError
from coalign.participation.members import study_participants
from coalign.store.studies import get_study, list_studies
from coalign.web.activities_common import chat_params, form_int, model_of, optional_int, store_of
from coalign.web.facilitator import _account, _login_redirect
from coalign.web.pages import CSRF_FIELD, check_csrf, render

router = APIRouter(prefix="/f/studies/{slug}")
index = APIRouter()


async def _form(request: Request) -> FormData:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    _account(request)
    return form


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@index.get("/f/studies", response_class=HTMLResponse)
def studies(request: Request) -> Response:
    """Every study, each linking to its co-construction overview."""
    if (redirect := _login_redirect(request)) is not None:
        return redirect
    store = store_of(request)
    return render(
        request,
        "cf_studies.html",
        account=_account(request),
        studies=[get_study(store, slug) for slug in list_studies(store)],
    )


@router.get("", response_class=HTMLResponse)
def activities(request: Request, slug: str) -> Response:
    """The study's co-construction overview: diaries, conversations, codes, groups, workshops."""
    if (redirect := _login_redirect(request)) is not None:
        return redirect
    store = store_of(request)
    return render(
        request,
        "cf_study.html",
        account=_account(request),
        study=get_study(store, slug),
        entries=study_entries(store, slug),
        conversations=study_conversations(store, slug),
        codes=study_codes(store, slug),
        groups=study_groups(store, slug),
        workshops=study_workshops(store, slug),
        participants=study_participants(store, slug),
    )


@router.get("/diary/{entry_id}/image")
def diary_image(request: Request, slug: str, entry_id: int) -> Response:
    _account(request)
    data, media_type = entry_image(store_of(request), entry_id)
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, no-store"})


@router.post("/diary/{entry_id}/promote")
async def promote(request: Request, slug: str, entry_id: int) -> Response:
    """Promote a diary entry to a seed question (``kind=question``) or a seed example (``kind=example``)."""
    form = await _form(request)
    store, who = store_of(request), _account(request).username
    topic = str(form.get("topic") or "").strip() or None
    qtype = str(form.get("question_type") or "").strip() or None
    if form.get("kind") == "example":
        promote_to_example(
            store,
            slug,
            entry_id,
            dimensions=[str(d) for d in form.getlist("dimension")],
            critique=str(form.get("critique") or ""),
            aligned_response=str(form.get("aligned_response") or ""),
            decided_by=who,
            topic=topic,
            question_type=qtype,
        )
    else:
        if topic is None or qtype is None:
            raise InputError("choose a topic and a question type for the seed question")
        promote_to_question(
            store,
            slug,
            entry_id,
            topic=topic,
            question_type=qtype,
            decided_by=who,
            text=str(form.get("text") or "").strip() or None,
        )
    return RedirectResponse(f"/f/studies/{slug}#diary", status_code=303)


@router.post("/baselines")
async def baseline(request: Request, slug: str) -> Response:
    """A shared baseline conversation: one user message per line, each answered by the model."""
    form = await _form(request)
    await asyncio.to_thread(
        add_baseline,
        store_of(request),
        model_of(request),
        slug,
        str(form.get("title") or ""),
        _lines(str(form.get("messages") or "")),
        chat_params(request),
    )
    return RedirectResponse(f"/f/studies/{slug}#conversations", status_code=303)


@router.get("/labelmap", response_class=HTMLResponse)
async def labelmap_page(request: Request, slug: str) -> Response:
    if (redirect := _login_redirect(request)) is not None:
        return redirect
    account = _account(request)
    result = await asyncio.to_thread(label_map, store_of(request), slug)
    return render(request, "c_labelmap.html", result=result, base="f_base.html", account=account)


@router.post("/groups")
async def group_new(request: Request, slug: str) -> Response:
    form = await _form(request)
    group = create_group(
        store_of(request),
        slug,
        str(form.get("name") or ""),
        [str(m) for m in form.getlist("member")],
    )
    return RedirectResponse(f"/f/studies/{slug}/groups/{group.id}", status_code=303)


@router.get("/groups/{group_id}", response_class=HTMLResponse)
def group_page(request: Request, slug: str, group_id: int) -> Response:
    if (redirect := _login_redirect(request)) is not None:
        return redirect
    store = store_of(request)
    codes = study_codes(store, slug)
    turns = {c.turn_id: c.turn_text for c in codes}
    return render(
        request,
        "cf_group.html",
        account=_account(request),
        slug=slug,
        group=get_group(store, slug, group_id),
        attributes=group_attributes(store, group_id),
        report=axes_report(store, slug, group_id),
        turns=turns,
        study=get_study(store, slug),
    )


@router.post("/groups/{group_id}/axes")
async def group_axis(request: Request, slug: str, group_id: int) -> Response:
    form = await _form(request)
    try:
        turn_ids = [int(str(t)) for t in form.getlist("turn_id")]
        attribute_ids = [int(str(a)) for a in form.getlist("attribute_id")]
    except ValueError:
        raise InputError("turn_id and attribute_id must be whole numbers") from None
    record_axis(
        store_of(request),
        slug,
        group_id,
        {
            "name": str(form.get("name") or ""),
            "definition": str(form.get("definition") or ""),
            "example_turn_ids": turn_ids,
            "attribute_ids": attribute_ids,
        },
        recorded_by=_account(request).username,
    )
    return RedirectResponse(f"/f/studies/{slug}/groups/{group_id}", status_code=303)


@router.post("/groups/{group_id}/goal")
async def group_goal(request: Request, slug: str, group_id: int) -> Response:
    form = await _form(request)
    set_goal(
        store_of(request),
        slug,
        group_id,
        {k: str(form.get(k) or "") for k in ("who", "what", "how")},
    )
    return RedirectResponse(f"/f/studies/{slug}/groups/{group_id}", status_code=303)


@router.post("/groups/{group_id}/adopt")
async def group_adopt(request: Request, slug: str, group_id: int) -> Response:
    form = await _form(request)
    adopt_axis(store_of(request), slug, group_id, form_int(form, "axis_id"))
    return RedirectResponse(f"/f/studies/{slug}/groups/{group_id}?adopted=1", status_code=303)


def _groups(text: str) -> dict[str, list[str]]:
    """``red: p1, p2`` per line → ``{"red": ["p1", "p2"]}``."""
    groups: dict[str, list[str]] = {}
    for line in _lines(text):
        name, sep, members = line.partition(":")
        if not sep:
            raise InputError(
                f"write each group as 'name: participant, participant' (not {line[:40]!r})"
            )
        groups[name.strip()] = [m.strip() for m in members.split(",") if m.strip()]
    return groups


@router.post("/workshops")
async def workshop_new(request: Request, slug: str) -> Response:
    form = await _form(request)
    workshop = create_workshop(
        store_of(request),
        slug,
        str(form.get("slug") or ""),
        str(form.get("title") or ""),
        _groups(str(form.get("groups") or "")),
        session_minutes=optional_int(form, "session_minutes") or 45,
        break_every_minutes=optional_int(form, "break_every_minutes") or 25,
    )
    return RedirectResponse(f"/f/studies/{slug}/workshops/{workshop.id}", status_code=303)


@router.get("/workshops/{workshop_id}", response_class=HTMLResponse)
def workshop_page(request: Request, slug: str, workshop_id: int) -> Response:
    if (redirect := _login_redirect(request)) is not None:
        return redirect
    store = store_of(request)
    workshop = get_workshop(store, slug, workshop_id)
    return render(
        request,
        "cf_workshop.html",
        account=_account(request),
        workshop=workshop,
        timer=timer(workshop),
        seeds=workshop_seeds(store, slug, workshop_id),
    )


@router.post("/workshops/{workshop_id}/session")
async def workshop_session(request: Request, slug: str, workshop_id: int) -> Response:
    form = await _form(request)
    number = form_int(form, "session")
    if number not in (1, 2):
        raise InputError("a workshop has session 1 and session 2")
    start_session(store_of(request), slug, workshop_id, number)  # type: ignore[arg-type]
    return RedirectResponse(f"/f/studies/{slug}/workshops/{workshop_id}", status_code=303)


@router.post("/workshops/{workshop_id}/moderate")
async def workshop_moderate(request: Request, slug: str, workshop_id: int) -> Response:
    form = await _form(request)
    kind = str(form.get("kind") or "")
    if kind not in ("question", "example"):
        raise InputError("kind is question or example")
    moderate(
        store_of(request),
        slug,
        workshop_id,
        kind,
        str(form.get("seed_id") or ""),  # type: ignore[arg-type]
        str(form.get("decision") or ""),
        str(form.get("reason") or ""),
        _account(request).username,
    )  # type: ignore[arg-type]
    return RedirectResponse(f"/f/studies/{slug}/workshops/{workshop_id}", status_code=303)
