"""People taking part: their self-identified demographic answers."""

from __future__ import annotations

from pydantic import BaseModel

PREFER_NOT_TO_SAY = "prefer not to say"


class DemographicAnswer(BaseModel):
    """One self-identified answer; ``prefer not to say`` is a value, never a missing row."""

    participant_id: str
    question: str
    answer: str
    self_description: str | None = None
