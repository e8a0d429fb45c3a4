"""What a route declares instead of checking by hand: the store, the participant's seat, the
facilitator's login, the CSRF-checked form and the chat model, as FastAPI dependencies.

A route names what it needs in its signature with the ``Annotated`` aliases below; FastAPI runs
the checks before the route body, and :func:`unguarded_routes` (called by
:func:`~coalign.web.app.create_app`) refuses to build an app whose POST route lacks
:data:`CsrfForm`, whose ``/p/`` route lacks the seat or whose ``/f`` route lacks the login.

Failures, in the order a route meets them:

- a malformed path or query value (``/p/items/abc``): 422, before any login or seat check, as
  for a route without guards (:func:`well_formed_url`);
- CSRF (declare :data:`CsrfForm` first): 403 "did not come from this site"
  (:class:`CsrfError`), answered without touching the session;
- login or seat: :data:`FacilitatorPage` sends an anonymous visitor to ``/login?next=<path>``
  (303, through :class:`LoginRequired`); :data:`Facilitator` and :data:`ParticipantSeat` answer 403.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, get_type_hints

from fastapi import Depends, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.background import BackgroundTasks
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute

from coalign.coconstruct.interact import DEFAULT_PARAMS
from coalign.core.calls import SamplingParams
from coalign.core.errors import AccessDeniedError, InputError
from coalign.llm import Model, load_model, parse_model
from coalign.participation.access import Seat
from coalign.participation.accounts import Account, get_account
from coalign.steer.judges import JUDGE_PARAMS
from coalign.steer.stopping import Generations
from coalign.store import Store
from coalign.web.forms import MAX_WHOLE, NUL
from coalign.web.pages import CSRF_FIELD

CSRF_HEADER = "x-csrf-token"
_model_lock = threading.Lock()


class CsrfError(AccessDeniedError):
    """A POST without the session's CSRF token: a form from an old session, or a request another
    site made the browser send. Its page offers the form again and leaves the session alone."""


class LoginRequired(Exception):
    """An anonymous visitor asked for a facilitator page; the app redirects to the login form."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


# --- the URL, before any guard ----------------------------------------------------------------


def _declares_dependency(hint: object) -> bool:
    return any(isinstance(meta, params.Depends) for meta in getattr(hint, "__metadata__", ()))


@cache
def _url_parameters(endpoint: Callable[..., Any]) -> dict[str, TypeAdapter[Any]]:
    """The endpoint's parameters that FastAPI fills from the path or the query, with their types
    (not the request, nor the tasks to run after answering)."""
    adapters: dict[str, TypeAdapter[Any]] = {}
    for name, hint in get_type_hints(endpoint, include_extras=True).items():
        connection = isinstance(hint, type) and issubclass(hint, (HTTPConnection, BackgroundTasks))
        if name != "return" and not connection and not _declares_dependency(hint):
            adapters[name] = TypeAdapter(hint)
    return adapters


def _takes_many(adapter: TypeAdapter[Any]) -> bool:
    """Whether a query parameter is a list, filled from every value of a repeated name."""
    try:
        adapter.validate_python([])
    except ValidationError:
        return False
    return True


