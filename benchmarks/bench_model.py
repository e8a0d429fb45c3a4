"""Overhead of coalign's Model (cache lookup, call logging, schema checks) over bare llama-cpp.

Runs the same 50 prompts with the same sampling settings three ways on the same loaded model,
interleaved prompt by prompt so drift in machine load hits all three alike:

* ``direct``        : ``Llama.create_chat_completion`` as a user would call it;
* ``direct+reset``  : the same with ``Llama.reset()`` first, which coalign does for reproducibility;
* ``coalign``       : ``Model.complete`` logging every call to a fresh SQLite store.

Prints completions/s, tokens/s and the ratio of wall times (goal: coalign / direct ≤ 1.05).
Usage: ``python benchmarks/bench_model.py [--prompts 50] [--max-tokens 48]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.llm import load_model
from coalign.store import open_store

TOPICS = [
    "savings",
    "credit cards",
    "mortgages",
    "fraud",
    "overdrafts",
    "student loans",
    "pensions",
    "currency exchange",
    "budgeting",
    "online banking",
]
FORMS = [
    "Explain {t} to a new customer in two sentences.",
    "What is one risk of {t}?",
    "Give a tip about {t}.",
    "Write a question a customer could ask about {t}.",
    "Summarise why {t} matter to a small business.",
]


def prompts(n: int) -> list[str]:
    """``n`` distinct prompts (topic × form)."""
    return [
        FORMS[i % len(FORMS)].format(t=TOPICS[(i // len(FORMS)) % len(TOPICS)]) + f" ({i})"
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=50)
    parser.add_argument("--max-tokens", type=int, default=48)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, open_store(str(Path(tmp) / "bench.db")) as store:
        model = load_model(None, log=store)
        llama = model.backend.llama  # the very same loaded model
        params = SamplingParams(temperature=0.7, top_p=0.95, max_tokens=args.max_tokens, seed=1)
        texts = prompts(args.prompts)
        times = {"direct": 0.0, "direct+reset": 0.0, "coalign": 0.0}
        tokens = dict.fromkeys(times, 0)

        def direct(text: str, reset: bool) -> int:
            if reset:
                llama.reset()
            out = llama.create_chat_completion(
                messages=[{"role": "user", "content": text}],
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                seed=params.seed,
            )
            return out["usage"]["completion_tokens"]

        def through_model(text: str) -> int:
            request = ChatRequest(messages=[Message(role="user", content=text)], params=params)
            return model.complete(request, purpose="bench").completion_tokens or 0

        direct("warm up", False)
        for text in texts:
            for name, call in (
                ("direct", lambda t=text: direct(t, False)),
                ("direct+reset", lambda t=text: direct(t, True)),
                ("coalign", lambda t=text: through_model(t)),
            ):
                started = time.perf_counter()
                tokens[name] += call()
                times[name] += time.perf_counter() - started

    print(
        f"model: {model.model_id}, {model.backend.threads} threads, {args.prompts} prompts, "
        f"max_tokens={args.max_tokens}"
    )
    for name in times:
        print(
            f"{name:>13}: {times[name]:7.2f} s  {args.prompts / times[name]:6.2f} completions/s  "
            f"{tokens[name] / times[name]:7.1f} tokens/s"
        )
    print(f"ratio coalign / direct       = {times['coalign'] / times['direct']:.3f} (goal <= 1.05)")
    print(f"ratio coalign / direct+reset = {times['coalign'] / times['direct+reset']:.3f}")


if __name__ == "__main__":
    main()
