"""Facilitators' steerable chat pages: the study's steered turns and feedback, and the daily
limit of steered turns per participant.

Every route needs a facilitator login; the account's user name is recorded as who set the limit.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coalign.steer.chat import study_steered_turns
from coalign.steer.limits import daily_limit, set_daily_limit
from coalign.steer.repair import study_feedback
from coalign.store.studies import get_study
from coalign.web.dependencies import AppStore, CsrfForm, Facilitator, FacilitatorPage
from coalign.web.forms import optional_int
from coalign.web.pages import render

router = APIRouter(prefix="/f/studies/{slug}/steer")


@router.get("", response_class=HTMLResponse)
def steer_overview(
    request: Request, account: FacilitatorPage, store: AppStore, slug: str
) -> Response:
    """The study's steered turns and feedback, and its daily limit."""
    return render(
        request,
        "cf_steer.html",
        account=account,
        study=get_study(store, slug),
        limit=daily_limit(store, slug),
        turns=study_steered_turns(store, slug),
        feedback=study_feedback(store, slug),
    )


@router.post("/limit")
async def steer_limit(form: CsrfForm, account: Facilitator, store: AppStore, slug: str) -> Response:
    """Set the daily limit of steered turns per participant (empty: no limit)."""
    set_daily_limit(store, slug, optional_int(form, "daily_turns"), account.username)
    return RedirectResponse(f"/f/studies/{slug}/steer", status_code=303)