async def well_formed_url(request: Request) -> None:
    """Refuse a malformed path or query value with FastAPI's own 422, before any guard runs.

    FastAPI validates a route's path and query parameters only after its dependencies, so
    without this check ``/p/items/abc`` would answer "no participant session" (403) instead of
    "this link is incomplete or mistyped" (422) to a visitor without a seat.

    Raises:
        RequestValidationError: a value does not fit the route parameter's type, is a whole
            number past :data:`~coalign.web.forms.MAX_WHOLE`, or any path or query value holds
            a NUL character (which no PostgreSQL text can).
    """
    endpoint = request.scope.get("endpoint")
    if endpoint is None:
        return
    errors: list[dict[str, Any]] = [
        {"type": "nul", "loc": (where, name), "msg": "Input should not contain NUL characters"}
        for where, values in (("path", request.path_params), ("query", request.query_params))
        for name, raw in values.items()
        if NUL in str(raw)
    ]
    for name, adapter in _url_parameters(endpoint).items():
        where = "path" if name in request.path_params else "query"
        raw: Any = request.path_params.get(name, request.query_params.get(name))
        if raw is None:
            continue
        if where == "query" and _takes_many(adapter):  # a repeatable one: ?include=a&include=b
            raw = request.query_params.getlist(name)
        try:
            value = adapter.validate_python(raw)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                errors.append({**error, "loc": (where, name, *error["loc"])})
        else:  # an id no database column can hold matches nothing; refuse it as mistyped
            if isinstance(value, int) and abs(value) > MAX_WHOLE:
                too_large = f"Input should be at most {MAX_WHOLE}"
                errors.append({"type": "too_large", "loc": (where, name), "msg": too_large})
    if errors:
        raise RequestValidationError(errors)


WellFormedUrl = Annotated[None, Depends(well_formed_url)]


# --- the store and the model ----------------------------------------------------------------------


async def app_store(request: Request) -> Store:
    """The store the app was created over."""
    store: Store = request.app.state.store
    return store


def chat_model(request: Request) -> Model:
    """The model participants chat with: ``app.state.model`` if set, else ``COALIGN_MODEL`` or the
    embedded default, loaded on first use and logging to the app's store."""
    state = request.app.state
    with _model_lock:
        if getattr(state, "model", None) is None:
            state.model = load_model(None, log=state.store)
    model: Model = state.model
    return model


async def chat_model_id(request: Request) -> str:
    """The model string of the chat model, without loading it (for pages that only name it)."""
    model: Model | None = getattr(request.app.state, "model", None)
    return model.model_id if model is not None else parse_model(None).model_id


async def generations(request: Request) -> Generations:
    """The steered answers being written now in this server, each with its stop signal."""
    running: Generations = request.app.state.generations
    return running


async def chat_params(request: Request) -> SamplingParams:
    """Sampling for chats and baselines: ``app.state.chat_params`` if set, else the defaults."""
    return getattr(request.app.state, "chat_params", None) or DEFAULT_PARAMS


async def judge_params(request: Request) -> SamplingParams:
    """Sampling for the steering judges: ``app.state.judge_params`` if set, else the defaults."""
    return getattr(request.app.state, "judge_params", None) or JUDGE_PARAMS


AppStore = Annotated[Store, Depends(app_store)]
ChatModel = Annotated[Model, Depends(chat_model)]
ChatModelId = Annotated[str, Depends(chat_model_id)]
Running = Annotated[Generations, Depends(generations)]
ChatParams = Annotated[SamplingParams, Depends(chat_params)]
JudgeParams = Annotated[SamplingParams, Depends(judge_params)]


# --- CSRF -----------------------------------------------------------------------------------------


def check_csrf(request: Request, submitted: object) -> None:
    """Refuse a POST whose form field (or ``X-CSRF-Token`` header) does not match the session's
    token.

    Raises:
        CsrfError: missing or wrong token.
    """
    expected = request.session.get("csrf")
    given = submitted or request.headers.get(CSRF_HEADER)
    if not expected or not given or not secrets.compare_digest(str(expected), str(given)):
        raise CsrfError(
            "this form has expired or did not come from this site; reload the page and try again"
        )


async def csrf_form(request: Request, _: WellFormedUrl) -> FormData:
    """The posted form, read once, after its CSRF token was checked against the session's.

    Raises:
        CsrfError: missing or wrong token (403).
        InputError: a field (or a file's name) holds a NUL character, which no PostgreSQL text
            can (422).
    """
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    for name, value in form.multi_items():
        if NUL in name or NUL in (value if isinstance(value, str) else value.filename or ""):
            raise InputError(f"{name[:40].replace(NUL, '?')!r} holds a NUL character")
    return form


CsrfForm = Annotated[FormData, Depends(csrf_form)]


