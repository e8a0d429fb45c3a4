"""The backend protocol: one method that turns a request into a completion."""

from __future__ import annotations

from typing import Protocol

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
