"""Facilitators' co-construction pages: diaries and promotion, baselines, codes, label map, axes,
workshops.

Every route needs a facilitator login (the same session as the campaign pages,
:data:`~coalign.web.dependencies.FacilitatorPage` for pages, ``Facilitator`` for actions); the
account's user name is recorded as who promoted, recorded or decided.
"""

from __future__ import annotations

import asyncio
from typing import Literal

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
    seed_origin,
    study_entries,
    study_promotions,
)
from coalign.coconstruct.group_ranking import group_ranking_comparison
from coalign.coconstruct.interact import add_baseline, study_conversations
from coalign.coconstruct.labelmap import label_map
from coalign.coconstruct.training import training_results
from coalign.coconstruct.workshop import (
    create_workshop,
    get_workshop,
    start_session,
    study_workshops,
    timer,
)
from coalign.coconstruct.workshop_design import decide_proposal, workshop_proposals
from coalign.coconstruct.workshop_seeds import moderate, workshop_seeds
from coalign.core.errors import InputError
from coalign.participation.members import study_participants
from coalign.store.studies import get_study, list_studies
from coalign.study.seed_review import SeedKind
from coalign.web.dependencies import (
    AppStore,
    ChatModel,
    ChatParams,
    CsrfForm,
    Facilitator,
    FacilitatorPage,
)
from coalign.web.forms import (
    int_list,
    lines,
    optional_int,
    optional_text,
    required_int,
    text,
    text_list,
    texts,
)
from coalign.web.pages import render

router = APIRouter(prefix="/f/studies/{slug}")
studies_index = APIRouter()
AXIS_IDS_ERROR = "turn_id and attribute_id must be whole numbers"
_SESSIONS: tuple[Literal[1, 2], ...] = (1, 2)
_SEED_KINDS: tuple[SeedKind, ...] = ("question", "example")


@studies_index.get("/f/studies", response_class=HTMLResponse)
def studies(request: Request, account: FacilitatorPage, store: AppStore) -> Response:
    """Every study, each linking to its co-construction overview."""
    return render(
        request,
        "cf_studies.html",
        account=account,
        studies=[get_study(store, slug) for slug in list_studies(store)],
    )


@router.get("", response_class=HTMLResponse)
def activities(request: Request, account: FacilitatorPage, store: AppStore, slug: str) -> Response:
    """The study's co-construction overview: diaries, conversations, training, codes, groups,
    workshops."""
    return render(
        request,
        "cf_study.html",
        account=account,
        study=get_study(store, slug),
        entries=study_entries(store, slug),
        promotions=study_promotions(store, slug),
        conversations=study_conversations(store, slug),
        codes=study_codes(store, slug),
        training=training_results(store, slug),
        groups=study_groups(store, slug),
        workshops=study_workshops(store, slug),
        participants=study_participants(store, slug),
    )


@router.get("/diary/{entry_id}/image")
def diary_image(_: Facilitator, store: AppStore, slug: str, entry_id: int) -> Response:
    data, media_type = entry_image(store, entry_id)
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, no-store"})


@router.post("/diary/{entry_id}/promote")
async def promote(
    form: CsrfForm, account: Facilitator, store: AppStore, slug: str, entry_id: int
) -> Response:
    """Promote a diary entry to a seed question (``kind=question``) or a seed example
    (``kind=example``), then show the seed; an entry promoted to that kind before keeps its seed,
    which is shown instead (``?already=1``)."""
    topic, qtype = optional_text(form, "topic"), optional_text(form, "question_type")
    if text(form, "kind") == "example":
        promotion = promote_to_example(
            store,
            slug,
            entry_id,
            dimensions=text_list(form, "dimension"),
            critique=text(form, "critique"),
            aligned_response=text(form, "aligned_response"),
            decided_by=account.username,
            topic=topic,
            question_type=qtype,
        )
    else:
        if topic is None or qtype is None:
            raise InputError("choose a topic and a question type for the seed question")
        promotion = promote_to_question(
            store,
            slug,
            entry_id,
            topic=topic,
            question_type=qtype,
            decided_by=account.username,
            text=optional_text(form, "text"),
        )
    where = f"/f/studies/{slug}/seeds/{promotion.seed_kind}/{promotion.seed_id}"
    return RedirectResponse(where if promotion.created else f"{where}?already=1", status_code=303)


@router.get("/seeds/{kind}/{seed_id}", response_class=HTMLResponse)
def seed_page(
    request: Request,
    account: FacilitatorPage,
    store: AppStore,
    slug: str,
    kind: SeedKind,
    seed_id: str,
    already: bool = False,
) -> Response:
    """A seed with its decision log (who accepted or rejected it, when, why) and the diary
    entries promoted to it."""
    return render(
        request,
        "cf_seed.html",
        account=account,
        study=get_study(store, slug),
        origin=seed_origin(store, slug, kind, seed_id),
        already=already,
    )


@router.post("/baselines")
async def baseline(
    form: CsrfForm,
    _: Facilitator,
    store: AppStore,
    model: ChatModel,
    params: ChatParams,
    slug: str,
) -> Response:
    """A shared baseline conversation: one user message per line, each answered by the model."""
    title, messages = text(form, "title"), lines(form, "messages")
    await asyncio.to_thread(add_baseline, store, model, slug, title, messages, params)
    return RedirectResponse(f"/f/studies/{slug}#conversations", status_code=303)


@router.get("/labelmap", response_class=HTMLResponse)
async def labelmap_page(
    request: Request, account: FacilitatorPage, store: AppStore, slug: str
) -> Response:
    result = await asyncio.to_thread(label_map, store, slug)
    return render(request, "c_labelmap.html", result=result, base="f_base.html", account=account)


