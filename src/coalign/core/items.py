"""Prompt–response items and the ratings people give them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Item(BaseModel):
    """A prompt–response pair to be rated, with where it came from.

    Attributes:
        context: the deployment context or intervention the response was produced under.
        source: where it came from, e.g. ``run:run_ab12/record:rec_cd34`` or ``import:file.csv``.
    """

    id: str
    study_slug: str
    prompt: str
    response: str
    context: str | None = None
    source: str | None = None
    language: str = "en"


class Rating(BaseModel):
    """One person's rating of one item on one value dimension; kept per person, never averaged away."""

    item_id: str
    participant_id: str
    dimension: str
    value: int = Field(ge=1, le=10)
    seconds_taken: float | None = Field(default=None, ge=0)
    created_at: datetime | None = None
