"""Demographics: a per-study survey, answers stored apart from the work, and safe aggregates.

Every question can be skipped and offers "prefer not to say". Answers go to their own table;
facilitators see only counts, with cells smaller than :data:`MIN_CELL` suppressed, and only
admins export them next to ratings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from coalign.core.campaigns import DemographicQuestion, survey_problems
from coalign.core.errors import ConflictError, InputError, NotFoundError, describe_validation_error
from coalign.core.participants import PREFER_NOT_TO_SAY, DemographicAnswer
from coalign.participation.access import Seat
from coalign.store import Store
from coalign.store.campaigns import existing_enrollment
from coalign.store.participation import (
    demographic_answer_counts,
    participant_by_id,
    replace_demographic_answers,
    replace_survey,
    study_slug_of_participant,
    survey_questions,
)
from coalign.store.studies import study_row
from coalign.store.tables import utcnow

MIN_CELL = 5
MAX_TEXT = 200
SUPPRESSED = None
OTHER_ANSWERS = "other answers"

DEFAULT_SURVEY: list[DemographicQuestion] = [
    DemographicQuestion(name="country", label="In which country do you live?", kind="text"),
    DemographicQuestion(
        name="gender",
        label="What is your gender identity?",
        options=["woman", "man", "non-binary", "prefer to self-describe"],
        self_describe="prefer to self-describe",
    ),
    DemographicQuestion(
        name="age_band",
        label="How old are you?",
        options=["18-24", "25-34", "35-44", "45-54", "55-64", "65 or older"],
    ),
    DemographicQuestion(
        name="ethnicity", label="How would you describe your ethnicity?", kind="text"
    ),
    DemographicQuestion(
        name="political_spectrum",
        label="Where would you place yourself politically?",
        options=["left", "centre-left", "centre", "centre-right", "right"],
    ),
    DemographicQuestion(
        name="party", label="Which political party do you feel closest to?", kind="text"
    ),
]
_SURVEY = TypeAdapter(list[DemographicQuestion])


def set_survey(
    store: Store, study_slug: str, questions: list[DemographicQuestion] | list[dict[str, Any]]
) -> None:
    """Replace a study's demographics questions.

    Raises:
        InputError: a malformed question, two questions with one name, or a question that
            depends on a question or answer the survey lacks.
    """
    try:
        parsed = _SURVEY.validate_python(questions)
    except ValidationError as exc:
        raise InputError(
            "demographics survey: " + "; ".join(describe_validation_error(exc))
        ) from exc
    problems = survey_problems(parsed)
    if problems:
        raise InputError("demographics survey: " + "; ".join(problems))
    with store.session() as session:
        replace_survey(session, study_row(session, study_slug).id, [q.model_dump() for q in parsed])


def get_survey(store: Store, study_slug: str) -> list[DemographicQuestion]:
    """A study's demographics questions (:data:`DEFAULT_SURVEY` unless the study set its own)."""
    with store.read() as session:
        stored = survey_questions(session, study_row(session, study_slug).id)
        return DEFAULT_SURVEY if stored is None else _SURVEY.validate_python(stored)


def survey_for_seat(store: Store, seat: Seat) -> list[DemographicQuestion]:
    """The survey of the study a seat belongs to.

    Raises:
        NotFoundError: the seat's participant no longer exists.
    """
    with store.read() as session:
        slug = study_slug_of_participant(session, seat.participant_id)
    if slug is None:
        raise NotFoundError(f"no participant {seat.participant_id!r}")
    return get_survey(store, slug)


def save_demographics(store: Store, seat: Seat, form: Mapping[str, str]) -> int:
    """Store a participant's answers; blank questions are skipped (no row), nothing else is guessed.

    A question whose options depend on an earlier answer accepts only the options of that
    answer (e.g. the ethnicity categories of the country the person lives in).

    Args:
        form: ``{question_name: answer, question_name + "_self": self-description}``.

    Returns:
        How many questions were answered.

    Raises:
        InputError: an answer that is not one of a question's options, or text over 200 characters.
        ConflictError: the participant has not consented.
    """
    questions = survey_for_seat(store, seat)
    answers: list[DemographicAnswer] = []
    given: dict[str, str] = {}
    for q in questions:
        value = (form.get(q.name) or "").strip()
        if not value:
            continue
        if len(value) > MAX_TEXT:
            raise InputError(f"{q.name}: at most {MAX_TEXT} characters")
        parent = q.depends_on or ""
        if q.kind == "choice" and value not in q.choices(given.get(parent)):
            if parent in given:
                raise InputError(
                    f"{q.name}: {value!r} is not one of the options for {parent} {given[parent]!r}"
                )
            raise InputError(f"{q.name}: {value!r} is not one of the options")
        given[q.name] = value
        self_description = None
        if q.self_describe is not None and value == q.self_describe:
            self_description = (form.get(f"{q.name}_self") or "").strip()[:MAX_TEXT] or None
        answers.append(
            DemographicAnswer(
                participant_id=seat.participant_id,
                question=q.name,
                answer=value,
                self_description=self_description,
            )
        )
    with store.session() as session:
        participant = participant_by_id(session, seat.participant_id)
        if participant is None or participant.consented_at is None:
            raise ConflictError("please answer the consent question first")
        replace_demographic_answers(session, seat.participant_id, answers)
        enrollment = existing_enrollment(session, seat.participant_id, seat.campaign_id)
        enrollment.demographics_done_at = utcnow()
    return len(answers)


@dataclass(frozen=True)
class AnswerCount:
    """How many people gave one answer; ``count`` is ``None`` when the cell is too small to show."""

    answer: str
    count: int | None


def demographic_aggregates(
    store: Store, study_slug: str, *, campaign_id: int | None = None, min_cell: int = MIN_CELL
) -> dict[str, list[AnswerCount]]:
    """Counts per question and answer, with cells under ``min_cell`` suppressed.

    Self-descriptions are never shown, only counted under their option. A cell is suppressed
    when 0 < count < ``min_cell``: a suppressed option of a choice question is listed last with
    ``count=None``; suppressed free-text answers (which could name a person) are merged into one
    ``OTHER_ANSWERS`` entry, never shown.

    Args:
        campaign_id: count only participants enrolled in this campaign.
    """
    with store.read() as session:
        sid = study_row(session, study_slug).id
        rows = demographic_answer_counts(session, sid, campaign_id=campaign_id)
    options = {
        q.name: set(q.all_options()) | {PREFER_NOT_TO_SAY}
        if q.kind == "choice"
        else {PREFER_NOT_TO_SAY}
        for q in get_survey(store, study_slug)
    }
    result: dict[str, list[AnswerCount]] = {}
    hidden: dict[str, list[AnswerCount]] = {}
    for question, answer, count in sorted(rows, key=lambda r: (r[0], -r[2], r[1])):
        if count >= min_cell:
            result.setdefault(question, []).append(AnswerCount(answer, count))
            continue
        result.setdefault(question, [])
        known = answer in options.get(question, set())
        cell = AnswerCount(answer if known else OTHER_ANSWERS, SUPPRESSED)
        if cell not in hidden.setdefault(question, []):
            hidden[question].append(cell)
    for question, cells in hidden.items():
        result[question].extend(sorted(cells, key=lambda c: c.answer == OTHER_ANSWERS))
    return result


__all__ = [
    "DEFAULT_SURVEY",
    "MIN_CELL",
    "PREFER_NOT_TO_SAY",
    "AnswerCount",
    "demographic_aggregates",
    "get_survey",
    "save_demographics",
    "set_survey",
    "survey_for_seat",
]
