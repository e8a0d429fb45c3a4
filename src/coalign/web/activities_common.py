"""Small helpers shared by the co-construction pages: the store, the chat model, form numbers."""

from __future__ import annotations

import threading

from fastapi import Request
from starlette.datastructures import FormData

from coalign.coconstruct.interact import DEFAULT_PARAMS
from coalign.core.calls import SamplingParams
from coalign.core.errors import InputError
from coalign.llm import Model, load_model
from coalign.store.engine import Store

_model_lock = threading.Lock()


def store_of(request: Request) -> Store:
    """The app's store."""
    return request.app.state.store


def model_of(request: Request) -> Model:
    """The model participants chat with: ``app.state.model`` if set, else ``COALIGN_MODEL`` or the
    embedded default, loaded on first use and logging to the app's store."""
    state = request.app.state
    with _model_lock:
        if getattr(state, "model", None) is None:
            state.model = load_model(None, log=state.store)
    return state.model


def chat_params(request: Request) -> SamplingParams:
    """Sampling for chats and baseline conversations: ``app.state.chat_params`` if set, else the defaults."""
    return getattr(request.app.state, "chat_params", None) or DEFAULT_PARAMS


def optional_int(form: FormData, name: str) -> int | None:
    """A whole number from a form field, or ``None`` when it is empty.

    Raises:
        InputError: the field holds something else.
    """
    raw = str(form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InputError(f"{name}: {raw[:20]!r} is not a whole number") from None


def form_int(form: FormData, name: str) -> int:
    """A required whole number from a form field (:class:`InputError` when missing or malformed)."""
    value = optional_int(form, name)
    if value is None:
        raise InputError(f"{name} is missing")
    return value


def safe_back(form: FormData, default: str) -> str:
    """The form's ``back`` target if it is a path on this site, else ``default``."""
    back = str(form.get("back") or "")
    return (
        back if back.startswith("/") and not back.startswith("//") and "\\" not in back else default
    )
