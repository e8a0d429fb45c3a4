"""Feedback and repair on a chat answer: marks, flags that open diary entries, a mitigator pass.

* :func:`mark` records "understood / misunderstood" (kind ``understanding``) and "valid /
  invalid" (kind ``validity``); a later mark of the same kind is added, never overwriting.
* :func:`flag` says "this is misaligned": it opens a diary entry prefilled with the user's
  message and the answer, linked to the turn, for the participant to complete.
* :func:`mitigate` runs the synthesis stage's critique and aligned-rewrite templates on the
  answer for one value dimension, with the study's accepted seed examples of that dimension as
  in-context examples; the critique, rewrite and their provenance are kept with the turn.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from coalign.coconstruct.diary import new_entry
from coalign.coconstruct.interact import own_conversation
from coalign.core.calls import SamplingParams
from coalign.core.coconstruction import DiaryEntry
from coalign.core.errors import InputError, NotFoundError
from coalign.llm.model import Model
from coalign.llm.structured import call_json
from coalign.participation.members import study_row_by_id
from coalign.store import Store
from coalign.store.coconstruction import turn_by_id, turns_of
from coalign.store.coconstruction_tables import TurnRow
from coalign.store.seeds import list_seed_examples
from coalign.store.steer import add_feedback, feedback_rows_on, study_feedback_rows
from coalign.store.steer_tables import SteerFeedbackRow
from coalign.store.studies import load_study, study_row
from coalign.store.tables import StudyRow
from coalign.synth.stages import response_schema
from coalign.synth.templates import load_template

MARKS: dict[str, tuple[str, ...]] = {
    "understanding": ("understood", "misunderstood"),
    "validity": ("valid", "invalid"),
}
MITIGATOR_PARAMS = SamplingParams(temperature=0.0, max_tokens=160, seed=0)
MITIGATOR_EXAMPLES = 2
FLAG_GOAL = "(flagged as misaligned in the chat; say what you were trying to do)"


class Feedback(BaseModel):
    """One piece of feedback on an assistant turn."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    turn_id: int
    kind: Literal["understanding", "validity", "flag", "mitigation"]
    value: str
    diary_entry_id: int | None = None
    detail: dict[str, Any] = {}
    created_at: datetime


class Mitigation(BaseModel):
    """A mitigator pass: critique and aligned rewrite (``error`` set when a step did not parse)."""

    feedback_id: int
    dimension: str
    critique: str
    aligned_response: str
    example_ids: list[str]
    error: str | None = None


def _view(row: SteerFeedbackRow) -> Feedback:
    return Feedback.model_validate(row)


def _answer(session: Session, participant_id: str, turn_id: int) -> tuple[TurnRow, str, StudyRow]:
    """An assistant turn of the participant's own conversation, the message it answered, the study."""
    turn = turn_by_id(session, turn_id)
    if turn is None:
        raise NotFoundError(f"no turn {turn_id} of yours")
    try:
        row = own_conversation(session, participant_id, turn.conversation_id)
    except NotFoundError:
        raise NotFoundError(f"no turn {turn_id} of yours") from None
    if turn.role != "assistant":
        raise InputError("feedback goes on an answer of the assistant, not on your own message")
    before = [
        t for t in turns_of(session, row.id) if t.position < turn.position and t.role == "user"
    ]
    return turn, (before[-1].content if before else ""), study_row_by_id(session, row.study_id)


def mark(store: Store, participant_id: str, turn_id: int, kind: str, value: str) -> Feedback:
    """Mark an answer understood / misunderstood or valid / invalid.

    Raises:
        InputError: an unknown kind or value, or a turn that is not an answer.
        NotFoundError: no such turn of this participant.
    """
    if kind not in MARKS or value not in MARKS[kind]:
        allowed = "; ".join(f"{k}: {' / '.join(v)}" for k, v in MARKS.items())
        raise InputError(f"unknown feedback {kind}={value!r}; use {allowed}")
    with store.session() as session:
        _answer(session, participant_id, turn_id)
        return _view(add_feedback(session, turn_id, participant_id, kind, value))


