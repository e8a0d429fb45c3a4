"""The OpenAI-compatible backend against a real local server (llama-cpp-python's)."""

from __future__ import annotations

import threading

import httpx
import pytest

from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.core.errors import ModelUnavailableError
from coalign.llm import Model, load_model, parse_model
from coalign.llm.backends.openai import OpenAIBackend
from tests.conftest import free_port

pytestmark = pytest.mark.model

SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "confidence": {"type": "integer", "minimum": 1, "maximum": 5},
    },
    "required": ["answer", "confidence"],
}


def req(text: str, **kw) -> ChatRequest:
    return ChatRequest(
        messages=[Message(role="user", content=text)],
        params=SamplingParams(temperature=0.5, max_tokens=48, seed=3),
        **kw,
    )


def test_real_server_round_trip_logged(model_server, sqlite_store):
    model = load_model(f"openai:{model_server}#smollm2", log=sqlite_store)
    first = model.complete(req("What is an overdraft?"))
    assert first.text and first.completion_tokens
    assert model.complete(req("What is an overdraft?")).text == first.text  # cache hit
    from coalign.store.calls import call_stats

    stats = call_stats(sqlite_store)
    assert (stats.total, stats.cache_hits) == (2, 1)


def test_real_server_json_schema(model_server, sqlite_store):
    model = load_model(f"openai:{model_server}#smollm2", log=sqlite_store)
    request = req("Is a PIN secret? Answer as JSON.", json_schema=SCHEMA)
    request.params.max_tokens = 80
    data = model.complete_json(request)
    assert isinstance(data["answer"], str) and 1 <= data["confidence"] <= 5


def test_least_busy_endpoint_gets_the_request(model_server):
    # Two endpoints; while one is held busy by a slow call the other gets the work.
    spec = parse_model(f"openai:{model_server},{model_server}/#m")
    backend = OpenAIBackend(spec, concurrency=4)
    first, second = backend.urls[0], backend.urls[1]
    backend._busy[first] = 1  # as if a request were in flight there
    seen: list[str] = []
    original = backend._post

    def spy(url, request):
        seen.append(url)
        return original(url, request)

    backend._post = spy  # type: ignore[method-assign]
    backend.complete(req("Hi"))
    assert seen == [second]
    assert backend.in_flight() == {first: 1, second: 0} or backend.in_flight() == {first: 1}


def test_unreachable_server_fails_clearly_after_retries(sqlite_store):
    model = Model(
        OpenAIBackend(parse_model(f"openai:http://127.0.0.1:{free_port()}/v1#m"), timeout=2),
        sqlite_store,
        retries=1,
        backoff=0.01,
    )
    with pytest.raises(ModelUnavailableError, match="failed after 2 tries"):
        model.complete(req("Hi"))


def test_http_500_is_retried_then_reported(sqlite_store):
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(500, text="internal error")

    backend = OpenAIBackend(
        parse_model("openai:http://fake/v1#m"), transport=httpx.MockTransport(handler)
    )
    with pytest.raises(ModelUnavailableError, match="HTTP 500"):
        Model(backend, sqlite_store, retries=2, backoff=0.01).complete(req("Hi"))
    assert calls["n"] == 3


def test_timeout_is_transient(sqlite_store):
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    backend = OpenAIBackend(
        parse_model("openai:http://fake/v1#m"), transport=httpx.MockTransport(handler)
    )
    with pytest.raises(ModelUnavailableError, match="ReadTimeout"):
        Model(backend, sqlite_store, retries=1, backoff=0.01).complete(req("Hi"))


def test_concurrency_limit_is_respected():
    active, peak, lock = [0], [0], threading.Lock()
    gate = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        gate.wait(0.2)
        with lock:
            active[0] -= 1
        return httpx.Response(
            200, json={"choices": [{"message": {"content": "x"}, "finish_reason": "stop"}]}
        )

    backend = OpenAIBackend(
        parse_model("openai:http://fake/v1#m"),
        concurrency=2,
        transport=httpx.MockTransport(handler),
    )
    threads = [threading.Thread(target=backend.complete, args=(req("Hi"),)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2
