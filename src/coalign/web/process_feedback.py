"""The process feedback survey: participants answer it once per phase (``/p/feedback``);
facilitators read the results per phase (``/f/studies/{slug}/feedback``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coalign.coconstruct.process_feedback import (
    FEEDBACK_PHASES,
    QUESTIONS,
    SCALE,
    feedback_summary,
    phases_answered,
    submit_process_feedback,
)
from coalign.store.studies import get_study
from coalign.web.dependencies import AppStore, CsrfForm, FacilitatorPage, ParticipantId
from coalign.web.forms import text, texts
from coalign.web.pages import render

router = APIRouter()
facilitator_router = APIRouter(prefix="/f/studies/{slug}")


@router.get("/p/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, store: AppStore, pid: ParticipantId) -> Response:
    """The survey, for the phases the participant has not given feedback on yet."""
    done = phases_answered(store, pid)
    return render(
        request,
        "c_feedback.html",
        phases={k: v for k, v in FEEDBACK_PHASES.items() if k not in done},
        done=[FEEDBACK_PHASES[p] for p in done],
        questions=QUESTIONS,
        scale=SCALE,
    )


@router.post("/p/feedback")
async def feedback_save(form: CsrfForm, store: AppStore, pid: ParticipantId) -> Response:
    """Store the feedback on the chosen phase."""
    submit_process_feedback(
        store, pid, text(form, "phase"), texts(form, [q.key for q in QUESTIONS])
    )
    return RedirectResponse("/p/feedback?thanks=1", status_code=303)


@facilitator_router.get("/feedback", response_class=HTMLResponse)
def feedback_results(
    request: Request, account: FacilitatorPage, store: AppStore, slug: str
) -> Response:
    """Per phase: how many answered, each statement's spread and mean, the open answers."""
    return render(
        request,
        "cf_feedback.html",
        account=account,
        study=get_study(store, slug),
        phases=feedback_summary(store, slug),
        questions={q.key: q.text for q in QUESTIONS},
        scale=SCALE,
    )
