"""Model on the real embedded llama.cpp model: logging, cache, seeds, schemas, retries."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coalign.core.calls import ChatRequest, Completion, Message, SamplingParams
from coalign.core.errors import InputError, ModelOutputError, ModelUnavailableError
from coalign.llm import Model, embedded_models, load_model, parse_model
from coalign.llm.backends.base import TransientModelError
from coalign.store.tables import ModelCallRow

pytestmark = pytest.mark.model

QUESTION_SCHEMA = {
    "type": "object",
    "properties": {"question": {"type": "string", "minLength": 5}, "topic": {"type": "string"}},
    "required": ["question", "topic"],
    "additionalProperties": False,
}


def request(text: str, seed: int = 11, **kw) -> ChatRequest:
    return ChatRequest(
        messages=[Message(role="user", content=text)],
        params=SamplingParams(temperature=0.8, max_tokens=32, seed=seed),
        **kw,
    )


def logged(store) -> list[ModelCallRow]:
    with store.read() as session:
        return list(session.scalars(select(ModelCallRow).order_by(ModelCallRow.id)))


def test_embedded_model_is_shipped():
    (info,) = embedded_models()
    assert info.available and info.model_id == "llama-cpp:smollm2-135m"


def test_same_request_twice_is_a_cache_hit_and_both_are_logged(sqlite_store):
    model = load_model(None, log=sqlite_store)
    first = model.complete(request("Name one kind of bank account."))
    second = model.complete(request("Name one kind of bank account."))
    assert first.text and second.text == first.text
    rows = logged(sqlite_store)
    assert [r.cache_hit for r in rows] == [False, True]
    assert rows[0].model_id == "llama-cpp:smollm2-135m" and rows[0].backend == "llama-cpp"
    assert rows[0].completion_tokens and rows[0].prompt_tokens
    assert rows[0].messages == [{"role": "user", "content": "Name one kind of bank account."}]
    assert rows[0].params["seed"] == 11


def test_fixed_seed_gives_identical_output_without_cache(sqlite_store):
    model = load_model(None, log=sqlite_store, cache=False)
    texts = {
        model.complete(request("Write a short sentence about money.", seed=5)).text
        for _ in range(2)
    }
    assert len(texts) == 1
    assert all(not r.cache_hit for r in logged(sqlite_store))


def test_different_seeds_are_different_requests(sqlite_store):
    model = load_model(None, log=sqlite_store)
    model.complete(request("Say something about loans.", seed=1))
    model.complete(request("Say something about loans.", seed=2))
    assert [r.cache_hit for r in logged(sqlite_store)] == [False, False]


def test_json_schema_constrains_output(sqlite_store):
    model = load_model(None, log=sqlite_store)
    req = request(
        "Write a question a bank customer might ask, as JSON.", json_schema=QUESTION_SCHEMA
    )
    req.params.max_tokens = 120
    data = model.complete_json(req)
    assert set(data) == {"question", "topic"} and len(data["question"]) >= 5
    assert logged(sqlite_store)[0].json_schema == QUESTION_SCHEMA


class FlakyBackend:
    """A backend that fails in ways the real one cannot be made to on demand."""

    name = "fake"
    model_id = "fake:flaky"

    def __init__(self, failures: int, text: str = "ok") -> None:
        self.failures, self.text, self.calls = failures, text, 0

    def complete(self, request: ChatRequest) -> Completion:
        self.calls += 1
        if self.calls <= self.failures:
            raise TransientModelError("HTTP 500")
        return Completion(text=self.text)


def test_transient_failures_are_retried_and_logged(sqlite_store):
    backend = FlakyBackend(failures=2)
    model = Model(backend, sqlite_store, retries=3, backoff=0.01)
    assert model.complete(request("x")).text == "ok"
    (row,) = logged(sqlite_store)
    assert row.attempts == 3 and row.error is None


def test_persistent_failure_is_one_clear_error_and_logged(sqlite_store):
    model = Model(FlakyBackend(failures=99), sqlite_store, retries=2, backoff=0.01)
    with pytest.raises(ModelUnavailableError, match="failed after 3 tries: HTTP 500"):
        model.complete(request("x"))
    (row,) = logged(sqlite_store)
    assert row.error == "HTTP 500" and row.response is None


def test_schema_violation_keeps_raw_output_and_is_not_cached(sqlite_store):
    model = Model(FlakyBackend(failures=0, text='{"question": 3}'), sqlite_store)
    req = request("x", json_schema=QUESTION_SCHEMA)
    with pytest.raises(ModelOutputError) as caught:
        model.complete(req)
    assert caught.value.raw_output == '{"question": 3}'
    with pytest.raises(ModelOutputError, match="not JSON"):
        Model(FlakyBackend(0, text="plain words"), sqlite_store).complete(req)
    rows = logged(sqlite_store)
    assert (
        all(r.error for r in rows) and sqlite_store.cached_completion(rows[0].request_hash) is None
    )


def test_model_strings():
    assert parse_model(None).model_id == "llama-cpp:smollm2-135m"
    spec = parse_model("openai:http://a:1/v1,http://b:2/v1/#Qwen/Qwen2.5-7B-Instruct")
    assert (
        spec.base_urls == ["http://a:1/v1", "http://b:2/v1"]
        and spec.model_name == "Qwen/Qwen2.5-7B-Instruct"
    )
    for bad in ("gpt4", "llama-cpp:", "openai:ftp://x#m", "vllm:http://x"):
        with pytest.raises(InputError):
            parse_model(bad)


def test_missing_model_file_is_clear():
    with pytest.raises(ModelUnavailableError, match="model file not found"):
        load_model("llama-cpp:/nonexistent/model.gguf")


def test_fixed_seed_is_identical_across_processes(tmp_path):
    import subprocess
    import sys

    answers = []
    for _n in range(2):
        code = (
            "from coalign.llm import load_model; from coalign.core.calls import SamplingParams;"
            "print(load_model(None).ask('Describe a loan in one sentence.',"
            " params=SamplingParams(temperature=0.9, max_tokens=40, seed=21)).text)"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        answers.append(result.stdout)
    assert answers[0] == answers[1] and answers[0].strip()
