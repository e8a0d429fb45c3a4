"""A seed workshop's session-2 handout and its reflection boards, for facilitators and participants.

Facilitators (``/f/studies/{slug}/workshops/{id}/…``) assign each breakout group a value
dimension and start the generation of its questions, which runs after the answer is sent (the
page shows its progress and refreshes itself); they read each session's board, code its notes
and download it. Participants (``/p/workshops/{id}/…``) see their group's handout and post
and react on the boards. Every route calls one :mod:`coalign.coconstruct` function.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coalign.coconstruct.reflection import (
    REACTIONS,
    code_note,
    participant_board,
    post_note,
    react,
    study_notes,
    workshop_board,
)
from coalign.coconstruct.workshop import get_workshop
from coalign.coconstruct.workshop_handout import (
    HANDOUT_SIZE,
    MAX_HANDOUT_SIZE,
    run_handout,
    start_handout,
    team_handout,
    workshop_handouts,
)
from coalign.export.boards import BoardFormat, board_rows, board_text
from coalign.store.studies import get_study
from coalign.web.dependencies import (
    AppStore,
    ChatModel,
    CsrfForm,
    Facilitator,
    FacilitatorPage,
    ParticipantId,
)
from coalign.web.forms import optional_int, text, text_list
from coalign.web.pages import render

router = APIRouter()
_F = "/f/studies/{slug}/workshops/{workshop_id}"
_MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}


# --- facilitator ----------------------------------------------------------------------------------


@router.get(f"{_F}/handout", response_class=HTMLResponse)
def handout_page(
    request: Request, account: FacilitatorPage, store: AppStore, slug: str, workshop_id: int
) -> Response:
    """Each group's value dimension and the progress and questions of its run."""
    return render(
        request,
        "cf_handout.html",
        account=account,
        study=get_study(store, slug),
        workshop=get_workshop(store, slug, workshop_id),
        handouts=workshop_handouts(store, slug, workshop_id),
        default_size=HANDOUT_SIZE,
        max_size=MAX_HANDOUT_SIZE,
    )


@router.post(f"{_F}/handout")
async def handout_start(
    form: CsrfForm,
    account: Facilitator,
    store: AppStore,
    model: ChatModel,
    background: BackgroundTasks,
    slug: str,
    workshop_id: int,
) -> Response:
    """Assign the dimensions (``dimension.<group>``) and generate the questions (``size`` per
    group) after answering; sent again, it retries the groups whose run did not finish."""
    dimensions = {
        key.removeprefix("dimension."): str(value)
        for key, value in form.items()
        if key.startswith("dimension.")
    }
    start_handout(
        store,
        slug,
        workshop_id,
        dimensions,
        model.model_id,
        account.username,
        optional_int(form, "size") or HANDOUT_SIZE,
    )
    background.add_task(run_handout, store, slug, workshop_id, model)
    return RedirectResponse(f"/f/studies/{slug}/workshops/{workshop_id}/handout", status_code=303)


@router.get(f"{_F}/board/{{number}}", response_class=HTMLResponse)
def board_page(
    request: Request,
    account: FacilitatorPage,
    store: AppStore,
    slug: str,
    workshop_id: int,
    number: int,
) -> Response:
    """A session's board with authors and groups, the codes of each note and their counts."""
    return render(
        request,
        "cf_board.html",
        account=account,
        slug=slug,
        board=workshop_board(store, slug, workshop_id, number),
        reactions=REACTIONS,
    )


@router.post(f"{_F}/notes/{{note_id}}/tags")
async def note_tags(
    form: CsrfForm,
    account: Facilitator,
    store: AppStore,
    slug: str,
    workshop_id: int,
    note_id: int,
) -> Response:
    """Code a note: ``tags``, separated by commas (empty: no codes)."""
    tags = [t for field in text_list(form, "tags") for t in field.split(",")]
    note = code_note(store, slug, workshop_id, note_id, tags, account.username)
    return RedirectResponse(
        f"/f/studies/{slug}/workshops/{workshop_id}/board/{note.session}#note-{note.id}",
        status_code=303,
    )


@router.get(f"{_F}/boards.{{fmt}}")
def boards_download(
    _: Facilitator, store: AppStore, slug: str, workshop_id: int, fmt: BoardFormat
) -> Response:
    """Every note of the workshop's boards as CSV or JSONL, with provenance, reactions, codes."""
    body = board_text(board_rows(study_notes(store, slug, workshop_id), slug), fmt)
    name = f"{slug}-workshop-{workshop_id}-boards.{fmt}"
    return Response(
        body,
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- participant ----------------------------------------------------------------------------------


@router.get("/p/workshops/{workshop_id}/handout", response_class=HTMLResponse)
def team_handout_page(
    request: Request, store: AppStore, pid: ParticipantId, workshop_id: int
) -> Response:
    """The group's value dimension, worked examples and questions for session 2."""
    return render(
        request,
        "c_handout.html",
        workshop_id=workshop_id,
        handout=team_handout(store, pid, workshop_id),
    )


@router.get("/p/workshops/{workshop_id}/board/{number}", response_class=HTMLResponse)
def team_board_page(
    request: Request, store: AppStore, pid: ParticipantId, workshop_id: int, number: int
) -> Response:
    """A session's board: every note (no authors), a form for a new one, reactions."""
    return render(
        request,
        "c_board.html",
        board=participant_board(store, pid, workshop_id, number),
        reactions=REACTIONS,
    )


@router.post("/p/workshops/{workshop_id}/board/{number}/notes")
async def team_note(
    form: CsrfForm, store: AppStore, pid: ParticipantId, workshop_id: int, number: int
) -> Response:
    note_id = post_note(store, pid, workshop_id, number, text(form, "text"))
    return RedirectResponse(
        f"/p/workshops/{workshop_id}/board/{number}#note-{note_id}", status_code=303
    )


@router.post("/p/workshops/{workshop_id}/notes/{note_id}/react")
async def team_reaction(
    form: CsrfForm, store: AppStore, pid: ParticipantId, workshop_id: int, note_id: int
) -> Response:
    """Give a reaction (``reaction``) to a note, or take it back; back to the board it is on."""
    number = react(store, pid, workshop_id, note_id, text(form, "reaction"))
    return RedirectResponse(
        f"/p/workshops/{workshop_id}/board/{number}#note-{note_id}", status_code=303
    )
