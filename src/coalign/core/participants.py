"""People taking part: their self-identified demographic answers."""

from __future__ import annotations

from pydantic import BaseModel

PREFER_NOT_TO_SAY = "prefer not to say"
#: Ways other tools and data sets write "prefer not to say" (compared lower-cased, trimmed).
PREFER_NOT_TO_SAY_VARIANTS = frozenset(
    {
        PREFER_NOT_TO_SAY,
        "prefer_not_to_say",
        "prefer-not-to-say",
        "rather not say",
        "prefer not to answer",
    }
)


class DemographicAnswer(BaseModel):
    """One self-identified answer; ``prefer not to say`` is a value, never a missing row."""

    participant_id: str
    question: str
    answer: str
    self_description: str | None = None


def normalise_answer(answer: str) -> str:
    """``answer`` trimmed, with every spelling of "prefer not to say" made :data:`PREFER_NOT_TO_SAY`.

    Any other answer is kept as given (case included): it is the person's own word.
    """
    answer = answer.strip()
    return PREFER_NOT_TO_SAY if answer.lower() in PREFER_NOT_TO_SAY_VARIANTS else answer
