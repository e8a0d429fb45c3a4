"""Generation runs, their records with full lineage, and verdicts about records."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from coalign.core.calls import SamplingParams

ParseStatus = Literal["ok", "failed", "truncated"]
RunStatus = Literal["planned", "running", "paused", "failed", "done"]


class GenerationRun(BaseModel):
    """One execution of a recipe; the recipe is stored with it (DESIGN principle 6)."""

    id: str
    study_slug: str
    recipe_name: str
    recipe: dict[str, Any]
    model_id: str
    seed: int
    status: RunStatus = "planned"
    status_reason: str | None = None
    planned: dict[str, int] = Field(default_factory=dict)
    created_at: datetime | None = None
    finished_at: datetime | None = None


class Record(BaseModel):
    """One generated artefact with everything needed to trace and reproduce it.

    Attributes:
        parents: ids of the records this one was generated from (e.g. the stage-1 question).
        example_ids: ids of the seed questions / seed examples shown in-context.
        data: the parsed output (``question``, ``misaligned_response`` …); empty when parsing failed.
        raw_output: exactly what the model returned.
        attributes: recipe-level conditions such as topic, question_type, dimension, persona.
    """

    id: str
    run_id: str
    stage: str
    parents: list[str] = Field(default_factory=list)
    example_ids: list[str] = Field(default_factory=list)
    template_name: str
    template_hash: str
    prompt: str
    model_id: str
    params: SamplingParams
    seed: int
    attributes: dict[str, Any] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)
    raw_output: str = ""
    parse_status: ParseStatus = "ok"
    parse_error: str | None = None
    created_at: datetime | None = None


class Verdict(BaseModel):
    """A judgement about a record by a rule, a judge or a person; nothing is ever deleted."""

    record_id: str
    rule: str
    passed: bool
    score: float | None = None
    reason: str = ""
    judge: str | None = None
    created_at: datetime | None = None
