"""Stopping a generation: the embedded model and a real OpenAI-compatible server stop between
tokens, the text so far comes back marked stopped, is logged as stopped and never cached, and
the model answers the next request whole."""

from __future__ import annotations

import threading

from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.llm import Model, load_model
from coalign.store import Store
from coalign.store.calls import recent_calls
from tests.coconstruct.helpers import CannedBackend, model

STORY = [Message(role="user", content="Tell me a long story about a lighthouse keeper.")]
LONG = SamplingParams(temperature=0.8, max_tokens=2000, seed=3)


class StopAfter(threading.Event):
    """A stop signal that sets itself once it has been checked ``checks`` times.

    Backends check their stop signal once per generated token (or streamed chunk), so this
    stops after a known number of tokens, whatever the machine's speed (a click after some
    seconds would not).
    """

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.left = checks

    def is_set(self) -> bool:
        self.left -= 1
        if self.left <= 0:
            self.set()
        return super().is_set()


def _stopped_then_whole(llm: Model, store: Store) -> None:
    request = ChatRequest(messages=STORY, params=LONG)
    stopped = llm.complete(request, purpose="story", stop=StopAfter(8))
    assert stopped.stopped and not stopped.truncated
    assert stopped.text and stopped.completion_tokens is not None
    assert stopped.completion_tokens <= 8
    (call,) = recent_calls(store, 1)
    assert call.finish_reason == "stopped" and call.error and call.error.startswith("stopped")
    # never answered from the cache: the same request runs again, and runs to its end
    short = ChatRequest(messages=STORY, params=LONG.model_copy(update={"max_tokens": 12}))
    whole = llm.complete(short, purpose="story", stop=threading.Event())
    assert whole.truncated and not whole.stopped
    again = llm.complete(request, purpose="story", stop=StopAfter(8))
    assert again.stopped and recent_calls(store, 1)[0].cache_hit is False


def test_the_embedded_model_stops_between_tokens(sqlite_store: Store) -> None:
    _stopped_then_whole(model(sqlite_store), sqlite_store)


def test_a_real_server_stops_when_the_connection_closes(
    model_server: str, sqlite_store: Store
) -> None:
    llm = load_model(f"openai:{model_server}#smollm2", log=sqlite_store)
    _stopped_then_whole(llm, sqlite_store)


def test_structured_requests_and_other_backends_finish_their_request(sqlite_store: Store) -> None:
    done = threading.Event()
    done.set()
    schema = {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
    }
    request = ChatRequest(
        messages=[Message(role="user", content="Is water wet? Answer in JSON.")],
        params=SamplingParams(temperature=0.0, max_tokens=24, seed=0),
        json_schema=schema,
    )
    answer = model(sqlite_store).complete(request, stop=done)  # never cut halfway
    assert not answer.stopped and answer.text.startswith("{")
    canned = Model(CannedBackend("All of it."), sqlite_store, cache=False)
    assert canned.complete(ChatRequest(messages=STORY), stop=done).text == "All of it."
