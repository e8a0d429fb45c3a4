"""Withdrawal pages: a participant deletes their data from their session or by their withdrawal
link, and admins delete a participant's data by participant id or crowd id.

Every way in shows what will be deleted and asks once more before anything is; the deletion
itself is one service call (:mod:`coalign.participation.withdrawal`). After it, the browser
session holds no seat any more and the person is sent to ``/withdrawn``, which shows what was
deleted (a reload deletes nothing twice).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coalign.participation.accounts import Account
from coalign.participation.withdrawal import (
    data_summary,
    delete_participant,
    find_participant,
    get_withdrawal,
    list_withdrawals,
    participant_of_token,
    withdraw,
    withdrawal_token,
)
from coalign.web.dependencies import (
    AppStore,
    CsrfForm,
    FacilitatorPage,
    MaybeSeat,
    ParticipantSeat,
    admin_only,
)
from coalign.web.forms import optional_text, text
from coalign.web.pages import language, render

router = APIRouter()
AdminDelete = Annotated[Account, Depends(admin_only("delete a participant's data"))]


def _left(request: Request, withdrawal_id: int) -> RedirectResponse:
    """End the participant's session (keeping the language) and show what was deleted."""
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.session["withdrawn"] = withdrawal_id
    return RedirectResponse("/withdrawn", status_code=303)


def link_url(request: Request, token: str) -> str:
    """The full address of a withdrawal link on this site."""
    return f"{str(request.base_url).rstrip('/')}/w/{token}"


# --- the participant, from their session ----------------------------------------------------------


@router.get("/p/withdraw", response_class=HTMLResponse)
def withdraw_page(request: Request, store: AppStore, seat: ParticipantSeat) -> Response:
    """What will be deleted, and the button that deletes it."""
    summary = data_summary(store, seat.participant_id, language(request))
    return render(request, "withdraw.html", summary=summary, action="/p/withdraw")


@router.post("/p/withdraw")
async def withdraw_now(
    request: Request, _: CsrfForm, store: AppStore, seat: ParticipantSeat
) -> Response:
    return _left(request, withdraw(store, seat.participant_id, channel="page").id)


@router.get("/p/withdraw/link", response_class=HTMLResponse)
def withdraw_link(request: Request, store: AppStore, seat: ParticipantSeat) -> Response:
    """The participant's withdrawal link: a fragment for HTMX, else a page of its own."""
    url = link_url(request, withdrawal_token(store, seat.participant_id))
    fragment = bool(request.headers.get("hx-request"))
    return render(request, "_withdraw_link.html" if fragment else "withdraw_link.html", url=url)


# --- the participant, by their withdrawal link ----------------------------------------------------


@router.get("/w/{token}", response_class=HTMLResponse)
def link_page(request: Request, store: AppStore, token: str) -> Response:
    summary = data_summary(store, participant_of_token(store, token), language(request))
    return render(request, "withdraw.html", summary=summary, action=f"/w/{token}")


@router.post("/w/{token}")
async def link_withdraw(
    request: Request, _: CsrfForm, store: AppStore, seat: MaybeSeat, token: str
) -> Response:
    participant_id = participant_of_token(store, token)
    done = withdraw(store, participant_id, channel="link")
    if seat is None or seat.participant_id == participant_id:
        return _left(request, done.id)
    return render(request, "withdrawn.html", withdrawal=done)  # another person's session stays


@router.get("/withdrawn", response_class=HTMLResponse)
def withdrawn_page(request: Request, store: AppStore) -> Response:
    """What was deleted, for the browser that just withdrew (nothing for anyone else)."""
    withdrawal_id = request.session.get("withdrawn")
    if not isinstance(withdrawal_id, int):
        return RedirectResponse("/", status_code=303)
    return render(request, "withdrawn.html", withdrawal=get_withdrawal(store, withdrawal_id))


# --- admins ---------------------------------------------------------------------------------------


@router.get("/f/withdrawals", response_class=HTMLResponse)
def withdrawals_page(
    request: Request, account: FacilitatorPage, _: AdminDelete, store: AppStore
) -> Response:
    """Every logged withdrawal, and the form to delete a participant's data."""
    return render(
        request, "f_withdrawals.html", account=account, withdrawals=list_withdrawals(store)
    )


@router.post("/f/withdrawals/check", response_class=HTMLResponse)
async def check_deletion(
    request: Request, form: CsrfForm, account: AdminDelete, store: AppStore
) -> Response:
    """What deleting the named participant would remove, with the button that does it."""
    participant_id = find_participant(
        store,
        optional_text(form, "participant_id"),
        crowd_id=optional_text(form, "crowd_id"),
        study=optional_text(form, "study"),
    )
    summary = data_summary(store, participant_id)
    return render(request, "f_withdraw.html", account=account, summary=summary)


@router.post("/f/withdrawals")
async def delete(form: CsrfForm, account: AdminDelete, store: AppStore) -> Response:
    done = delete_participant(
        store, text(form, "participant_id").strip(), admin=account.username, channel="web"
    )
    return RedirectResponse(f"/f/withdrawals#withdrawal-{done.id}", status_code=303)
