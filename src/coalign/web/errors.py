"""Errors as pages: what happened, what to do next and a way on, in the visitor's language.

Every refusal or failure a visitor can meet becomes an :class:`ErrorPage` with the right HTTP
status, a title and an instruction (UI strings, German in ``messages.po``) and links on:

==============================  ======  ===========================================================
error                           status  way on
==============================  ======  ===========================================================
CSRF check failed               403     reload the form (nothing in the session changes)
campaign closed                 409     the screen-out code and the crowd platform's return link
invite link expired             410     ask the study team for a new link
too many attempts               429     wait, then try again
training not yet passed         403     to the training
not allowed                     403     open the study link again, or log in
not found / not yours           404     on to the study, the dashboard or the home page
clashes with the current state  409     back to the form, reloaded
bad input (a form)              422     back to the form
bad input (a link)              422     open the link as it was given
store / model unavailable       503     try again later (details go to the log, not the page)
unknown address                 404     on to the study, the dashboard or the home page
body too large                  413     back to the form, to send less
crash                           500     try again later, or tell the study team
==============================  ======  ===========================================================

The error's own message is shown under the title only where it was written for the visitor:
when the catalogue knows it (so a German page stays German), or, in English, for input,
access and conflict errors; "not found" messages may name other studies and stay hidden.
Facilitators see every message of those kinds. Store and model errors never show theirs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.routing import Match

from coalign.core.errors import (
    AccessDeniedError,
    CampaignClosedError,
    CoalignError,
    ConflictError,
    InputError,
    LinkExpiredError,
    ModelError,
    NotFoundError,
    RateLimitedError,
    StoreError,
    TrainingRequiredError,
)
from coalign.web.dependencies import CsrfError
from coalign.web.i18n import DEFAULT_LANGUAGE, N_, translate_message, translations
from coalign.web.pages import language, render_error, session_of

log = logging.getLogger(__name__)

#: Where a participant takes the study's training (:mod:`coalign.web.training_routes`).
TRAINING_PAGE = "/p/training"
#: The rating flow's pages; a participant elsewhere under ``/p/`` is in the co-construction hub.
_RATING_PAGES = ("/p/next", "/p/consent", "/p/demographics", "/p/items/", "/p/end")


@dataclass(frozen=True)
class Link:
    """A way on from an error page: its label (a UI string) and where it goes."""

    label: str
    href: str


@dataclass(frozen=True)
class ErrorPage:
    """What an error page says.

    Attributes:
        status: the HTTP status.
        title: what happened (a UI string, translated when shown).
        advice: what to do next (a UI string).
        detail: the error's own message in the visitor's language, or ``None`` where it was not
            written for them.
        code: the code to return to the crowd platform with, if there is one.
        links: the ways on, the most useful first.
    """

    status: int
    title: str
    advice: str
    detail: str | None = None
    code: str | None = None
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class _Kind:
    """Status, title and advice of one kind of error; ``form`` offers a refused POST's form again."""

    status: int
    title: str
    advice: str
    form: bool


_FOR_ERRORS: list[tuple[type[CoalignError], _Kind]] = [  # most specific first
    (
        CsrfError,
        _Kind(
            403,
            N_("This form has expired"),
            N_("Nothing from it was taken. Reload the form, then send it again."),
            form=True,
        ),
    ),
    (
        CampaignClosedError,
        _Kind(
            409,
            N_("This study is closed"),
            N_(
                "It takes no more participants or answers. If you came from a crowd platform "
                "such as Prolific, return your submission there with the code below."
            ),
            form=False,
        ),
    ),
    (
        LinkExpiredError,
        _Kind(
            410,
            N_("This link has expired"),
            N_("Ask the study team for a new link."),
            form=False,
        ),
    ),
    (
        RateLimitedError,
        _Kind(429, N_("Limit reached"), N_("Please wait, then try again."), form=False),
    ),
    (
        TrainingRequiredError,
        _Kind(
            403,
            N_("Training comes first"),
            N_("Read the training and pass its short check; then you can code the answers."),
            form=False,
        ),
    ),
    (
        AccessDeniedError,
        _Kind(
            403,
            N_("This page is not open to you"),
            N_(
                "If you take part in a study, open the link you were given again. "
                "Facilitators log in first."
            ),
            form=False,
        ),
    ),
    (
        NotFoundError,
        _Kind(
            404,
            N_("Not found"),
            N_("This page or item does not exist, or it is not yours. Check the link."),
            form=False,
        ),
    ),
    (
        ConflictError,
        _Kind(
            409,
            N_("This can no longer be done"),
            N_("Something changed since the page was loaded. Reload it to see where things stand."),
            form=True,
        ),
    ),
    (
        InputError,
        _Kind(
            422,
            N_("Please check your answer"),
            N_("Go back to the form and try again."),
            form=True,
        ),
    ),
    (
        StoreError,
        _Kind(
            503,
            N_("The service is unavailable"),
            N_("Please try again in a few minutes."),
            form=True,
        ),
    ),
    (
        ModelError,
        _Kind(
            503,
            N_("The assistant could not answer"),
            N_("Please try again in a moment."),
            form=True,
        ),
    ),
    (
        CoalignError,
        _Kind(400, N_("This could not be done"), N_("Please try again."), form=True),
    ),
]
_BAD_LINK = _Kind(
    422,
    N_("This link is incomplete or mistyped"),
    N_("Open the link exactly as you were given it. If it still fails, tell the study team."),
    form=False,
)
_FOR_STATUS = {
    404: _Kind(404, N_("Page not found"), N_("Check the address."), form=False),
    405: _Kind(
        405,
        N_("This page cannot be opened this way"),
        N_("Please use the link below."),
        form=False,
    ),
    413: _Kind(
        413,
        N_("What you sent is too large"),
        N_("Shorten the text or choose a smaller file, then send it again."),
        form=True,
    ),
    500: _Kind(
        500,
        N_("Something went wrong on our side"),
        N_("Please try again in a few minutes. If it happens again, tell the study team."),
        form=False,
    ),
}
_OTHER_STATUS = (N_("This request could not be completed"), N_("Please try again."))
#: Messages of these errors are written for people; others (store, model) may hold internals.
_TOLD = (InputError, AccessDeniedError, ConflictError, NotFoundError)


