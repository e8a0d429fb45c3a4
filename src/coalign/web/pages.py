"""Rendering pages and guarding forms: Jinja2 templates, the session's language, CSRF tokens.

Templates are autoescaped, so any text a person typed (or an item holds) is shown as text,
never run as HTML or script. Every form carries the session's CSRF token; every POST checks it.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from coalign.core.errors import AccessDeniedError
from coalign.web.i18n import LANGUAGES, pick_language, translations

TEMPLATES = Path(__file__).parent / "templates"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


def language(request: Request) -> str:
    """The page language: the session's choice, else the browser's preference."""
    return pick_language(request.session.get("lang"), accept_language=request.headers.get("accept-language"))


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a POST whose form field (or ``X-CSRF-Token`` header) does not match the session's token.

    Raises:
        AccessDeniedError: missing or wrong token.
    """
    expected = request.session.get("csrf")
    given = submitted or request.headers.get(CSRF_HEADER)
    if not expected or not given or not secrets.compare_digest(str(expected), str(given)):
        raise AccessDeniedError("this form has expired or did not come from this site; reload the page and try again")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the request's language, with the CSRF token and language switch."""
    lang = language(request)
    gettext_ = translations(lang).gettext
    body = _env.get_template(template).render(
        request=request, _=gettext_, lang=lang, languages=LANGUAGES, csrf_token=csrf_token(request),
        csrf_field=CSRF_FIELD, **context,
    )
    return HTMLResponse(body, status_code=status_code)
