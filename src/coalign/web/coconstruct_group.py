"""The group phase of a diary study, for members and facilitators.

Members (``/p/groups/{id}/phase``) share their diary entries or chat turns with consent, code
and zoom out on what the group shared, cluster it, choose one cluster and write the goal; every
form posts to one :mod:`coalign.coconstruct.sharing` or :mod:`coalign.coconstruct.group_phase`
function and comes back to the page. Facilitators (``/f/studies/{slug}/groups/{id}/phase``) see
all of it with participant ids, and close or reopen the phase.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coalign.coconstruct.group_phase import (
    choose_cluster,
    close_phase,
    create_group_cluster,
    group_phase,
    member_phase,
    move_shares,
    suggest_group_clusters,
    write_goal,
)
from coalign.coconstruct.sharing import (
    code_share,
    delete_share_code,
    fill_worksheet,
    share_entry,
    share_turn,
    unshare,
)
from coalign.core.errors import InputError
from coalign.web.dependencies import AppStore, CsrfForm, Facilitator, FacilitatorPage, ParticipantId
from coalign.web.forms import checked, int_list, optional_int, required_int, text, texts
from coalign.web.pages import render

router = APIRouter(prefix="/p/groups/{group_id}")
facilitator_router = APIRouter(prefix="/f/studies/{slug}/groups/{group_id}")
WORKSHEET_FIELDS = ("who_was_affected", "what_was_at_stake", "what_they_did")
GOAL_FIELDS = ("who", "what", "how")


def _back(group_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/p/groups/{group_id}/phase{anchor}", status_code=303)


@router.get("/phase", response_class=HTMLResponse)
def phase_page(request: Request, store: AppStore, pid: ParticipantId, group_id: int) -> Response:
    """The group phase: what to share, what the group shared, its clusters, choice and goal."""
    return render(request, "c_group_phase.html", view=member_phase(store, pid, group_id))


@router.get("/phase/suggestions", response_class=HTMLResponse)
async def suggestions_page(
    request: Request, store: AppStore, pid: ParticipantId, group_id: int
) -> Response:
    """Clusters of the group's shares suggested by meaning, each one click from being created."""
    found = await asyncio.to_thread(suggest_group_clusters, store, pid, group_id)
    return render(request, "c_group_suggestions.html", group_id=group_id, suggestions=found)


@router.post("/shares")
async def share(form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int) -> Response:
    """Share a diary entry (``entry_id``) or a turn (``turn_id``); ``consent`` must be ticked."""
    consent = checked(form, "consent")
    entry_id, turn_id = optional_int(form, "entry_id"), optional_int(form, "turn_id")
    if entry_id is not None:
        share_id = share_entry(store, pid, group_id, entry_id, consent=consent)
    elif turn_id is not None:
        share_id = share_turn(store, pid, group_id, turn_id, consent=consent)
    else:
        raise InputError("choose a diary entry or a turn to share")
    return _back(group_id, f"#share-{share_id}")


@router.post("/shares/{share_id}/unshare")
async def stop_sharing(
    form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int, share_id: int
) -> Response:
    unshare(store, pid, group_id, share_id)
    return _back(group_id, "#yours")


@router.post("/shares/{share_id}/codes")
async def code(
    form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int, share_id: int
) -> Response:
    code_share(store, pid, group_id, share_id, texts(form, ("text", "quote")))
    return _back(group_id, f"#share-{share_id}")


@router.post("/codes/{code_id}/delete")
async def code_delete(
    form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int, code_id: int
) -> Response:
    delete_share_code(store, pid, group_id, code_id)
    return _back(group_id, "#shared")


@router.post("/shares/{share_id}/worksheet")
async def worksheet(
    form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int, share_id: int
) -> Response:
    fill_worksheet(store, pid, group_id, share_id, texts(form, WORKSHEET_FIELDS))
    return _back(group_id, f"#share-{share_id}")


@router.post("/clusters")
async def cluster_new(
    form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int
) -> Response:
    create_group_cluster(store, pid, group_id, text(form, "name"), int_list(form, "share_id"))
    return _back(group_id, "#clusters")


@router.post("/clusters/move")
async def cluster_move(
    form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int
) -> Response:
    """Move shares into a cluster (``cluster_id`` empty: out of any)."""
    move_shares(store, pid, group_id, int_list(form, "share_id"), optional_int(form, "cluster_id"))
    return _back(group_id, "#clusters")


@router.post("/choice")
async def choice(form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int) -> Response:
    choose_cluster(store, pid, group_id, required_int(form, "cluster_id"))
    return _back(group_id, "#choice")


@router.post("/goal")
async def goal(form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int) -> Response:
    write_goal(store, pid, group_id, texts(form, GOAL_FIELDS))
    return _back(group_id, "#goal")


@facilitator_router.get("/phase", response_class=HTMLResponse)
def facilitator_page(
    request: Request, account: FacilitatorPage, store: AppStore, slug: str, group_id: int
) -> Response:
    """A group's phase with participant ids: shares, worksheets, codes, clusters, the log."""
    return render(
        request,
        "cf_group_phase.html",
        account=account,
        slug=slug,
        phase=group_phase(store, slug, group_id),
    )


@facilitator_router.post("/phase")
async def facilitator_close(
    form: CsrfForm, account: Facilitator, store: AppStore, slug: str, group_id: int
) -> Response:
    """Close (``action=close``) or reopen (``action=reopen``) the group's phase."""
    action = text(form, "action")
    if action not in ("close", "reopen"):
        raise InputError("action is close or reopen")
    close_phase(store, slug, group_id, account.username, closed=action == "close")
    return RedirectResponse(f"/f/studies/{slug}/groups/{group_id}/phase", status_code=303)
