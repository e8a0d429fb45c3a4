"""The web app: participants' pages, the facilitator dashboard, static files, errors as pages.

:func:`create_app` wires a :class:`~coalign.store.Store` into FastAPI and includes one router per
concern (``site``, ``rating_*``, ``coconstruct_*``, ``steer_*``). Routes are thin: they declare
the store, the seat, the login and the CSRF-checked form as dependencies
(:mod:`coalign.web.dependencies`), read fields with :mod:`coalign.web.forms`, call one service
function and render a template; an app whose route forgot a guard is refused at creation.
Every error, coalign's own, a bad address, a body too large or a crash, becomes a page that says
what happened and what to do next, with the right HTTP status (:mod:`coalign.web.errors`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coalign.core.errors import CoalignError
from coalign.participation.accounts import app_secret
from coalign.steer.stopping import Generations
from coalign.store import Store
from coalign.web import (
    coconstruct_axes,
    coconstruct_facilitator,
    coconstruct_group,
    coconstruct_participant,
    process_feedback,
    rating_facilitator,
    rating_participant,
    site,
    steer_facilitator,
    steer_participant,
    trace_routes,
    training_routes,
    withdrawal_routes,
    workshop_boards,
)
from coalign.web.dependencies import LoginRequired, unguarded_routes, well_formed_url
from coalign.web.errors import bad_link_page, error_page, show, status_page, too_large_page

STATIC = Path(__file__).parent / "static"
SESSION_MAX_AGE = 12 * 3600
MAX_BODY = 64 * 1024
MAX_UPLOAD = 10 * 1024 * 1024
UPLOAD_PATHS = ("/f/campaigns/new", "/p/diary")

ROUTERS = (
    site.router,
    rating_participant.router,
    rating_facilitator.router,
    coconstruct_participant.router,
    coconstruct_facilitator.router,
    coconstruct_facilitator.studies_index,
    coconstruct_group.router,
    coconstruct_group.facilitator_router,
    coconstruct_axes.router,
    coconstruct_axes.facilitator_router,
    process_feedback.router,
    process_feedback.facilitator_router,
    steer_participant.router,
    steer_facilitator.router,
    withdrawal_routes.router,
    trace_routes.router,
    training_routes.router,
    workshop_boards.router,
)


class BodyLimit:
    """Refuse request bodies over a size limit with a 413 page, before any route reads them.

    Bodies are buffered up to the limit, so a chunked upload without ``Content-Length`` is held
    to the same limit as one that declares its size.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = MAX_UPLOAD if scope["path"] in UPLOAD_PATHS else MAX_BODY
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(scope, receive, send, limit)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                await _too_large(scope, receive, send, limit)
                return
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        (
            b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            b"img-src 'self' data:; frame-ancestors 'none'; form-action 'self' https:"
        ),
    ),
]


class SecurityHeaders:
    """Add browser-hardening headers to every response: no sniffing, no framing, a strict CSP."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in _SECURITY_HEADERS if name not in present]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    request = Request(scope, receive)
    await show(request, too_large_page(request, limit))(scope, receive, send)


def create_app(
    store: Store, *, secret_key: str | None = None, secure_cookies: bool = False
) -> FastAPI:
    """The FastAPI app over ``store``.

    Args:
        secret_key: signs session cookies; default: a secret kept in the database.
        secure_cookies: send session cookies over HTTPS only (set behind a TLS proxy).
    """
    # Every route's URL is checked first, those without guards too (a crowd link's query).
    app = FastAPI(
        title="coalign",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(well_formed_url)],
    )
    app.state.store = store
    app.state.generations = Generations()  # the steered answers being written, to stop them
    app.add_middleware(BodyLimit)  # inside the session, so its page is in the visitor's language
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or app_secret(store),
        session_cookie="coalign_session",
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=secure_cookies,
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if unguarded := unguarded_routes([route for router in ROUTERS for route in router.routes]):
        raise RuntimeError(f"routes without their guards: {'; '.join(unguarded)}")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={exc.path}", status_code=303)

    @app.exception_handler(CoalignError)
    async def _coalign_error(request: Request, exc: CoalignError) -> HTMLResponse:
        return show(request, error_page(request, exc))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> HTMLResponse:
        return show(request, bad_link_page(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        response = show(request, status_page(request, exc.status_code))
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return response

    @app.exception_handler(Exception)  # a crash: Starlette still logs it and re-raises it
    async def _crash(request: Request, exc: Exception) -> HTMLResponse:
        return show(request, status_page(request, 500))

    @app.get("/healthz", include_in_schema=False)
    def _health() -> PlainTextResponse:
        return PlainTextResponse("ok")

    return app
