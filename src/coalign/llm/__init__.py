"""Every model call goes through :class:`Model`; backends are small and replaceable.

``load_model("llama-cpp:smollm2-135m", log=store)`` gives the embedded default;
``load_model("openai:http://127.0.0.1:8000/v1#name", log=store)`` an OpenAI-compatible server.
A backend is one module registered in :mod:`coalign.llm.backends`.
"""

from __future__ import annotations

from coalign.core.calls import CallLog
from coalign.core.errors import InputError
from coalign.llm.backends import (
    BackendType,
    backend_types,
    find_backend,
    register_backend,
    unregister_backend,
)
from coalign.llm.backends.base import Backend, ModelInfo
from coalign.llm.model import Model, schema_problem
from coalign.llm.spec import DEFAULT_MODEL, ModelSpec, parse_model


def load_backend(spec: ModelSpec, **options: object) -> Backend:
    """Build the backend a spec names (the embedded model is loaded once per process).

    Raises:
        InputError: no backend is registered under ``spec.backend``.
    """
    backend = find_backend(spec.backend)
    if backend is None:
        raise InputError(f"no model backend named {spec.backend!r} (see `coalign models`)")
    return backend.create(spec, **options)


def load_model(
    model: str | None = None, log: CallLog | None = None, *, cache: bool = True, **options: object
) -> Model:
    """A :class:`Model` for a model string (default: ``COALIGN_MODEL`` or the embedded model).

    Args:
        model: a model string, see :mod:`coalign.llm.spec`.
        log: where calls are logged and cached, usually the open store.
        cache: answer identical requests from the log.
        options: backend options (``concurrency``, ``timeout`` for ``openai``).
    """
    return Model(load_backend(parse_model(model), **options), log, cache=cache)


def embedded_models() -> list[ModelInfo]:
    """The models shipped by installed packages, and whether each can be loaded."""
    return [info for backend in backend_types() for info in backend.embedded()]


__all__ = [
    "DEFAULT_MODEL",
    "BackendType",
    "Model",
    "ModelInfo",
    "ModelSpec",
    "backend_types",
    "embedded_models",
    "load_backend",
    "load_model",
    "parse_model",
    "register_backend",
    "schema_problem",
    "unregister_backend",
]
