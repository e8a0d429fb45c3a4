"""The embedded backend reuses the shared prompt prefix in whole blocks, and stays reproducible."""

from __future__ import annotations

import pytest

from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.llm import load_model
from coalign.llm.backends.llama_cpp import PREFIX_BLOCK

pytestmark = pytest.mark.model

SHARED = " ".join(f"Rule {n}: answer bank customers politely and precisely." for n in range(26))
ASKS = ["Name a savings product.", "Name a card fee.", "Name a loan risk."]


def request(ask: str, seed: int) -> ChatRequest:
    return ChatRequest(
        messages=[Message(role="user", content=f"{SHARED}\n\n{ask}")],
        params=SamplingParams(temperature=0.9, max_tokens=16, seed=seed),
    )


def test_same_request_same_text_whatever_ran_before_and_the_prefix_is_reused(monkeypatch):
    model = load_model(None, cache=False)
    llama = model.backend.llama
    evaluated: list[int] = []
    evaluate = llama.eval
    monkeypatch.setattr(
        llama, "eval", lambda tokens: (evaluated.append(len(tokens)), evaluate(tokens))[1]
    )

    def texts(order: list[int]) -> dict[int, str]:
        return {i: model.complete(request(ASKS[i], seed=i)).text for i in order}

    forward = texts([0, 1, 2])
    llama.reset()
    evaluated.clear()
    backward = texts([2, 1, 0])
    prompts = [n for n in evaluated if n > 1]  # decoding evaluates one token at a time
    alone = {}
    for i in range(3):
        llama.reset()
        alone.update(texts([i]))
    assert forward == backward == alone
    prompt_tokens = len(llama.tokenize(SHARED.encode()))
    assert prompt_tokens > 2 * PREFIX_BLOCK
    # the first call of the backward pass evaluates its whole prompt, the later ones only what
    # follows the whole blocks they share with it
    assert len(prompts) == 3 and prompts[0] >= prompt_tokens
    assert all(n < prompts[0] - PREFIX_BLOCK for n in prompts[1:])
