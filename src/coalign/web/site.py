"""The pages every visitor shares: the home page, the language switch, facilitators' login and
logout.

Logging in starts a fresh session (no fixation, no participant seat carried over) that keeps
only the chosen language; :mod:`coalign.web.dependencies` reads the account from it. A refused
login (wrong password, too many attempts) shows the form again with the reason and the user name
as typed.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coalign.core.errors import AccessDeniedError
from coalign.participation.accounts import authenticate
from coalign.rating.flow import set_language
from coalign.web.dependencies import AppStore, CsrfForm, MaybeSeat
from coalign.web.errors import status_of, visitor_message
from coalign.web.forms import text
from coalign.web.i18n import LANGUAGES
from coalign.web.pages import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/lang/{code}")
def choose_language(
    request: Request, store: AppStore, seat: MaybeSeat, code: str, back: str = "/"
) -> Response:
    """Switch the interface language and go back (only to a page of this site)."""
    if code not in LANGUAGES:
        raise AccessDeniedError(f"unsupported language {code!r}")
    request.session["lang"] = code
    if seat is not None:
        set_language(store, seat, code)
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/f") -> Response:
    return render(request, "login.html", next=next, username="", error=None)


@router.post("/login")
async def login(request: Request, form: CsrfForm, store: AppStore) -> Response:
    client = request.client.host if request.client else "unknown"
    username = text(form, "username")
    try:
        account = authenticate(store, username, text(form, "password"), client)
    except AccessDeniedError as exc:  # wrong password, or too many attempts (RateLimitedError)
        return render(
            request,
            "login.html",
            status_of(exc),
            next=text(form, "next", "/f"),
            username=username,
            error=visitor_message(request, exc),
        )
    lang = request.session.get("lang")
    request.session.clear()  # a new session on login: no fixation, no participant seat carried over
    request.session["account"] = account.id
    if lang:
        request.session["lang"] = lang
    target = text(form, "next", "/f")
    return RedirectResponse(target if target.startswith("/f") else "/f", status_code=303)


@router.post("/logout")
async def logout(request: Request, _: CsrfForm) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
