"""``Model``: the one door to every model call, owning retries, the cache and the call log."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import jsonschema

from coalign.core.calls import CallLog, ChatRequest, Completion, Message, ModelCall, SamplingParams
from coalign.core.errors import ModelOutputError, ModelUnavailableError, TruncatedOutputError
from coalign.llm.backends.base import Backend, StoppableBackend, TransientModelError


class Model:
    """A backend wrapped with what every call needs.

    * **Cache**: a request identical to an earlier successful one (same model, messages,
      sampling, seed and schema) is answered from the log without calling the backend.
    * **Retries**: transient failures (timeouts, refused connections, HTTP 5xx/429) are retried
      with exponential backoff; after the last try a :class:`ModelUnavailableError` is raised.
    * **Log**: every call, cache hits and failures included, is written to ``log``.
    * **Schemas**: with ``request.json_schema`` set, the output must be JSON that validates,
      else :class:`ModelOutputError` (with the raw output) is raised and the failure is logged.
    * **Truncation**: structured output that stopped at ``max_tokens`` is never accepted, even
      when the text happens to parse: :class:`TruncatedOutputError` is raised. Free text that
      stopped there is returned with ``finish_reason == "length"`` (``Completion.truncated``),
      and the caller must say so wherever the text is shown or stored.
    * **Stopping**: with a ``stop`` event, a backend that can end a generation early
      (:class:`~coalign.llm.backends.base.StoppableBackend`) does so once the event is set; the
      text so far comes back with ``finish_reason == "stopped"`` (``Completion.stopped``). Such
      a call is logged with an error, so the cache never answers with a stopped text. Other
      backends finish the request they are on.

    Args:
        backend: where requests go.
        log: the call log and cache (usually the :class:`coalign.store.Store`); ``None`` for
            neither.
        retries: extra tries after the first for transient failures.
        backoff: seconds before the first retry; doubled each time.
        cache: whether identical requests are answered from the log.
    """

    def __init__(
        self,
        backend: Backend,
        log: CallLog | None = None,
        *,
        retries: int = 3,
        backoff: float = 0.5,
        cache: bool = True,
    ) -> None:
        self.backend = backend
        self.log = log
        self.retries = retries
        self.backoff = backoff
        self.cache = cache and log is not None

    @property
    def model_id(self) -> str:
        """The model string recorded with every call."""
        return self.backend.model_id

    def complete(
        self,
        request: ChatRequest,
        *,
        purpose: str | None = None,
        stop: threading.Event | None = None,
    ) -> Completion:
        """Answer ``request`` from the cache or the backend, logging the call either way.

        Args:
            request: messages, sampling and an optional JSON schema.
            purpose: a short label stored with the logged call (``synth:RUN:questions`` from :func:`coalign.core.calls.generation_purpose`, ``ask`` …).
            stop: set by another thread to end free-text generation early (see the class notes);
                a request with a JSON schema is never stopped halfway.

        Raises:
            ModelUnavailableError: the backend failed on every try.
            ModelOutputError: the output does not match ``request.json_schema``.
            TruncatedOutputError: structured output stopped at ``max_tokens``.
        """
        key = request.cache_key(self.model_id)
        started = time.perf_counter()
        if self.cache and self.log is not None:
            cached = self.log.cached_completion(key)
            if cached is not None:
                self._record(request, key, cached, started, purpose, cache_hit=True, attempts=0)
                return cached
        attempts = 0
        while True:
            attempts += 1
            try:
                if (
                    stop is not None
                    and request.json_schema is None
                    and isinstance(self.backend, StoppableBackend)
                ):
                    completion = self.backend.complete_until(request, stop)
                else:
                    completion = self.backend.complete(request)
                break
            except TransientModelError as exc:
                if attempts > self.retries:
                    self._record(
                        request, key, None, started, purpose, error=str(exc), attempts=attempts
                    )
                    raise ModelUnavailableError(
                        f"{self.model_id} failed after {attempts} tries: {exc}"
                    ) from exc
                time.sleep(self.backoff * 2 ** (attempts - 1))
            except ModelUnavailableError as exc:
                self._record(
                    request, key, None, started, purpose, error=str(exc), attempts=attempts
                )
                raise
        if completion.stopped:
            problem = f"stopped by the caller after {len(completion.text)} characters"
            self._record(
                request, key, completion, started, purpose, error=problem, attempts=attempts
            )
            return completion
        if request.json_schema is not None and completion.truncated:
            problem = (
                f"truncated: the output stopped at max_tokens ({request.params.max_tokens}) "
                "before it was complete"
            )
            self._record(
                request, key, completion, started, purpose, error=problem, attempts=attempts
            )
            raise TruncatedOutputError(problem, completion.text)
        if request.json_schema is not None:
            mismatch = schema_problem(completion.text, request.json_schema)
            if mismatch:
                self._record(
                    request, key, completion, started, purpose, error=mismatch, attempts=attempts
                )
                raise ModelOutputError(
                    f"output does not match the schema: {mismatch}", completion.text
                )
        self._record(request, key, completion, started, purpose, attempts=attempts)
        return completion

    def complete_json(self, request: ChatRequest, *, purpose: str | None = None) -> dict[str, Any]:
        """Like :meth:`complete` for a request with a schema, returning the parsed object."""
        if request.json_schema is None:
            raise ValueError("complete_json needs a request with json_schema")
        # The text validated against the schema, whose top level is an object.
        parsed: dict[str, Any] = json.loads(self.complete(request, purpose=purpose).text)
        return parsed

    def ask(
        self,
        prompt: str,
        *,
        system: str | None = None,
        params: SamplingParams | None = None,
        purpose: str | None = "ask",
    ) -> Completion:
        """One user prompt (with an optional system prompt) in, the completion out.

        Check ``.truncated`` before showing ``.text`` as a whole answer.
        """
        messages = [Message(role="system", content=system)] if system else []
        messages.append(Message(role="user", content=prompt))
        request = ChatRequest(messages=messages, params=params or SamplingParams())
        return self.complete(request, purpose=purpose)

    def _record(
        self,
        request: ChatRequest,
        key: str,
        completion: Completion | None,
        started: float,
        purpose: str | None,
        *,
        cache_hit: bool = False,
        error: str | None = None,
        attempts: int = 1,
    ) -> None:
        if self.log is None:
            return
        self.log.log_call(
            ModelCall(
                model_id=self.model_id,
                backend=self.backend.name,
                request_hash=key,
                messages=request.messages,
                params=request.params,
                json_schema=request.json_schema,
                response=completion.text if completion else None,
                prompt_tokens=completion.prompt_tokens if completion else None,
                completion_tokens=completion.completion_tokens if completion else None,
                latency_ms=(time.perf_counter() - started) * 1000,
                cache_hit=cache_hit,
                error=error,
                attempts=attempts,
                purpose=purpose,
                finish_reason=completion.finish_reason if completion else None,
            )
        )


def schema_problem(text: str, schema: dict[str, Any]) -> str | None:
    """Why ``text`` is not JSON valid under ``schema``, or ``None`` when it is."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg} at character {exc.pos})"
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        return f"{where}: {exc.message}"
    return None
