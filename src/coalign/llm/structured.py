"""Structured output with re-asks: one JSON call, asked again with new seeds until it parses.

Used wherever a stage needs an object from the model and must keep what it got when the object
never came: generation stages, the workshop's drafts, the steered chat's repairs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.core.errors import ModelOutputError, TruncatedOutputError
from coalign.core.ids import derive_seed
from coalign.core.records import ParseStatus
from coalign.llm.model import Model


@dataclass
class Outcome:
    """What one (possibly re-asked) call gave.

    The parsed object, or the raw text and why it failed.
    """

    data: dict[str, Any] | None
    raw: str
    error: str | None
    attempts: int
    seed: int | None = None
    status: ParseStatus = "ok"


def call_json(
    model: Model,
    prompt: str,
    schema: dict[str, Any],
    params: SamplingParams,
    reask: int,
    purpose: str,
) -> Outcome:
    """One JSON call, re-asked up to ``reask`` times with derived seeds until the output parses.

    Only parse failures are handled here (output cut off at ``max_tokens`` is one of them, with
    status ``truncated``); an unreachable model raises and stops the run.
    """
    raw, error = "", None
    status: ParseStatus = "ok"
    for attempt in range(reask + 1):
        seed = params.seed if attempt == 0 else derive_seed(params.seed or 0, "reask", attempt)
        request = ChatRequest(
            messages=[Message(role="user", content=prompt)],
            params=params.model_copy(update={"seed": seed}),
            json_schema=schema,
        )
        try:
            raw = model.complete(request, purpose=purpose).text
            return Outcome(json.loads(raw), raw, None, attempt + 1, seed)
        except ModelOutputError as exc:
            raw, error = exc.raw_output, str(exc)
            status = "truncated" if isinstance(exc, TruncatedOutputError) else "failed"
    return Outcome(None, raw, error, reask + 1, seed, status)
