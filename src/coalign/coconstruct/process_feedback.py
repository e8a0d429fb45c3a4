"""A short survey on the process, once per participant and phase of a study.

After a phase (getting to know the assistant, chatting with it, the diary, coding, the group
discussion) a participant rates five statements on a 1–5 agreement scale and may answer two
open questions. Each participant answers once per phase; the facilitator sees, per phase, how
many answered, the spread and mean of each statement, and the open answers.

The texts here are English; the pages show them through the German catalogue like every other
string (each text is a catalogue entry).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from statistics import mean
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from coalign.core.errors import ConflictError, InputError
from coalign.participation.members import member
from coalign.store import Store
from coalign.store.process_feedback import (
    add_process_feedback,
    process_feedback_of,
    study_process_feedback_rows,
)
from coalign.store.studies import study_row

#: The phases a participant can give feedback on: key → name shown.
FEEDBACK_PHASES: dict[str, str] = {
    "familiarize": "Getting to know the assistant",
    "interact": "Chatting with the assistant",
    "diary": "Keeping the misalignment diary",
    "reflect": "Coding and clustering what you saw",
    "discuss": "The group discussion",
}
#: The longest open answer kept.
MAX_COMMENT = 2000


class FeedbackQuestion(BaseModel):
    """One question of the survey: a statement rated 1–5, or an open question."""

    key: str
    text: str
    kind: Literal["likert", "open"]


QUESTIONS: tuple[FeedbackQuestion, ...] = (
    FeedbackQuestion(
        key="understood", text="I understood what this phase asked of me.", kind="likert"
    ),
    FeedbackQuestion(key="heard", text="I felt that my views counted.", kind="likert"),
    FeedbackQuestion(key="free", text="I felt free to say what I really think.", kind="likert"),
    FeedbackQuestion(key="time", text="There was enough time for this phase.", kind="likert"),
    FeedbackQuestion(key="worthwhile", text="This phase was worth my time.", kind="likert"),
    FeedbackQuestion(key="went_well", text="What went well in this phase?", kind="open"),
    FeedbackQuestion(key="change", text="What would you change about this phase?", kind="open"),
)
#: The answer scale, 1 to 5.
SCALE = (
    "strongly disagree",
    "disagree",
    "neither agree nor disagree",
    "agree",
    "strongly agree",
)


class ProcessFeedback(BaseModel):
    """A participant's stored feedback on one phase."""

    id: int
    participant_id: str
    phase: str
    answers: dict[str, int]
    comments: dict[str, str]
    submitted_at: datetime


class StatementSummary(BaseModel):
    """One statement over a phase's answers: counts per point of the scale, and the mean."""

    key: str
    text: str
    counts: dict[int, int]
    mean: float | None


class PhaseFeedback(BaseModel):
    """What the participants said about one phase."""

    phase: str
    name: str
    answered: int
    statements: list[StatementSummary] = Field(default_factory=list)
    comments: list[tuple[str, str, str]] = Field(
        default_factory=list, description="(participant id, question key, answer)"
    )


def phases_answered(store: Store, participant_id: str) -> list[str]:
    """The phases the participant has given feedback on."""
    with store.read() as session:
        member(session, participant_id)
        return [row.phase for row in process_feedback_of(session, participant_id)]


def submit_process_feedback(
    store: Store, participant_id: str, phase: str, fields: Mapping[str, str]
) -> ProcessFeedback:
    """Store the participant's feedback on ``phase``: every statement rated 1–5 (``fields[key]``),
    the open questions optional.

    Raises:
        InputError: an unknown phase, a statement unrated or rated outside 1–5, an open answer
            longer than :data:`MAX_COMMENT` characters.
        ConflictError: the participant gave feedback on this phase already.
        AccessDeniedError: no such participant, or not consented.
    """
    if phase not in FEEDBACK_PHASES:
        raise InputError(f"choose the phase you give feedback on (not {phase[:40]!r})")
    answers: dict[str, int] = {}
    comments: dict[str, str] = {}
    for question in QUESTIONS:
        raw = str(fields.get(question.key, "")).strip()
        if question.kind == "open":
            if len(raw) > MAX_COMMENT:
                raise InputError(f"{question.key}: keep the answer under {MAX_COMMENT} characters")
            if raw:
                comments[question.key] = raw
            continue
        if not raw:
            raise InputError(f"{question.key}: choose a point from 1 to 5")
        if raw not in {"1", "2", "3", "4", "5"}:
            raise InputError(f"{question.key}: {raw[:10]!r} is not a point from 1 to 5")
        answers[question.key] = int(raw)
    try:
        with store.session() as session:
            person = member(session, participant_id)
            row = add_process_feedback(
                session, person.study_id, participant_id, phase, answers, comments
            )
            return ProcessFeedback.model_validate(row, from_attributes=True)
    except IntegrityError as exc:
        raise ConflictError("you have given feedback on this phase already") from exc


def study_process_feedback(store: Store, slug: str) -> list[ProcessFeedback]:
    """Every participant's feedback in study ``slug``, oldest first (for export)."""
    with store.read() as session:
        rows = study_process_feedback_rows(session, study_row(session, slug).id)
        return [ProcessFeedback.model_validate(row, from_attributes=True) for row in rows]


def feedback_summary(store: Store, slug: str) -> list[PhaseFeedback]:
    """Per phase (in :data:`FEEDBACK_PHASES` order, only those answered): how many answered,
    each statement's counts per point and mean, and the open answers."""
    given = study_process_feedback(store, slug)
    out = []
    for phase, name in FEEDBACK_PHASES.items():
        answers = [f for f in given if f.phase == phase]
        if not answers:
            continue
        summary = PhaseFeedback(phase=phase, name=name, answered=len(answers))
        for question in QUESTIONS:
            if question.kind == "likert":
                points = [f.answers[question.key] for f in answers if question.key in f.answers]
                summary.statements.append(
                    StatementSummary(
                        key=question.key,
                        text=question.text,
                        counts={p: points.count(p) for p in range(1, 6)},
                        mean=round(mean(points), 2) if points else None,
                    )
                )
            else:
                summary.comments += [
                    (f.participant_id, question.key, f.comments[question.key])
                    for f in answers
                    if question.key in f.comments
                ]
        out.append(summary)
    return out
