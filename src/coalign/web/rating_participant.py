"""Participants' rating pages: joining by study or invite link, consent, demographics, rating
with autosaved drafts, completion.

Every route after joining finds the participant's seat in the signed session cookie
(:data:`~coalign.web.dependencies.ParticipantSeat`); nothing in a URL or a form can point a
person at another participant's data (their assignments answer 404). A crowd link that names
an existing participant resumes them only from the browser session holding their seat or with
a ``SESSION_ID`` recorded for them; otherwise it gets a page saying that this Prolific id has
already taken part, and nothing else (:func:`~coalign.participation.access.join_from_crowd`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from coalign.coconstruct.activities import offers_activities
from coalign.core.errors import InputError
from coalign.participation.access import (
    CrowdIdTakenError,
    CrowdIdWithdrawnError,
    Seat,
    join_by_invite,
    join_from_crowd,
)
from coalign.participation.demographics import save_demographics, survey_for_seat
from coalign.rating.assignment import rating_page
from coalign.rating.flow import give_consent, next_step, set_language, welcome
from coalign.rating.submit import save_draft, submit
from coalign.store import Store
from coalign.web.dependencies import AppStore, CsrfForm, MaybeSeat, ParticipantSeat
from coalign.web.forms import all_texts, prefixed, text
from coalign.web.i18n import pick_language
from coalign.web.pages import language, render

router = APIRouter()
RATING_PREFIX = "rating."
QUESTION_PREFIX = "question."


def _start(request: Request, store: Store, seat: Seat, lang: str | None) -> RedirectResponse:
    """Begin a fresh participant session (a new CSRF token, no facilitator login carried over)."""
    request.session.clear()
    request.session["seat"] = [seat.participant_id, seat.campaign_id]
    if lang:
        request.session["lang"] = lang
        set_language(store, seat, lang)
    return _next(store, seat)


def _next(store: Store, seat: Seat) -> RedirectResponse:
    """A redirect straight to the participant's next page (saves a round trip through /p/next)."""
    step = next_step(store, seat)
    target = {"consent": "/p/consent", "demographics": "/p/demographics"}.get(step.kind)
    if step.kind == "item":
        target = f"/p/items/{step.assignment_id}"
    return RedirectResponse(target or "/p/end", status_code=303)


@router.get("/s/{study_slug}/{campaign_slug}")
def crowd_link(
    request: Request,
    store: AppStore,
    held: MaybeSeat,
    study_slug: str,
    campaign_slug: str,
    lang: str | None = None,
) -> Response:
    """A crowd-platform study link: creates the participant named by PROLIFIC_PID, or resumes
    them from this browser's session or their SESSION_ID; anyone else learns only that the id
    has taken part (403)."""
    chosen = pick_language(lang) if lang else None
    try:
        seat = join_from_crowd(
            store,
            study_slug,
            campaign_slug,
            dict(request.query_params),
            language=chosen or language(request),
            held=held,
        )
    except CrowdIdTakenError as exc:
        if chosen:
            request.session["lang"] = chosen
        withdrawn = isinstance(exc, CrowdIdWithdrawnError)
        return render(request, "taken.html", 403, withdrawn=withdrawn)
    return _start(request, store, seat, chosen)


@router.get("/i/{token}")
def invite_link(request: Request, store: AppStore, token: str, lang: str | None = None) -> Response:
    """A personal invite link."""
    seat = join_by_invite(store, token)
    return _start(request, store, seat, pick_language(lang) if lang else None)


@router.get("/p/next")
def go_next(store: AppStore, seat: ParticipantSeat) -> Response:
    """Send the participant to their next step."""
    return _next(store, seat)


@router.get("/p/consent", response_class=HTMLResponse)
def consent_page(request: Request, store: AppStore, seat: ParticipantSeat) -> Response:
    return render(request, "consent.html", info=welcome(store, seat))


@router.post("/p/consent")
async def consent_answer(form: CsrfForm, store: AppStore, seat: ParticipantSeat) -> Response:
    choice = text(form, "choice")
    if choice not in ("agree", "decline"):
        raise InputError("please choose whether you agree to take part")
    give_consent(store, seat, agree=choice == "agree")
    return _next(store, seat)


@router.get("/p/demographics", response_class=HTMLResponse)
def demographics_page(request: Request, store: AppStore, seat: ParticipantSeat) -> Response:
    return render(request, "demographics.html", questions=survey_for_seat(store, seat))


@router.post("/p/demographics")
async def demographics_answer(form: CsrfForm, store: AppStore, seat: ParticipantSeat) -> Response:
    save_demographics(store, seat, all_texts(form))
    return _next(store, seat)


@router.get("/p/items/{assignment_id}", response_class=HTMLResponse)
def item_page(
    request: Request, store: AppStore, seat: ParticipantSeat, assignment_id: int
) -> Response:
    page = rating_page(store, seat, assignment_id, language(request))
    if page.submitted:
        return RedirectResponse("/p/next", status_code=303)
    return render(
        request, "rate.html", page=page, activities=offers_activities(store, seat.participant_id)
    )


def _answers(form: FormData) -> tuple[dict[str, str], dict[str, str]]:
    """The ratings (``rating.<dimension>``) and the item questions' answers (``question.<q>``)."""
    return prefixed(form, RATING_PREFIX), prefixed(form, QUESTION_PREFIX)


@router.post("/p/items/{assignment_id}/draft", response_class=HTMLResponse)
async def item_draft(
    request: Request, form: CsrfForm, store: AppStore, seat: ParticipantSeat, assignment_id: int
) -> Response:
    """Autosave (HTMX posts here on every change); answers with a short status line."""
    saved = save_draft(store, seat, assignment_id, *_answers(form))
    return render(request, "_message.html", message=saved.strftime("%H:%M:%S"), kind="draft")


@router.post("/p/items/{assignment_id}")
async def item_submit(
    request: Request, form: CsrfForm, store: AppStore, seat: ParticipantSeat, assignment_id: int
) -> Response:
    """Submit an item; the page's language is recorded with it (the rating's display language)."""
    submit(
        store,
        seat,
        assignment_id,
        text(form, "item_id"),
        *_answers(form),
        display_language=language(request),
    )
    return _next(store, seat)


@router.get("/p/end", response_class=HTMLResponse)
def end_page(request: Request, store: AppStore, seat: ParticipantSeat) -> Response:
    """Completion code, screen-out code, or why there is nothing to do."""
    step = next_step(store, seat)
    if step.kind in ("consent", "demographics", "item"):
        return RedirectResponse("/p/next", status_code=303)
    return render(
        request, "end.html", step=step, activities=offers_activities(store, seat.participant_id)
    )
