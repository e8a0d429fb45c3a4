"""Participants' pages: join, consent, demographics, rating with autosaved drafts, completion.

Every route finds the participant's seat in the signed session cookie; nothing in a URL or a
form can point a person at another participant's data (their assignments answer 404).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coalign.core.errors import AccessDeniedError, InputError
from coalign.participation.access import Seat, join_by_invite, join_from_crowd
from coalign.participation.demographics import save_demographics, survey_for_seat
from coalign.rating.assignment import rating_page
from coalign.rating.flow import give_consent, next_step, set_language, welcome
from coalign.rating.submit import save_draft, submit
from coalign.store.engine import Store
from coalign.web.i18n import LANGUAGES, pick_language
from coalign.web.pages import CSRF_FIELD, check_csrf, language, render

router = APIRouter()
RATING_PREFIX = "rating."
QUESTION_PREFIX = "question."


def _store(request: Request) -> Store:
    return request.app.state.store


def _seat(request: Request) -> Seat:
    seat = request.session.get("seat")
    if not seat:
        raise AccessDeniedError("no participant session; please open your study link again")
    return Seat(seat[0], seat[1])


def _start(request: Request, seat: Seat, lang: str | None) -> RedirectResponse:
    """Begin a fresh participant session (a new CSRF token, no facilitator login carried over)."""
    request.session.clear()
    request.session["seat"] = [seat.participant_id, seat.campaign_id]
    if lang:
        request.session["lang"] = lang
        set_language(_store(request), seat, lang)
    return _next(request)


@router.get("/s/{study_slug}/{campaign_slug}")
def crowd_link(request: Request, study_slug: str, campaign_slug: str, lang: str | None = None) -> Response:
    """A crowd-platform study link: creates or resumes the participant named by PROLIFIC_PID."""
    chosen = pick_language(lang) if lang else None
    seat = join_from_crowd(_store(request), study_slug, campaign_slug, dict(request.query_params),
                           language=chosen or language(request))
    return _start(request, seat, chosen)


@router.get("/i/{token}")
def invite_link(request: Request, token: str, lang: str | None = None) -> Response:
    """A personal invite link."""
    return _start(request, join_by_invite(_store(request), token), pick_language(lang) if lang else None)


@router.get("/lang/{code}")
def choose_language(request: Request, code: str, back: str = "/") -> Response:
    """Switch the interface language and go back (only to a page of this site)."""
    if code not in LANGUAGES:
        raise AccessDeniedError(f"unsupported language {code!r}")
    request.session["lang"] = code
    if request.session.get("seat"):
        set_language(_store(request), _seat(request), code)
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


def _next(request: Request) -> RedirectResponse:
    """A redirect straight to the participant's next page (saves a round trip through /p/next)."""
    step = next_step(_store(request), _seat(request))
    target = {"consent": "/p/consent", "demographics": "/p/demographics"}.get(step.kind)
    if step.kind == "item":
        target = f"/p/items/{step.assignment_id}"
    return RedirectResponse(target or "/p/end", status_code=303)


@router.get("/p/next")
def go_next(request: Request) -> Response:
    """Send the participant to their next step."""
    return _next(request)


@router.get("/p/consent", response_class=HTMLResponse)
def consent_page(request: Request) -> Response:
    return render(request, "consent.html", info=welcome(_store(request), _seat(request)))


@router.post("/p/consent")
async def consent_answer(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    choice = form.get("choice")
    if choice not in ("agree", "decline"):
        raise InputError("please choose whether you agree to take part")
    give_consent(_store(request), _seat(request), agree=choice == "agree")
    return _next(request)


@router.get("/p/demographics", response_class=HTMLResponse)
def demographics_page(request: Request) -> Response:
    return render(request, "demographics.html", questions=survey_for_seat(_store(request), _seat(request)))


@router.post("/p/demographics")
async def demographics_answer(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    save_demographics(_store(request), _seat(request), {k: str(v) for k, v in form.items()})
    return _next(request)


@router.get("/p/items/{assignment_id}", response_class=HTMLResponse)
def item_page(request: Request, assignment_id: int) -> Response:
    page = rating_page(_store(request), _seat(request), assignment_id, language(request))
    if page.submitted:
        return RedirectResponse("/p/next", status_code=303)
    return render(request, "rate.html", page=page)


def _split(form) -> tuple[dict[str, str], dict[str, str]]:  # noqa: ANN001 (starlette FormData)
    ratings = {k[len(RATING_PREFIX):]: str(v) for k, v in form.items() if k.startswith(RATING_PREFIX)}
    answers = {k[len(QUESTION_PREFIX):]: str(v) for k, v in form.items() if k.startswith(QUESTION_PREFIX)}
    return ratings, answers


@router.post("/p/items/{assignment_id}/draft", response_class=HTMLResponse)
async def item_draft(request: Request, assignment_id: int) -> Response:
    """Autosave (HTMX posts here on every change); answers with a short status line."""
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    saved = save_draft(_store(request), _seat(request), assignment_id, *_split(form))
    return render(request, "_message.html", message=saved.strftime("%H:%M:%S"), kind="draft")


@router.post("/p/items/{assignment_id}")
async def item_submit(request: Request, assignment_id: int) -> Response:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    submit(_store(request), _seat(request), assignment_id, str(form.get("item_id", "")), *_split(form))
    return _next(request)


@router.get("/p/end", response_class=HTMLResponse)
def end_page(request: Request) -> Response:
    """Completion code, screen-out code, or why there is nothing to do."""
    step = next_step(_store(request), _seat(request))
    if step.kind in ("consent", "demographics", "item"):
        return RedirectResponse("/p/next", status_code=303)
    return render(request, "end.html", step=step)