# --- the participant's seat -----------------------------------------------------------------------


async def optional_seat(request: Request) -> Seat | None:
    """The participant's seat from the signed session cookie, or ``None`` outside a study."""
    seat = request.session.get("seat")
    return Seat(seat[0], seat[1]) if seat else None


async def participant_seat(
    _: WellFormedUrl, seat: Annotated[Seat | None, Depends(optional_seat)]
) -> Seat:
    """The participant's seat; nothing in a URL or a form can name another participant's.

    Raises:
        AccessDeniedError: no participant session (403).
    """
    if seat is None:
        raise AccessDeniedError("no participant session; please open your study link again")
    return seat


async def participant_id(seat: Annotated[Seat, Depends(participant_seat)]) -> str:
    """The seated participant's id."""
    return seat.participant_id


MaybeSeat = Annotated[Seat | None, Depends(optional_seat)]
ParticipantSeat = Annotated[Seat, Depends(participant_seat)]
ParticipantId = Annotated[str, Depends(participant_id)]


# --- the facilitator's login ----------------------------------------------------------------------


def facilitator(request: Request, _: WellFormedUrl, store: AppStore) -> Account:
    """The logged-in facilitator's (or admin's) account.

    Raises:
        AccessDeniedError: nobody, or an account that no longer exists, is logged in (403).
    """
    account_id = request.session.get("account")
    account = get_account(store, account_id) if isinstance(account_id, int) else None
    if account is None:
        raise AccessDeniedError("please log in as a facilitator")
    return account


async def _logged_in(request: Request, _: WellFormedUrl) -> None:
    if request.session.get("account") is None:
        raise LoginRequired(request.url.path)


def facilitator_page(
    _: Annotated[None, Depends(_logged_in)], account: Annotated[Account, Depends(facilitator)]
) -> Account:
    """The logged-in facilitator's account, for a page: anonymous visitors go to the login form.

    Raises:
        LoginRequired: nobody is logged in (a 303 to ``/login?next=<path>``).
        AccessDeniedError: the session's account no longer exists (403).
    """
    return account


def admin_only(action: str) -> Callable[[Account], Account]:
    """A dependency that lets only admins through, saying why: "only admins may <action>"."""

    def admin(account: Annotated[Account, Depends(facilitator)]) -> Account:
        if not account.is_admin:
            raise AccessDeniedError(f"only admins may {action}")
        return account

    return admin


Facilitator = Annotated[Account, Depends(facilitator)]
FacilitatorPage = Annotated[Account, Depends(facilitator_page)]


# --- every route guarded --------------------------------------------------------------------------


def _needs(call: Callable[..., Any]) -> set[Callable[..., Any]]:
    """Every dependency ``call`` declares, directly or through other dependencies."""
    found: set[Callable[..., Any]] = set()
    for hint in get_type_hints(call, include_extras=True).values():
        for meta in getattr(hint, "__metadata__", ()):
            dependency = meta.dependency if isinstance(meta, params.Depends) else None
            if dependency is not None and dependency not in found:
                found |= {dependency} | _needs(dependency)
    return found


def unguarded_routes(routes: list[BaseRoute]) -> list[str]:
    """The routes that forgot a guard: a POST without :data:`CsrfForm`, a ``/p/`` page without
    the participant's seat, an ``/f`` page without the facilitator's login."""
    missing = []
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        needs = _needs(route.endpoint)
        for depends in route.dependencies:
            if depends.dependency is not None:
                needs |= {depends.dependency} | _needs(depends.dependency)
        path = route.path_format
        if "POST" in (route.methods or ()) and csrf_form not in needs:
            missing.append(f"POST {path}: CSRF")
        if path.startswith("/p/") and participant_seat not in needs:
            missing.append(f"{path}: the participant's seat")
        if (path == "/f" or path.startswith("/f/")) and facilitator not in needs:
            missing.append(f"{path}: the facilitator's login")
    return missing
