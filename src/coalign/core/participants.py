"""People taking part: participants and their self-identified demographic answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["participant", "facilitator", "admin"]
PREFER_NOT_TO_SAY = "prefer not to say"


class Participant(BaseModel):
    """A pseudonymous person in a study; the access token itself is never kept, only its hash."""

    id: str
    study_slug: str
    role: Role = "participant"
    external_ids: dict[str, str] = Field(default_factory=dict)
    consented_at: datetime | None = None
    language: str = "en"


class DemographicAnswer(BaseModel):
    """One self-identified answer; ``prefer not to say`` is a value, never a missing row."""

    participant_id: str
    question: str
    answer: str
    self_description: str | None = None
