"""What participants make in co-construction: diary entries, turns, codes, axes, alignment goals.

Inputs are validated here (lengths, required fields) so every door refuses the same bad input
with the same message; text is kept exactly as typed and escaped only where it is shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TEXT = 5000
MAX_CODE = 200
MAX_NAME = 120

TurnRole = Literal["user", "assistant"]


def _stripped(value: str) -> str:
    return value.strip() if isinstance(value, str) else value


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DiaryEntryInput(_Input):
    """What a participant writes about one response that did not fit.

    Attributes:
        goal: what they were trying to do.
        prompt: what they asked the model.
        response: the response that did not fit.
        action: what they did about it.
        outcome: how it ended.
        values_at_stake: the values they felt were at stake, in their own words.
    """

    goal: str = Field(min_length=1, max_length=MAX_TEXT)
    prompt: str = Field(min_length=1, max_length=MAX_TEXT)
    response: str = Field(min_length=1, max_length=MAX_TEXT)
    action: str = Field("", max_length=MAX_TEXT)
    outcome: str = Field("", max_length=MAX_TEXT)
    values_at_stake: str = Field("", max_length=MAX_TEXT)


class DiaryEntry(DiaryEntryInput):
    """A stored entry, with its author and the seeds it was promoted to (if any)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    participant_id: str
    image_type: str | None = None
    seed_question_id: str | None = None
    seed_example_id: str | None = None
    created_at: datetime
    updated_at: datetime


class Turn(BaseModel):
    """One message of a conversation; ``request_hash`` names the logged model call behind it."""

    id: int
    conversation_id: int
    position: int
    role: TurnRole
    content: str
    request_hash: str | None = None
    truncated: bool = False


class Conversation(BaseModel):
    """A conversation with the study's model; baseline ones are shared by every participant."""

    id: int
    title: str
    baseline: bool
    participant_id: str | None
    system_prompt: str
    model_id: str
    turns: list[Turn] = Field(default_factory=list)


class CodeInput(_Input):
    """A code on a model turn; with ``span_start``/``span_end`` it marks a span of the turn."""

    turn_id: int
    text: str = Field(min_length=1, max_length=MAX_CODE)
    span_start: int | None = Field(None, ge=0)
    span_end: int | None = Field(None, ge=0)


class Code(BaseModel):
    """A stored code with its turn's text, its author and (if grouped) the author's cluster."""

    id: int
    participant_id: str
    turn_id: int
    text: str
    span_start: int | None = None
    span_end: int | None = None
    quote: str | None = None
    cluster_id: int | None = None
    cluster: str | None = None
    turn_text: str = ""


class AttributeInput(_Input):
    """One of a participant's top attributes, named and defined before the discussion."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    definition: str = Field("", max_length=MAX_TEXT)


class AxisInput(_Input):
    """An axis the group agreed on: a name, a definition, and the turns that show it."""

    name: str = Field(min_length=1, max_length=80)
    definition: str = Field(min_length=1, max_length=MAX_TEXT)
    example_turn_ids: list[int] = Field(default_factory=list)
    attribute_ids: list[int] = Field(default_factory=list)


class Axis(BaseModel):
    """A stored axis with the text of its example turns."""

    id: int
    group_id: int
    name: str
    definition: str
    example_turn_ids: list[int]
    examples: list[str] = Field(default_factory=list)
    position: int = 0


class AlignmentGoal(_Input):
    """ "We want an LLM that lets us, as ``who``, ``what``, by supporting interactions characterised by ``how``."""

    who: str = Field(min_length=1, max_length=MAX_NAME * 2)
    what: str = Field(min_length=1, max_length=MAX_TEXT)
    how: str = Field(min_length=1, max_length=MAX_TEXT)

    @field_validator("who", "what", "how", mode="before")
    @classmethod
    def _strip_punctuation(cls, value: str) -> str:
        return _stripped(value).rstrip(",.;") if isinstance(value, str) else value

    def sentence(self) -> str:
        """The goal as one sentence."""
        return (
            f"We want an LLM that lets us, as {self.who}, {self.what}, "
            f"by supporting interactions characterised by {self.how}."
        )