def flag(store: Store, participant_id: str, turn_id: int, note: str = "") -> DiaryEntry:
    """Flag an answer as misaligned: a diary entry prefilled from the turn, linked to it.

    Args:
        note: what the participant was trying to do (the entry's goal); a placeholder naming the
            chat when empty, for the participant to complete in the diary.

    Raises:
        InputError: a turn that is not an answer, or a note that is too long.
        NotFoundError: no such turn of this participant.
    """
    with store.session() as session:  # the entry and its link to the turn, or neither
        turn, question, _ = _answer(session, participant_id, turn_id)
        fields = {
            "goal": note.strip() or FLAG_GOAL,
            "prompt": question or "(no message)",
            "response": turn.content or "(empty answer)",
        }
        entry = new_entry(session, participant_id, fields)
        add_feedback(
            session, turn_id, participant_id, "flag", "misaligned", diary_entry_id=entry.id
        )
        return entry


def mitigate(
    store: Store,
    model: Model,
    participant_id: str,
    turn_id: int,
    dimension: str,
    params: SamplingParams = MITIGATOR_PARAMS,
) -> Mitigation:
    """Critique an answer on ``dimension`` and rewrite it, few-shot from the study's seed examples.

    Uses the bundled ``critique.j2`` and ``aligned.j2`` templates (the chained synthesis steps)
    with up to two accepted seed examples of the dimension. Output that does not parse (after one
    re-ask) is kept with its raw text and reported in ``error``; nothing is raised for it.

    Raises:
        InputError: an unknown dimension, or a turn that is not an answer.
        NotFoundError: no such turn of this participant.
        ModelUnavailableError: the model cannot be reached.
    """
    with store.read() as session:
        turn, question, study_row = _answer(session, participant_id, turn_id)
        study = load_study(session, study_row.slug)
        answer = turn.content
    try:
        value = study.dimension(dimension)
    except KeyError:
        names = ", ".join(d.name for d in study.dimensions) or "none"
        raise InputError(
            f"study {study.slug!r} has no dimension {dimension!r}; it has {names}"
        ) from None
    examples = [e for e in list_seed_examples(store, study.slug) if dimension in e.dimensions][
        :MITIGATOR_EXAMPLES
    ]
    variables: dict[str, Any] = {
        "study": study,
        "dimension": value,
        "examples": examples,
        "question": question,
        "misaligned_response": answer,
        "persona": None,
        "intervention": None,
        "topic": None,
        "question_type": None,
    }
    steps: list[dict[str, Any]] = []
    out: dict[str, str] = {}
    error = None
    for kind in ("critique", "aligned"):
        field = "critique" if kind == "critique" else "aligned_response"
        template = load_template(f"{kind}.j2", kind)
        prompt = template.render(**variables)
        outcome = call_json(
            model, prompt, response_schema((field,)), params, 1, f"steer:mitigate:{kind}"
        )
        steps.append(
            {
                "step": field,
                "template": template.name,
                "template_hash": template.hash,
                "prompt": prompt,
                "raw_output": outcome.raw,
                "seed": outcome.seed,
                "error": outcome.error,
            }
        )
        if outcome.data is None:
            error = f"{field}: {outcome.error}"
            break
        out[field] = variables[field] = str(outcome.data[field]).strip()
    detail = {
        "critique": out.get("critique", ""),
        "aligned_response": out.get("aligned_response", ""),
        "example_ids": [e.with_id(study.slug).id for e in examples],
        "model_id": model.model_id,
        "params": params.model_dump(mode="json"),
        "steps": steps,
        "error": error,
    }
    with store.session() as session:
        feedback_id = add_feedback(
            session, turn_id, participant_id, "mitigation", dimension, detail=detail
        ).id
    return Mitigation(
        feedback_id=feedback_id,
        dimension=dimension,
        critique=detail["critique"],
        aligned_response=detail["aligned_response"],
        example_ids=detail["example_ids"],
        error=error,
    )


def feedback_on(
    store: Store, participant_id: str, turn_ids: list[int]
) -> dict[int, list[Feedback]]:
    """The participant's feedback on these turns, oldest first, by turn id."""
    out: dict[int, list[Feedback]] = {t: [] for t in turn_ids}
    with store.read() as session:
        for row in feedback_rows_on(session, participant_id, turn_ids):
            out[row.turn_id].append(_view(row))
    return out


def study_feedback(store: Store, slug: str) -> list[Feedback]:
    """Every piece of chat feedback in a study, oldest first (the facilitator's view, exports)."""
    with store.read() as session:
        rows = study_feedback_rows(session, study_row(session, slug).id)
        return [_view(row) for row in rows]
