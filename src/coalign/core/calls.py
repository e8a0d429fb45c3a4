"""What goes into and comes out of one model call, and the record of it kept in the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from coalign.core.ids import content_hash

Role = Literal["system", "user", "assistant"]


def generation_purpose(run_id: str, *steps: str) -> str:
    """The purpose logged with a generation run's model calls, ``synth:RUN:stage[:field]``; with
    no steps, the prefix every call of the run shares (``synth:RUN:``)."""
    return ":".join(("synth", run_id, *steps)) + ("" if steps else ":")


class Message(BaseModel):
    """One chat message."""

    role: Role
    content: str


class SamplingParams(BaseModel):
    """Sampling settings sent with a request; recorded with every call and every record."""

    temperature: float = Field(0.7, ge=0.0, le=2.0)
    top_p: float = Field(0.95, gt=0.0, le=1.0)
    max_tokens: int = Field(256, ge=1, le=32768)
    seed: int | None = None


class ChatRequest(BaseModel):
    """A full request: messages, sampling, and an optional JSON schema the output must follow."""

    messages: list[Message]
    params: SamplingParams = Field(default_factory=SamplingParams)
    json_schema: dict[str, Any] | None = None

    def cache_key(self, model_id: str) -> str:
        """Hash of everything that determines the answer, including which model is asked."""
        return content_hash({"model": model_id, "request": self.model_dump(mode="json")})


class Completion(BaseModel):
    """What a backend returns for one request."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None

    @property
    def truncated(self) -> bool:
        """Whether generation stopped at ``max_tokens`` rather than where the model ended it."""
        return self.finish_reason == "length"

    @property
    def stopped(self) -> bool:
        """Whether the caller stopped generation early; ``text`` is what came until then."""
        return self.finish_reason == STOPPED


#: The finish reason of a completion the caller stopped (see ``Model.complete``'s ``stop``).
STOPPED = "stopped"


class ModelCall(BaseModel):
    """The log entry for one call through :class:`coalign.llm.Model`, cached or not."""

    model_id: str
    backend: str
    request_hash: str
    messages: list[Message]
    params: SamplingParams
    json_schema: dict[str, Any] | None = None
    response: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float = 0.0
    cache_hit: bool = False
    error: str | None = None
    attempts: int = 1
    purpose: str | None = None
    finish_reason: str | None = None
    created_at: datetime | None = None


class CallLog(Protocol):
    """Where :class:`coalign.llm.Model` looks up cached answers and logs every call.

    The store implements it; ``None`` in its place means no cache and no log.
    """

    def cached_completion(self, request_hash: str) -> Completion | None:
        """The completion of an earlier successful, uncached call with this hash, if any."""
        ...

    def log_call(self, call: ModelCall) -> None:
        """Persist one call."""
        ...