@router.post("/groups")
async def group_new(form: CsrfForm, _: Facilitator, store: AppStore, slug: str) -> Response:
    group = create_group(store, slug, text(form, "name"), text_list(form, "member"))
    return RedirectResponse(f"/f/studies/{slug}/groups/{group.id}", status_code=303)


@router.get("/groups/{group_id}", response_class=HTMLResponse)
def group_page(
    request: Request, account: FacilitatorPage, store: AppStore, slug: str, group_id: int
) -> Response:
    codes = study_codes(store, slug)
    turns = {c.turn_id: c.turn_text for c in codes}
    return render(
        request,
        "cf_group.html",
        account=account,
        slug=slug,
        group=get_group(store, slug, group_id),
        attributes=group_attributes(store, group_id),
        report=axes_report(store, slug, group_id),
        ranking=group_ranking_comparison(store, slug, group_id),
        turns=turns,
        study=get_study(store, slug),
    )


@router.post("/groups/{group_id}/axes")
async def group_axis(
    form: CsrfForm, account: Facilitator, store: AppStore, slug: str, group_id: int
) -> Response:
    axis = {
        "name": text(form, "name"),
        "definition": text(form, "definition"),
        "example_turn_ids": int_list(form, "turn_id", error=AXIS_IDS_ERROR),
        "attribute_ids": int_list(form, "attribute_id", error=AXIS_IDS_ERROR),
    }
    record_axis(store, slug, group_id, axis, recorded_by=account.username)
    return RedirectResponse(f"/f/studies/{slug}/groups/{group_id}", status_code=303)


@router.post("/groups/{group_id}/goal")
async def group_goal(
    form: CsrfForm, _: Facilitator, store: AppStore, slug: str, group_id: int
) -> Response:
    set_goal(store, slug, group_id, texts(form, ("who", "what", "how")))
    return RedirectResponse(f"/f/studies/{slug}/groups/{group_id}", status_code=303)


@router.post("/groups/{group_id}/adopt")
async def group_adopt(
    form: CsrfForm, _: Facilitator, store: AppStore, slug: str, group_id: int
) -> Response:
    adopt_axis(store, slug, group_id, required_int(form, "axis_id"))
    return RedirectResponse(f"/f/studies/{slug}/groups/{group_id}?adopted=1", status_code=303)


def _groups(form: FormData) -> dict[str, list[str]]:
    """The ``groups`` text area, ``red: p1, p2`` per line → ``{"red": ["p1", "p2"]}``."""
    groups: dict[str, list[str]] = {}
    for line in lines(form, "groups"):
        name, sep, members = line.partition(":")
        if not sep:
            raise InputError(
                f"write each group as 'name: participant, participant' (not {line[:40]!r})"
            )
        groups[name.strip()] = [m.strip() for m in members.split(",") if m.strip()]
    return groups


@router.post("/workshops")
async def workshop_new(form: CsrfForm, _: Facilitator, store: AppStore, slug: str) -> Response:
    workshop = create_workshop(
        store,
        slug,
        text(form, "slug"),
        text(form, "title"),
        _groups(form),
        session_minutes=optional_int(form, "session_minutes") or 45,
        break_every_minutes=optional_int(form, "break_every_minutes") or 25,
    )
    return RedirectResponse(f"/f/studies/{slug}/workshops/{workshop.id}", status_code=303)


@router.get("/workshops/{workshop_id}", response_class=HTMLResponse)
def workshop_page(
    request: Request, account: FacilitatorPage, store: AppStore, slug: str, workshop_id: int
) -> Response:
    workshop = get_workshop(store, slug, workshop_id)
    return render(
        request,
        "cf_workshop.html",
        account=account,
        workshop=workshop,
        timer=timer(workshop),
        seeds=workshop_seeds(store, slug, workshop_id),
        proposals=workshop_proposals(store, slug, workshop_id),
    )


@router.post("/workshops/{workshop_id}/session")
async def workshop_session(
    form: CsrfForm, _: Facilitator, store: AppStore, slug: str, workshop_id: int
) -> Response:
    number = required_int(form, "session")
    if number not in _SESSIONS:
        raise InputError("a workshop has session 1 and session 2")
    start_session(store, slug, workshop_id, number)
    return RedirectResponse(f"/f/studies/{slug}/workshops/{workshop_id}", status_code=303)


@router.post("/workshops/{workshop_id}/moderate")
async def workshop_moderate(
    form: CsrfForm, account: Facilitator, store: AppStore, slug: str, workshop_id: int
) -> Response:
    kind = text(form, "kind")
    if kind not in _SEED_KINDS:
        raise InputError("kind is question or example")
    moderate(
        store,
        slug,
        workshop_id,
        kind,
        text(form, "seed_id"),
        text(form, "decision"),  # type: ignore[arg-type]  # the service refuses other decisions
        text(form, "reason"),
        account.username,
    )
    return RedirectResponse(f"/f/studies/{slug}/workshops/{workshop_id}", status_code=303)


@router.post("/workshops/{workshop_id}/proposals/{proposal_id}")
async def workshop_proposal(
    form: CsrfForm,
    account: Facilitator,
    store: AppStore,
    slug: str,
    workshop_id: int,
    proposal_id: int,
) -> Response:
    """Accept (it joins the study's design) or reject a proposed topic or question type."""
    decide_proposal(
        store,
        slug,
        workshop_id,
        proposal_id,
        text(form, "decision"),  # type: ignore[arg-type]  # the service refuses other decisions
        text(form, "reason"),
        account.username,
    )
    return RedirectResponse(f"/f/studies/{slug}/workshops/{workshop_id}#proposals", status_code=303)