def _kind(exc: CoalignError) -> _Kind:
    return next(kind for cls, kind in _FOR_ERRORS if isinstance(exc, cls))


def status_of(exc: CoalignError) -> int:
    """The HTTP status of a coalign error (422 bad input, 404 not found or not yours, …)."""
    return _kind(exc).status


def visitor_message(request: Request, exc: CoalignError) -> str | None:
    """The error's own message as this visitor may read it, or ``None`` where they may not.

    In the page's language when the catalogue knows the message; otherwise the English message
    to a logged-in facilitator, or to anyone on an English page for input, access and conflict
    errors. Store and model errors never show their message (it may hold internals).
    """
    if not isinstance(exc, _TOLD):
        return None
    message, lang = str(exc), language(request)
    known = translate_message(lang, message)
    if known is not None:
        return known
    if session_of(request).get("account") is not None:
        return message
    if lang == DEFAULT_LANGUAGE and not isinstance(exc, NotFoundError):
        return message
    return None


def error_page(request: Request, exc: CoalignError) -> ErrorPage:
    """The page for a coalign error: its kind's title and advice, its message where the visitor
    may read it, and the ways on (with the crowd platform's code for a closed campaign)."""
    kind = _BAD_LINK if isinstance(exc, InputError) and request.method == "GET" else _kind(exc)
    if not isinstance(exc, _TOLD):
        log.warning("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
    links = _links(request, kind, reload=isinstance(exc, CsrfError))
    code = None
    if isinstance(exc, CampaignClosedError):
        code = exc.code
        if exc.return_url:
            links = (Link(N_("Return to the study platform"), exc.return_url), *links)
    if isinstance(exc, TrainingRequiredError):
        links = (Link(N_("Go to the training"), TRAINING_PAGE), *links)
    return ErrorPage(
        kind.status,
        kind.title,
        kind.advice,
        detail=visitor_message(request, exc),
        code=code,
        links=links,
    )


def status_page(request: Request, status: int, detail: str | None = None) -> ErrorPage:
    """The page for an HTTP status without a coalign error behind it (an unknown address, a
    malformed link, a body too large, a crash).

    Args:
        detail: a line already in the visitor's language, shown under the title.
    """
    kind = _FOR_STATUS.get(status) or _Kind(status, *_OTHER_STATUS, form=True)
    return ErrorPage(status, kind.title, kind.advice, detail, links=_links(request, kind))


def bad_link_page(request: Request) -> ErrorPage:
    """The page for a path or query value of the wrong shape (``/p/items/abc``)."""
    return ErrorPage(
        _BAD_LINK.status, _BAD_LINK.title, _BAD_LINK.advice, links=_links(request, _BAD_LINK)
    )


def too_large_page(request: Request, limit: int) -> ErrorPage:
    """The page for a request body over ``limit`` bytes."""
    size = f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 2**10} KiB"
    line = translations(language(request)).gettext(N_("At most %(size)s can be sent at once."))
    return status_page(request, 413, line % {"size": size})


def show(request: Request, page: ErrorPage) -> HTMLResponse:
    """The error page as HTML, or as a one-line message for an HTMX request; never changes the
    session (see :func:`~coalign.web.pages.render_error`)."""
    if request.headers.get("hx-request"):
        message = page.detail or page.title
        return render_error(request, "_message.html", page.status, message=message, kind="error")
    return render_error(request, "error.html", page.status, page=page)


def _links(request: Request, kind: _Kind, *, reload: bool = False) -> tuple[Link, ...]:
    """The form a refused POST came from (when the kind offers it and the site shows one there),
    else the visitor's way on."""
    if kind.form and _has_form_page(request):
        label = N_("Reload the form") if reload else N_("Back to the form")
        return (Link(label, request.url.path),)
    return (_way_on(request),)


def _has_form_page(request: Request) -> bool:
    """Whether a POST was sent to an address that also shows a page (its form)."""
    if request.method != "POST":
        return False
    scope = {**request.scope, "method": "GET"}
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes)


def _way_on(request: Request) -> Link:
    """Where the visitor goes on from here: their study, their dashboard, the login, or home."""
    session, path = session_of(request), request.url.path
    if session.get("seat"):
        if path.startswith("/p/") and not path.startswith(_RATING_PAGES):
            return Link(N_("Back to your activities"), "/p/activities")
        return Link(N_("Continue the study"), "/p/next")
    if session.get("account") is not None:
        return Link(N_("Back to the dashboard"), "/f")
    if path == "/f" or path.startswith("/f/"):  # after the login, back to the page asked for
        return Link(
            N_("Log in"), f"/login?next={quote(path)}" if request.method == "GET" else "/login"
        )
    return Link(N_("Home page"), "/")
