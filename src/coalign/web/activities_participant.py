"""Participants' co-construction pages: diary, chat, coding, clusters, label map, discussion, workshops.

The participant is the one in the signed session cookie (the same seat as the rating pages);
every route passes that id to one :mod:`coalign.elicit` function, which answers "not found" for
anything that is not theirs. Forms carry the CSRF token; uploads are checked by content.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from coalign.coconstruct.axes import (
    group_attributes,
    groups_of,
    member_group,
    rank_axes,
    submit_attributes,
)
from coalign.coconstruct.coding import (
    add_code,
    create_cluster,
    delete_code,
    move_codes,
    own_clusters,
    own_codes,
)
from coalign.coconstruct.diary import add_entry, entry_image, own_entries, own_entry, update_entry
from coalign.coconstruct.interact import conversation, conversations_for, send, start_conversation
from coalign.coconstruct.labelmap import label_map
from coalign.coconstruct.workshop import seat_in, timer, workshops_of
from coalign.coconstruct.workshop_seeds import (
    add_question_type,
    add_topic,
    draft_example,
    workshop_seeds,
    write_example,
    write_question,
)
from coalign.core.errors import InputError
from coalign.participation.members import study_slug_of
from coalign.store.studies import get_study
from coalign.web.activities_common import (
    chat_params,
    form_int,
    model_of,
    optional_int,
    safe_back,
    store_of,
)
from coalign.web.pages import CSRF_FIELD, check_csrf, render
from coalign.web.participant import _seat

router = APIRouter()
DIARY_FIELDS = ("goal", "prompt", "response", "action", "outcome", "values_at_stake")


def _pid(request: Request) -> str:
    return _seat(request).participant_id


async def _form(request: Request) -> FormData:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    return form


@router.get("/p/activities", response_class=HTMLResponse)
def hub(request: Request) -> Response:
    """What a participant can do: the activities of their study."""
    store, pid = store_of(request), _pid(request)
    return render(
        request,
        "c_hub.html",
        groups=groups_of(store, pid),
        workshops=workshops_of(store, pid),
        entries=own_entries(store, pid),
    )


# --- diary ----------------------------------------------------------------------------------------


@router.get("/p/diary", response_class=HTMLResponse)
def diary_page(request: Request, entry: int | None = None) -> Response:
    store, pid = store_of(request), _pid(request)
    editing = own_entry(store, pid, entry) if entry is not None else None
    return render(request, "c_diary.html", entries=own_entries(store, pid), editing=editing)


@router.post("/p/diary")
async def diary_save(request: Request) -> Response:
    """Create an entry, or update one (``entry_id``); an optional image comes as ``image``."""
    form = await _form(request)
    upload = form.get("image")
    image = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    fields = {name: str(form.get(name) or "") for name in DIARY_FIELDS}
    store, pid = store_of(request), _pid(request)
    entry_id = optional_int(form, "entry_id")
    if entry_id is None:
        add_entry(store, pid, fields, image)
    else:
        update_entry(
            store, pid, entry_id, fields, image, remove_image=form.get("remove_image") == "1"
        )
    return RedirectResponse("/p/diary?saved=1", status_code=303)


@router.get("/p/diary/{entry_id}/image")
def diary_image(request: Request, entry_id: int) -> Response:
    data, media_type = entry_image(store_of(request), entry_id, _pid(request))
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, no-store"})


# --- chat and coding --------------------------------------------------------------------------------


@router.get("/p/chat", response_class=HTMLResponse)
def chats(request: Request) -> Response:
    return render(
        request, "c_chats.html", conversations=conversations_for(store_of(request), _pid(request))
    )


@router.post("/p/chat")
async def new_chat(request: Request) -> Response:
    form = await _form(request)
    chat = start_conversation(store_of(request), _pid(request), str(form.get("title") or ""))
    return RedirectResponse(f"/p/chat/{chat.id}", status_code=303)


@router.get("/p/chat/{conversation_id}", response_class=HTMLResponse)
def chat_page(request: Request, conversation_id: int) -> Response:
    store, pid = store_of(request), _pid(request)
    chat = conversation(store, pid, conversation_id)
    codes = [c for c in own_codes(store, pid) if c.turn_id in {t.id for t in chat.turns}]
    return render(request, "c_chat.html", chat=chat, codes=codes, own=chat.participant_id == pid)


@router.post("/p/chat/{conversation_id}/send")
async def chat_send(request: Request, conversation_id: int) -> Response:
    form = await _form(request)
    store, pid = store_of(request), _pid(request)
    await asyncio.to_thread(
        send,
        store,
        model_of(request),
        pid,
        conversation_id,
        str(form.get("message") or ""),
        chat_params(request),
    )
    return RedirectResponse(f"/p/chat/{conversation_id}#end", status_code=303)


@router.post("/p/codes")
async def code_add(request: Request) -> Response:
    form = await _form(request)
    fields: dict[str, object] = {
        "turn_id": form_int(form, "turn_id"),
        "text": str(form.get("text") or ""),
    }
    start, end = optional_int(form, "span_start"), optional_int(form, "span_end")
    if start is not None or end is not None:
        fields.update(span_start=start, span_end=end)
    elif str(form.get("quote") or "").strip():
        fields["quote"] = str(form.get("quote"))
    add_code(store_of(request), _pid(request), fields)
    return RedirectResponse(safe_back(form, "/p/chat"), status_code=303)


@router.post("/p/codes/{code_id}/delete")
async def code_delete(request: Request, code_id: int) -> Response:
    form = await _form(request)
    delete_code(store_of(request), _pid(request), code_id)
    return RedirectResponse(safe_back(form, "/p/clusters"), status_code=303)


@router.get("/p/clusters", response_class=HTMLResponse)
def clusters_page(request: Request) -> Response:
    store, pid = store_of(request), _pid(request)
    return render(
        request,
        "c_clusters.html",
        clusters=own_clusters(store, pid),
        loose=[c for c in own_codes(store, pid) if c.cluster_id is None],
    )


def _code_ids(form: FormData) -> list[int]:
    try:
        return [int(str(v)) for v in form.getlist("code_id")]
    except ValueError:
        raise InputError("code_id: not a whole number") from None


@router.post("/p/clusters")
async def cluster_create(request: Request) -> Response:
    form = await _form(request)
    create_cluster(store_of(request), _pid(request), str(form.get("name") or ""), _code_ids(form))
    return RedirectResponse("/p/clusters", status_code=303)


@router.post("/p/clusters/move")
async def cluster_move(request: Request) -> Response:
    """Move codes into a cluster (``cluster_id`` empty: out of any); the drag-and-drop script posts here too."""
    form = await _form(request)
    move_codes(store_of(request), _pid(request), _code_ids(form), optional_int(form, "cluster_id"))
    if request.headers.get("hx-request") or request.headers.get("x-requested-with"):
        return Response(status_code=204)
    return RedirectResponse("/p/clusters", status_code=303)


@router.get("/p/labelmap", response_class=HTMLResponse)
async def participant_labelmap(request: Request) -> Response:
    store, pid = store_of(request), _pid(request)
    result = await asyncio.to_thread(label_map, store, study_slug_of(store, pid), viewer=pid)
    return render(request, "c_labelmap.html", result=result, base="base.html")


# --- discussion -------------------------------------------------------------------------------------


@router.get("/p/groups/{group_id}", response_class=HTMLResponse)
def group_page(request: Request, group_id: int) -> Response:
    store, pid = store_of(request), _pid(request)
    group = member_group(store, pid, group_id)
    mine = [a for a in group_attributes(store, group_id) if a.participant_id == pid]
    return render(request, "c_group.html", group=group, attributes=mine)


@router.post("/p/groups/{group_id}/attributes")
async def group_attributes_save(request: Request, group_id: int) -> Response:
    form = await _form(request)
    attributes = [
        {
            "name": str(form.get(f"name{i}") or ""),
            "definition": str(form.get(f"definition{i}") or ""),
        }
        for i in (1, 2, 3)
    ]
    submit_attributes(store_of(request), _pid(request), group_id, attributes)
    return RedirectResponse(f"/p/groups/{group_id}?saved=1", status_code=303)


@router.post("/p/groups/{group_id}/ranking")
async def group_ranking_save(request: Request, group_id: int) -> Response:
    form = await _form(request)
    store, pid = store_of(request), _pid(request)
    group = member_group(store, pid, group_id)
    answers = {
        axis.id: (form_int(form, f"rank.{axis.id}"), form_int(form, f"agreement.{axis.id}"))
        for axis in group.axes
    }
    rank_axes(store, pid, group_id, answers)
    return RedirectResponse(f"/p/groups/{group_id}?ranked=1", status_code=303)


# --- workshops --------------------------------------------------------------------------------------


def _workshop_view(
    request: Request, workshop_id: int, draft: dict[str, str] | None = None
) -> Response:
    store, pid = store_of(request), _pid(request)
    workshop, group = seat_in(store, pid, workshop_id)
    return render(
        request,
        "c_workshop.html",
        workshop=workshop,
        group=group,
        timer=timer(workshop),
        study=get_study(store, workshop.study),
        seeds=workshop_seeds(store, workshop.study, workshop_id, group),
        draft=draft,
    )


@router.get("/p/workshops/{workshop_id}", response_class=HTMLResponse)
def workshop_page(request: Request, workshop_id: int) -> Response:
    return _workshop_view(request, workshop_id)


@router.post("/p/workshops/{workshop_id}/questions")
async def workshop_question(request: Request, workshop_id: int) -> Response:
    form = await _form(request)
    write_question(
        store_of(request),
        _pid(request),
        workshop_id,
        str(form.get("text") or ""),
        str(form.get("topic") or ""),
        str(form.get("question_type") or ""),
    )
    return RedirectResponse(f"/p/workshops/{workshop_id}", status_code=303)


@router.post("/p/workshops/{workshop_id}/design")
async def workshop_design(request: Request, workshop_id: int) -> Response:
    """Add a topic (``what=topic``) or a question type (``what=type``) to the study."""
    form = await _form(request)
    store, pid, name = store_of(request), _pid(request), str(form.get("name") or "")
    if form.get("what") == "type":
        add_question_type(store, pid, workshop_id, name, str(form.get("kind") or "open"))  # type: ignore[arg-type]
    else:
        add_topic(store, pid, workshop_id, name, str(form.get("description") or ""))
    return RedirectResponse(f"/p/workshops/{workshop_id}", status_code=303)


@router.post("/p/workshops/{workshop_id}/draft")
async def workshop_draft(request: Request, workshop_id: int) -> Response:
    """Ask the model for a draft; the writing form then starts from it (and the seed is marked LLM-assisted)."""
    form = await _form(request)
    store, pid = store_of(request), _pid(request)
    question, dimension = str(form.get("question") or ""), str(form.get("dimension") or "")
    draft = await asyncio.to_thread(
        draft_example, store, model_of(request), pid, workshop_id, question, dimension
    )
    return _workshop_view(
        request, workshop_id, {"question": question, "dimension": dimension, **draft}
    )


@router.post("/p/workshops/{workshop_id}/examples")
async def workshop_example(request: Request, workshop_id: int) -> Response:
    form = await _form(request)
    fields = {
        k: str(form.get(k) or "")
        for k in (
            "question",
            "misaligned_response",
            "critique",
            "aligned_response",
            "topic",
            "question_type",
        )
    }
    write_example(
        store_of(request),
        _pid(request),
        workshop_id,
        fields,
        [str(d) for d in form.getlist("dimension")],
        llm_assisted=form.get("llm_assisted") == "1",
    )
    return RedirectResponse(f"/p/workshops/{workshop_id}", status_code=303)
