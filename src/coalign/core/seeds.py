"""Seeds written by people in seed workshops: seed questions and seed examples."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coalign.core.ids import stable_id

SeedStatus = Literal["proposed", "accepted", "rejected"]


class SeedQuestion(BaseModel):
    """A question (or instruction) written for a topic × question type cell.

    Attributes:
        text: the question as a user would ask it; may contain ``{slot}`` entities.
        topic: name of a study topic.
        question_type: name of a study question type.
        author: pseudonymous author id or name.
        group: breakout group that wrote it.
        status: moderator decision; ``reason`` says why.
    """

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    text: str = Field(min_length=1)
    topic: str = Field(min_length=1)
    question_type: str = Field(min_length=1)
    author: str | None = None
    group: str | None = None
    status: SeedStatus = "accepted"
    reason: str | None = None

    def with_id(self, study_slug: str) -> SeedQuestion:
        """A copy whose id is derived from the study and the question's content."""
        if self.id:
            return self
        return self.model_copy(
            update={"id": stable_id("sq", study_slug, self.text, self.topic, self.question_type)}
        )


class SeedExample(BaseModel):
    """A question with a misaligned response, a critique naming the violated value, and a rewrite.

    Attributes:
        dimensions: the value dimension(s) the misaligned response violates.
        llm_assisted: True when the writer started from a model draft.
    """

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    question: str = Field(min_length=1)
    misaligned_response: str = Field(min_length=1)
    critique: str = Field(min_length=1)
    aligned_response: str = Field(min_length=1)
    dimensions: list[str] = Field(min_length=1)
    topic: str | None = None
    question_type: str | None = None
    author: str | None = None
    group: str | None = None
    llm_assisted: bool = False
    status: SeedStatus = "accepted"
    reason: str | None = None

    def with_id(self, study_slug: str) -> SeedExample:
        """A copy whose id is derived from the study and the example's content."""
        if self.id:
            return self
        return self.model_copy(
            update={
                "id": stable_id(
                    "se", study_slug, self.question, self.misaligned_response, self.dimensions
                )
            }
        )
