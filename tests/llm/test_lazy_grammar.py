"""Grammar-constrained output through the lazy grammar sampler: always valid, reproducible (real model)."""

from __future__ import annotations

import json

import pytest

from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.llm import load_model

pytestmark = pytest.mark.model

# Tokens the model would hardly propose on its own, so the grammar's full pass must step in.
STRICT = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": ["zqx-accept", "zqx-reject"]},
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "note": {"type": "string", "minLength": 3},
    },
    "required": ["verdict", "score", "note"],
    "additionalProperties": False,
}


def ask(model, seed: int, temperature: float) -> str:
    request = ChatRequest(
        messages=[Message(role="user", content="Tell me a story about a dragon.")],
        params=SamplingParams(temperature=temperature, max_tokens=160, seed=seed),
        json_schema=STRICT,
    )
    return model.backend.complete(request).text


@pytest.mark.parametrize("temperature", [0.0, 0.9])
def test_output_always_follows_the_grammar_even_against_the_models_wishes(temperature):
    model = load_model(None, cache=False)
    for seed in range(4):
        text = ask(model, seed, temperature)
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            # only a cut at max_tokens may leave JSON open, and then it is a prefix of valid JSON
            assert len(text) > 20 and text.startswith('{"verdict": "zqx-')
            continue
        # the grammar holds the shape, the keys and the enum (llama.cpp's schema converter does not
        # bound integers: Model's schema check catches that, see test_model)
        assert set(value) == {"verdict", "score", "note"}
        assert value["verdict"] in {"zqx-accept", "zqx-reject"} and isinstance(value["score"], int)
        assert len(value["note"]) >= 3


def test_same_seed_same_output():
    model = load_model(None, cache=False)
    assert ask(model, 7, 0.9) == ask(model, 7, 0.9)
