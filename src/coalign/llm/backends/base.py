"""What a backend is: one method that turns a request into a completion, and how it is named.

A backend module declares a module-level ``BACKEND = BackendType(...)``: its name in model
strings, how it reads its target, the lines ``coalign models`` shows for it and how to build it.
The registry (:mod:`coalign.llm.backends`) lists the built-in modules in one place.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from coalign.core.calls import ChatRequest, Completion
from coalign.core.errors import ModelError


class TransientModelError(ModelError):
    """A failure worth retrying (timeout, connection refused, HTTP 5xx/429)."""


class Backend(Protocol):
    """A place that can answer chat requests. Retries, cache and logging live in ``Model``.

    Implementations must be safe to call from several threads at once.
    """

    name: str
    model_id: str

    def complete(self, request: ChatRequest) -> Completion:
        """Answer one request.

        Raises:
            TransientModelError: a failure that may go away on retry.
            ModelUnavailableError: a failure that will not.
        """
        ...


@runtime_checkable
class StoppableBackend(Backend, Protocol):
    """A backend that can end a generation early, freeing the model for the next request."""

    def complete_until(self, request: ChatRequest, stop: threading.Event) -> Completion:
        """Answer like :meth:`Backend.complete`, but end as soon as ``stop`` is set.

        Returns:
            the whole completion, or one with the text generated until ``stop`` was set and
            ``finish_reason`` :data:`~coalign.core.calls.STOPPED`.
        """
        ...


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model string.

    Attributes:
        backend: the name of a registered backend (``llama-cpp``, ``openai`` …).
        target: what the backend should use: a bundled model alias or GGUF path (llama-cpp),
            base URLs (openai).
        model_name: the model's name on an OpenAI-compatible server.
    """

    backend: str
    target: str
    model_name: str = ""

    @property
    def model_id(self) -> str:
        """The string recorded with every call and record."""
        suffix = f"#{self.model_name}" if self.model_name else ""
        return f"{self.backend}:{self.target}{suffix}"

    @property
    def base_urls(self) -> list[str]:
        """The endpoints of an ``openai`` spec."""
        return [url.strip().rstrip("/") for url in self.target.split(",") if url.strip()]


@dataclass(frozen=True)
class ModelInfo:
    """A model coalign can use without configuration."""

    model_id: str
    available: bool
    detail: str


class BackendFactory(Protocol):
    """Builds a backend for a spec.

    ``options`` come from callers that do not know which backend a model string names
    (``load_model(..., concurrency=4)``); each backend takes the ones it understands.
    """

    def __call__(self, spec: ModelSpec, /, **options: object) -> Backend: ...


def _no_embedded_models() -> list[ModelInfo]:
    return []


@dataclass(frozen=True)
class BackendType:
    """One kind of backend, as the registry knows it.

    Attributes:
        name: the part of a model string before the first ``:``.
        parse: turns the rest of the model string (the target) into a :class:`ModelSpec`.
            Raises :class:`~coalign.core.errors.InputError` with a message for the user when
            the target is not usable; it must not load anything heavy.
        usage: the model strings it takes, one line each with what they mean, as
            ``coalign models`` shows them.
        create: builds the backend for a spec; heavy imports belong here, not at module level.
        embedded: the models this backend can use without configuration (shipped by installed
            packages), each with whether it can be loaded.
    """

    name: str
    parse: Callable[[str], ModelSpec]
    usage: tuple[str, ...]
    create: BackendFactory
    embedded: Callable[[], list[ModelInfo]] = field(default=_no_embedded_models)
