"""A validation pass: one run of filters, a judge or a human review over a generation run."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ValidationKind = Literal["filters", "judge", "review"]


class ValidationPass(BaseModel):
    """What one pass did, stored with the run so its verdicts can be traced and rebuilt.

    Attributes:
        config: the filters (name, rule, options) or the judge's rubric, as run.
        judge_model: the model string of an LLM judge, if one was used.
        warnings: things a reader of the results must know (e.g. the judge is the generator).
        summary: verdict counts per rule, failures, errors of filters that could not run.
    """

    id: str
    run_id: str
    kind: ValidationKind
    config: dict[str, Any] = Field(default_factory=dict)
    judge_model: str | None = None
    warnings: list[str] = Field(default_factory=list)
    summary: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
