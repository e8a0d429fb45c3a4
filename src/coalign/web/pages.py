"""Rendering pages: Jinja2 templates in the session's language, with the session's CSRF token.

Templates are autoescaped, so any text a person typed (or an item holds) is shown as text,
never run as HTML or script. Every form carries the session's CSRF token; every POST checks it
(:data:`coalign.web.dependencies.CsrfForm`).
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


def language(request: Request) -> str:
    """The page language: the session's choice, else the browser's preference."""
    accept = request.headers.get("accept-language")
    return pick_language(request.session.get("lang"), accept_language=accept)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the request's language, with the CSRF token and language switch."""
    lang = language(request)
    gettext_ = translations(lang).gettext
    body = _env.get_template(template).render(
        request=request,
        _=gettext_,
        lang=lang,
        languages=LANGUAGES,
        csrf_token=csrf_token(request),
        csrf_field=CSRF_FIELD,
        **context,
    )
    return HTMLResponse(body, status_code=status_code)
