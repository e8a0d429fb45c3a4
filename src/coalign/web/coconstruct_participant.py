"""Participants' co-construction pages: diary, chat, coding, clusters, label map, discussion,
workshops.

The participant is the one in the signed session cookie (the same seat as the rating pages,
:data:`~coalign.web.dependencies.ParticipantId`); every route passes that id to one
:mod:`coalign.coconstruct` function, which answers "not found" for anything that is not theirs.
Forms carry the CSRF token; uploads are checked by content.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

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
from coalign.coconstruct.discussion_pack import discussion_pack
from coalign.coconstruct.group_ranking import member_ranking_comparison
from coalign.coconstruct.interact import conversation, conversations_for, send, start_conversation
from coalign.coconstruct.labelmap import label_map
from coalign.coconstruct.training import training_status
from coalign.coconstruct.workshop import seat_in, timer, workshops_of
from coalign.coconstruct.workshop_design import DesignPart, propose, workshop_proposals
from coalign.coconstruct.workshop_seeds import (
    draft_example,
    workshop_seeds,
    write_example,
    write_question,
)
from coalign.participation.members import study_slug_of
from coalign.store import Store
from coalign.store.studies import get_study
from coalign.web.dependencies import (
    AppStore,
    ChatModel,
    ChatParams,
    CsrfForm,
    ParticipantId,
)
from coalign.web.forms import (
    checked,
    int_list,
    optional_int,
    optional_text,
    required_int,
    safe_back,
    text,
    text_list,
    texts,
    upload,
)
from coalign.web.pages import render

router = APIRouter()
DIARY_FIELDS = ("goal", "prompt", "response", "action", "outcome", "values_at_stake")
EXAMPLE_FIELDS = (
    "question",
    "misaligned_response",
    "critique",
    "aligned_response",
    "topic",
    "question_type",
)


@router.get("/p/activities", response_class=HTMLResponse)
def hub(request: Request, store: AppStore, pid: ParticipantId) -> Response:
    """What a participant can do: the activities of their study."""
    return render(
        request,
        "c_hub.html",
        groups=groups_of(store, pid),
        workshops=workshops_of(store, pid),
        entries=own_entries(store, pid),
        training=training_status(store, pid),
    )


# --- diary ----------------------------------------------------------------------------------------


@router.get("/p/diary", response_class=HTMLResponse)
def diary_page(
    request: Request, store: AppStore, pid: ParticipantId, entry: int | None = None
) -> Response:
    editing = own_entry(store, pid, entry) if entry is not None else None
    return render(request, "c_diary.html", entries=own_entries(store, pid), editing=editing)


@router.post("/p/diary")
async def diary_save(form: CsrfForm, store: AppStore, pid: ParticipantId) -> Response:
    """Create an entry, or update one (``entry_id``); an optional image comes as ``image``."""
    image_file = upload(form, "image")
    image = await image_file.read() if image_file else None
    fields = texts(form, DIARY_FIELDS)
    entry_id = optional_int(form, "entry_id")
    if entry_id is None:
        add_entry(store, pid, fields, image)
    else:
        remove_image = checked(form, "remove_image")
        update_entry(store, pid, entry_id, fields, image, remove_image=remove_image)
    return RedirectResponse("/p/diary?saved=1", status_code=303)


@router.get("/p/diary/{entry_id}/image")
def diary_image(store: AppStore, pid: ParticipantId, entry_id: int) -> Response:
    data, media_type = entry_image(store, entry_id, pid)
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, no-store"})


# --- chat and coding ------------------------------------------------------------------------------


@router.get("/p/chat", response_class=HTMLResponse)
def chats(request: Request, store: AppStore, pid: ParticipantId) -> Response:
    return render(request, "c_chats.html", conversations=conversations_for(store, pid))


@router.post("/p/chat")
async def new_chat(form: CsrfForm, store: AppStore, pid: ParticipantId) -> Response:
    chat = start_conversation(store, pid, text(form, "title"))
    return RedirectResponse(f"/p/chat/{chat.id}", status_code=303)


@router.get("/p/chat/{conversation_id}", response_class=HTMLResponse)
def chat_page(
    request: Request, store: AppStore, pid: ParticipantId, conversation_id: int
) -> Response:
    chat = conversation(store, pid, conversation_id)
    codes = [c for c in own_codes(store, pid) if c.turn_id in {t.id for t in chat.turns}]
    return render(
        request,
        "c_chat.html",
        chat=chat,
        codes=codes,
        own=chat.participant_id == pid,
        training=training_status(store, pid),
    )


@router.post("/p/chat/{conversation_id}/send")
async def chat_send(
    form: CsrfForm,
    store: AppStore,
    pid: ParticipantId,
    model: ChatModel,
    params: ChatParams,
    conversation_id: int,
) -> Response:
    message = text(form, "message")
    await asyncio.to_thread(send, store, model, pid, conversation_id, message, params)
    return RedirectResponse(f"/p/chat/{conversation_id}#end", status_code=303)


@router.post("/p/codes")
async def code_add(form: CsrfForm, store: AppStore, pid: ParticipantId) -> Response:
    fields: dict[str, object] = {
        "turn_id": required_int(form, "turn_id"),
        "text": text(form, "text"),
    }
    start, end = optional_int(form, "span_start"), optional_int(form, "span_end")
    if start is not None or end is not None:
        fields.update(span_start=start, span_end=end)
    elif optional_text(form, "quote"):
        fields["quote"] = text(form, "quote")
    add_code(store, pid, fields)
    return RedirectResponse(safe_back(form, "/p/chat"), status_code=303)


@router.post("/p/codes/{code_id}/delete")
async def code_delete(
    form: CsrfForm, store: AppStore, pid: ParticipantId, code_id: int
) -> Response:
    delete_code(store, pid, code_id)
    return RedirectResponse(safe_back(form, "/p/clusters"), status_code=303)


@router.get("/p/clusters", response_class=HTMLResponse)
def clusters_page(request: Request, store: AppStore, pid: ParticipantId) -> Response:
    return render(
        request,
        "c_clusters.html",
        clusters=own_clusters(store, pid),
        loose=[c for c in own_codes(store, pid) if c.cluster_id is None],
    )


@router.post("/p/clusters")
async def cluster_create(form: CsrfForm, store: AppStore, pid: ParticipantId) -> Response:
    create_cluster(store, pid, text(form, "name"), int_list(form, "code_id"))
    return RedirectResponse("/p/clusters", status_code=303)


@router.post("/p/clusters/move")
async def cluster_move(
    request: Request, form: CsrfForm, store: AppStore, pid: ParticipantId
) -> Response:
    """Move codes into a cluster (``cluster_id`` empty: out of any); the drag-and-drop script
    posts here too."""
    move_codes(store, pid, int_list(form, "code_id"), optional_int(form, "cluster_id"))
    if request.headers.get("hx-request") or request.headers.get("x-requested-with"):
        return Response(status_code=204)
    return RedirectResponse("/p/clusters", status_code=303)


@router.get("/p/labelmap", response_class=HTMLResponse)
async def participant_labelmap(request: Request, store: AppStore, pid: ParticipantId) -> Response:
    result = await asyncio.to_thread(label_map, store, study_slug_of(store, pid), viewer=pid)
    return render(request, "c_labelmap.html", result=result, base="base.html")


# --- discussion -----------------------------------------------------------------------------------


@router.get("/p/groups/{group_id}", response_class=HTMLResponse)
def group_page(request: Request, store: AppStore, pid: ParticipantId, group_id: int) -> Response:
    group = member_group(store, pid, group_id)
    mine = [a for a in group_attributes(store, group_id) if a.participant_id == pid]
    ranking = member_ranking_comparison(store, pid, group_id)
    return render(
        request, "c_group.html", group=group, attributes=mine, ranking=ranking, viewer=pid
    )


@router.get("/p/groups/{group_id}/pack", response_class=HTMLResponse)
def pack_page(request: Request, store: AppStore, pid: ParticipantId, group_id: int) -> Response:
    """The member's pre-discussion pack: own codes and clusters, the group's topics, a word cloud."""
    return render(request, "c_pack.html", pack=discussion_pack(store, pid, group_id))


@router.get("/p/groups/{group_id}/pack/download")
def pack_download(request: Request, store: AppStore, pid: ParticipantId, group_id: int) -> Response:
    """The same pack as one self-contained HTML file, to print or keep."""
    page = render(request, "pack_download.html", pack=discussion_pack(store, pid, group_id))
    page.headers["content-disposition"] = f'attachment; filename="pack-group-{group_id}.html"'
    return page


@router.post("/p/groups/{group_id}/attributes")
async def group_attributes_save(
    form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int
) -> Response:
    attributes = [
        {"name": text(form, f"name{i}"), "definition": text(form, f"definition{i}")}
        for i in (1, 2, 3)
    ]
    submit_attributes(store, pid, group_id, attributes)
    return RedirectResponse(f"/p/groups/{group_id}?saved=1", status_code=303)


@router.post("/p/groups/{group_id}/ranking")
async def group_ranking_save(
    form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int
) -> Response:
    group = member_group(store, pid, group_id)
    answers = {
        axis.id: (required_int(form, f"rank.{axis.id}"), required_int(form, f"agreement.{axis.id}"))
        for axis in group.axes
    }
    rank_axes(store, pid, group_id, answers)
    return RedirectResponse(f"/p/groups/{group_id}?ranked=1", status_code=303)


# --- workshops ------------------------------------------------------------------------------------


def _workshop_view(
    request: Request,
    store: Store,
    pid: str,
    workshop_id: int,
    draft: dict[str, str] | None = None,
    prefill: dict[str, str] | None = None,
) -> Response:
    workshop, group = seat_in(store, pid, workshop_id)
    return render(
        request,
        "c_workshop.html",
        workshop=workshop,
        group=group,
        timer=timer(workshop),
        study=get_study(store, workshop.study),
        seeds=workshop_seeds(store, workshop.study, workshop_id, group),
        proposals=workshop_proposals(store, workshop.study, workshop_id, group),
        draft=draft,
        prefill=prefill,
    )


@router.get("/p/workshops/{workshop_id}", response_class=HTMLResponse)
def workshop_page(
    request: Request,
    store: AppStore,
    pid: ParticipantId,
    workshop_id: int,
    question: str | None = None,
    dimension: str | None = None,
) -> Response:
    """The workshop; ``question`` and ``dimension`` (from the session-2 handout) start the
    example form."""
    prefill = {"question": question or "", "dimension": dimension or ""}
    return _workshop_view(request, store, pid, workshop_id, prefill=prefill)


@router.post("/p/workshops/{workshop_id}/questions")
async def workshop_question(
    form: CsrfForm, store: AppStore, pid: ParticipantId, workshop_id: int
) -> Response:
    write_question(
        store,
        pid,
        workshop_id,
        text(form, "text"),
        text(form, "topic"),
        text(form, "question_type"),
    )
    return RedirectResponse(f"/p/workshops/{workshop_id}", status_code=303)


@router.post("/p/workshops/{workshop_id}/design")
async def workshop_design(
    form: CsrfForm, store: AppStore, pid: ParticipantId, workshop_id: int
) -> Response:
    """Propose a topic (``what=topic``) or a question type (``what=type``) to the moderator."""
    what: DesignPart = "question_type" if text(form, "what") == "type" else "topic"
    propose(
        store,
        pid,
        workshop_id,
        what,
        text(form, "name"),
        text(form, "description"),
        text(form, "kind", "open"),  # type: ignore[arg-type]  # the service refuses other kinds
    )
    return RedirectResponse(f"/p/workshops/{workshop_id}?proposed=1#proposals", status_code=303)


@router.post("/p/workshops/{workshop_id}/draft")
async def workshop_draft(
    request: Request,
    form: CsrfForm,
    store: AppStore,
    pid: ParticipantId,
    model: ChatModel,
    workshop_id: int,
) -> Response:
    """Ask the model for a draft; the writing form then starts from it (the server keeps the
    draft and marks an example that keeps its text LLM-assisted)."""
    question, dimension = text(form, "question"), text(form, "dimension")
    draft = await asyncio.to_thread(
        draft_example, store, model, pid, workshop_id, question, dimension
    )
    return _workshop_view(
        request, store, pid, workshop_id, {"question": question, "dimension": dimension, **draft}
    )


@router.post("/p/workshops/{workshop_id}/examples")
async def workshop_example(
    form: CsrfForm, store: AppStore, pid: ParticipantId, workshop_id: int
) -> Response:
    write_example(
        store,
        pid,
        workshop_id,
        texts(form, EXAMPLE_FIELDS),
        text_list(form, "dimension"),
    )
    return RedirectResponse(f"/p/workshops/{workshop_id}", status_code=303)
