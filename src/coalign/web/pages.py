"""Rendering pages: Jinja2 templates in the session's language, with the session's CSRF token.

Templates are autoescaped, so any text a person typed (or an item holds) is shown as text,
never run as HTML or script. Every form carries the session's CSRF token; every POST checks it
(:data:`coalign.web.dependencies.CsrfForm`). Error pages carry no form and never start a session
(:func:`render_error`): the answer to a refused request must not replace the visitor's cookie.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from coalign.web.i18n import LANGUAGES, pick_language, translations

TEMPLATES = Path(__file__).parent / "templates"
CSRF_FIELD = "csrf_token"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def session_of(request: Request) -> dict[str, Any]:
    """The request's session, or an empty one where the session middleware has not run (the
    answer to an unexpected crash is rendered outside it)."""
    session: dict[str, Any] = request.scope.get("session", {})
    return session


def language(request: Request) -> str:
    """The page language: the link's ``lang`` (study links carry one), the session's choice,
    else the browser's preference."""
    accept = request.headers.get("accept-language")
    chosen = (request.query_params.get("lang"), session_of(request).get("lang"))
    return pick_language(*chosen, accept_language=accept)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the request's language, with the CSRF token and language switch."""
    return _page(request, template, status_code, csrf_token(request), context)


def render_error(request: Request, template: str, status_code: int, **context: Any) -> HTMLResponse:
    """Render an error page without touching the session.

    A cross-site POST arrives without the session cookie (it is ``SameSite=Lax``); creating a
    CSRF token for its answer would send a new cookie that replaces, and so ends, the visitor's
    real session. Error pages have no form, so they need no token.
    """
    return _page(request, template, status_code, "", context)


def _page(
    request: Request, template: str, status_code: int, token: str, context: dict[str, Any]
) -> HTMLResponse:
    lang = language(request)
    body = _env.get_template(template).render(
        request=request,
        _=translations(lang).gettext,
        lang=lang,
        languages=LANGUAGES,
        csrf_token=token,
        csrf_field=CSRF_FIELD,
        **context,
    )
    return HTMLResponse(body, status_code=status_code)
