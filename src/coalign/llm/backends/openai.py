"""OpenAI-compatible HTTP servers: vLLM, llama.cpp's server, Ollama, OpenAI itself.

Model strings: ``openai:http://host:8000/v1#MODEL_NAME``; several base URLs may be given,
separated by commas, and each request goes to the endpoint with the fewest requests in flight.
A semaphore caps concurrent requests across all endpoints. A request that may be stopped
(:meth:`OpenAIBackend.complete_until`) is streamed, and stopping closes the connection, which is
how these servers learn to abort a generation.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, TypedDict, cast

import httpx

from coalign.core.calls import STOPPED, ChatRequest, Completion
from coalign.core.errors import InputError, ModelUnavailableError
from coalign.llm.backends.base import BackendType, ModelSpec, TransientModelError

NAME = "openai"

# Servers disagree on how a JSON schema is requested: OpenAI and vLLM take ``json_schema``,
# llama-cpp-python's server takes ``json_object`` with a ``schema``. The first that a server
# accepts is remembered.
SCHEMA_MODES = ("json_schema", "json_object")


def _response_format(mode: str, schema: dict[str, Any]) -> dict[str, Any]:
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "output", "schema": schema}}
    return {"type": "json_object", "schema": schema}


class OpenAIBackend:
    """Chat completions over HTTP with a concurrency limit, timeouts and least-busy routing."""

    name = NAME

    def __init__(
        self,
        spec: ModelSpec,
        *,
        concurrency: int = 8,
        timeout: float = 120.0,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.model_id = spec.model_id
        self.model_name = spec.model_name or "default"
        self.urls = spec.base_urls
        key = api_key or os.environ.get("COALIGN_API_KEY") or os.environ.get("OPENAI_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            transport=transport,
            limits=httpx.Limits(max_connections=max(concurrency, 1) * len(self.urls)),
        )
        self._slots = threading.BoundedSemaphore(max(concurrency, 1))
        self._busy = dict.fromkeys(self.urls, 0)
        self._busy_lock = threading.Lock()
        self._schema_mode = SCHEMA_MODES[0]

    def _acquire_endpoint(self) -> str:
        with self._busy_lock:
            url = min(self.urls, key=lambda u: self._busy[u])
            self._busy[url] += 1
            return url

    def _release_endpoint(self, url: str) -> None:
        with self._busy_lock:
            self._busy[url] -= 1

    def in_flight(self) -> dict[str, int]:
        """Requests currently in flight per endpoint."""
        with self._busy_lock:
            return dict(self._busy)

    def _body(self, request: ChatRequest, mode: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model_name,
            "messages": [m.model_dump() for m in request.messages],
            "temperature": request.params.temperature,
            "top_p": request.params.top_p,
            "max_tokens": request.params.max_tokens,
        }
        if request.params.seed is not None:
            body["seed"] = request.params.seed
        if request.json_schema is not None:
            body["response_format"] = _response_format(mode, request.json_schema)
        return body

    def complete(self, request: ChatRequest) -> Completion:
        """POST ``/chat/completions`` to the least-busy endpoint."""
        with self._slots:
            url = self._acquire_endpoint()
            try:
                return self._post(url, request)
            finally:
                self._release_endpoint(url)

    def _post(self, url: str, request: ChatRequest) -> Completion:
        mode = self._schema_mode
        while True:
            try:
                response = self._client.post(
                    f"{url}/chat/completions", json=self._body(request, mode)
                )
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                raise TransientModelError(f"{url}: {type(exc).__name__}: {exc}") from exc
            # Some servers answer 400/422, llama-cpp-python's answers 500, naming the field.
            rejected_schema = (
                request.json_schema is not None
                and response.status_code in (400, 422, 500)
                and "response_format" in response.text
            )
            if rejected_schema and mode != SCHEMA_MODES[-1]:
                mode = SCHEMA_MODES[SCHEMA_MODES.index(mode) + 1]
                continue
            break
        _check_status(url, response)
        self._schema_mode = mode
        try:
            payload = response.json()
            choice = payload["choices"][0]
            text = choice["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise TransientModelError(
                f"{url} sent an unreadable answer: {response.text[:200]}"
            ) from exc
        usage = payload.get("usage") or {}
        return Completion(
            text=text,
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            finish_reason=choice.get("finish_reason"),
        )

    def complete_until(self, request: ChatRequest, stop: threading.Event) -> Completion:
        """Stream the answer from the least-busy endpoint, closing the connection once ``stop``
        is set; the text so far comes back with finish reason ``stopped``."""
        with self._slots:
            url = self._acquire_endpoint()
            try:
                return self._stream(url, request, stop)
            finally:
                self._release_endpoint(url)

    def _stream(self, url: str, request: ChatRequest, stop: threading.Event) -> Completion:
        body = self._body(request, self._schema_mode) | {"stream": True}
        parts: list[str] = []
        finish: str | None = None
        try:
            with self._client.stream("POST", f"{url}/chat/completions", json=body) as response:
                if response.status_code >= 400:
                    response.read()
                    _check_status(url, response)
                for line in response.iter_lines():
                    if stop.is_set():
                        finish = STOPPED
                        break
                    data = line.removeprefix("data:").strip()
                    if not line.startswith("data:") or data in ("", "[DONE]"):
                        continue
                    try:
                        choices = json.loads(data).get("choices") or []
                    except (ValueError, AttributeError) as exc:
                        raise TransientModelError(
                            f"{url} sent an unreadable chunk: {data[:200]}"
                        ) from exc
                    for choice in choices[:1]:  # a last chunk may carry only the usage
                        parts.append((choice.get("delta") or {}).get("content") or "")
                        finish = choice.get("finish_reason") or finish
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise TransientModelError(f"{url}: {type(exc).__name__}: {exc}") from exc
        # servers stream one token per chunk; the first chunk names only the role
        tokens = sum(1 for part in parts if part)
        return Completion(text="".join(parts), completion_tokens=tokens, finish_reason=finish)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()


def _check_status(url: str, response: httpx.Response) -> None:
    """Raise for an HTTP error status: transient for 429 and 5xx, refused for other 4xx."""
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientModelError(
            f"{url} answered HTTP {response.status_code}: {response.text[:200]}"
        )
    if response.status_code >= 400:
        raise ModelUnavailableError(
            f"{url} refused the request (HTTP {response.status_code}): {response.text[:300]}"
        )


def parse_target(target: str) -> ModelSpec:
    """An ``openai`` spec from ``URL[,URL…][#MODEL_NAME]``.

    Raises:
        InputError: a URL is not http(s), or there is none.
    """
    urls, _, model_name = target.partition("#")
    spec = ModelSpec(NAME, urls, model_name)
    for url in spec.base_urls:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"not an http(s) URL in model string: {url!r}")
    if not spec.base_urls:
        model_string = f"{NAME}:{target}"
        raise InputError(f"no server URL in model string: {model_string!r}")
    return spec


class Options(TypedDict, total=False):
    """What ``load_model(..., **options)`` may set for this backend."""

    concurrency: int
    timeout: float
    api_key: str | None
    transport: httpx.BaseTransport | None


def create(spec: ModelSpec, /, **options: object) -> OpenAIBackend:
    """The backend for ``spec`` with ``options`` (see :class:`Options`).

    An option not in :class:`Options` raises ``TypeError``, as a wrong keyword argument does.
    """
    return OpenAIBackend(spec, **cast(Options, options))


BACKEND = BackendType(
    name=NAME,
    parse=parse_target,
    usage=(
        (
            "openai:http://HOST:PORT/v1#MODEL_NAME       "
            "an OpenAI-compatible server (vLLM, llama.cpp, Ollama)"
        ),
        "openai:http://A/v1,http://B/v1#MODEL_NAME   several servers, least-busy first",
    ),
    create=create,
)
