"""Familiarize: participants read the study's training, take its check, and code once they pass.

A study with a ``training`` section (:class:`coalign.core.training.Training`) shows its
participants an unrelated context with example interactions and good and bad codes, then a
multiple-choice check. Each attempt is kept with every answer, the score and the pass mark it
was held to; a participant below the pass mark sees the feedback on each answer and tries
again. Open coding (:func:`coalign.coconstruct.coding.add_code`) refuses anyone who has not
passed (:func:`require_training`). Studies without a training keep coding open to everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from coalign.core.errors import ConflictError, InputError, NotFoundError, TrainingRequiredError
from coalign.core.training import Localized, Training, pick
from coalign.participation.members import study_of, study_row_by_id
from coalign.store import Store
from coalign.store.coconstruction_tables import TrainingAttemptRow
from coalign.store.participation import consenting_participant_ids
from coalign.store.studies import study_row
from coalign.store.tables import StudyRow
from coalign.store.training import add_attempt, attempts_of, has_passed, study_attempt_rows

TRAINING_REQUIRED = "coding opens once you have passed the training check"


class ShownTurn(BaseModel):
    """A turn of an example interaction, in the participant's language."""

    role: str
    content: str


class ShownCode(BaseModel):
    """An example code and why it is good or bad."""

    label: str
    why: str


class ShownExample(BaseModel):
    """An example interaction with its good and bad codes."""

    turns: list[ShownTurn]
    good_codes: list[ShownCode]
    bad_codes: list[ShownCode]


class ShownQuestion(BaseModel):
    """A check question with its options (positions are what a participant answers with)."""

    id: str
    text: str
    options: list[str]


class AnswerResult(BaseModel):
    """One answer of an attempt: the option chosen, whether it was right, and its feedback, with
    the texts as the participant saw them (kept with the attempt)."""

    question: str
    question_text: str
    option: int
    option_text: str
    correct: bool
    feedback: str


class Attempt(BaseModel):
    """One attempt at the check, with the result of every answer.

    Attributes:
        number: 1 for a participant's first attempt, 2 for the next, …
        training_digest: the version of the training answered (:meth:`Training.digest`).
        language: the language the training was shown in.
    """

    id: int
    participant_id: str
    number: int
    training_digest: str
    language: str
    score: int
    total: int
    pass_mark: int
    passed: bool
    submitted_at: datetime
    answers: list[AnswerResult]


class TrainingPage(BaseModel):
    """What a participant reads and answers, with their attempts so far (newest last)."""

    context: str
    examples: list[ShownExample]
    questions: list[ShownQuestion]
    pass_mark: int
    attempts: list[Attempt]

    @property
    def passed(self) -> bool:
        """Whether one of the attempts passed, so coding is open."""
        return any(a.passed for a in self.attempts)


class TrainingStatus(BaseModel):
    """Where a participant stands with their study's training."""

    attempts: int
    passed: bool


class QuestionSummary(BaseModel):
    """How participants answered one question: right on their first attempt, and over all
    attempts."""

    id: str
    text: str
    first_right: int
    first_answered: int
    right: int
    answered: int


class ParticipantTraining(BaseModel):
    """One participant's attempts, and the result of each question on their latest attempt."""

    participant_id: str
    attempts: int
    passed_at: datetime | None
    best_score: int
    latest: dict[str, bool]


class TrainingResults(BaseModel):
    """The facilitator's view of a study's training: who passed, attempts, per-question results."""

    pass_mark: int
    questions: list[QuestionSummary]
    participants: list[ParticipantTraining]


def _training(study: StudyRow) -> Training | None:
    return Training.model_validate(study.training) if study.training is not None else None


def _language(study: StudyRow, language: str) -> tuple[str, str]:
    """The language to show (``language`` if the study has it, else its first) and the default."""
    languages: list[str] = list(study.languages or ["en"])
    return (language if language in languages else languages[0]), languages[0]


def _attempt(row: TrainingAttemptRow, number: int) -> Attempt:
    """An attempt as it was answered: the texts are stored with it, so an attempt reads the
    same after the training changes (``training_digest`` names the version answered)."""
    answers = [AnswerResult.model_validate(answer) for answer in row.answers]
    return Attempt(
        id=row.id,
        participant_id=row.participant_id,
        number=number,
        training_digest=row.training_digest,
        language=row.language,
        score=row.score,
        total=len(row.answers),
        pass_mark=row.pass_mark,
        passed=row.passed,
        submitted_at=row.submitted_at,
        answers=answers,
    )


def _require(study: StudyRow) -> Training:
    training = _training(study)
    if training is None:
        raise NotFoundError("this study has no training")
    return training


def training_page(store: Store, participant_id: str, language: str) -> TrainingPage:
    """The training of the participant's study in ``language`` (or the study's first language),
    with the participant's attempts.

    Raises:
        AccessDeniedError: no such participant, or no consent.
        NotFoundError: the study has no training.
    """
    with store.read() as session:
        study = study_of(session, participant_id)
        training = _require(study)
        shown, default = _language(study, language)
        rows = attempts_of(session, participant_id)

    def text(value: Localized) -> str:
        return pick(value, shown, default)

    return TrainingPage(
        context=text(training.context),
        examples=[
            ShownExample(
                turns=[ShownTurn(role=t.role, content=text(t.content)) for t in e.turns],
                good_codes=[ShownCode(label=text(c.label), why=text(c.why)) for c in e.good_codes],
                bad_codes=[ShownCode(label=text(c.label), why=text(c.why)) for c in e.bad_codes],
            )
            for e in training.examples
        ],
        questions=[
            ShownQuestion(id=q.id, text=text(q.text), options=[text(o.text) for o in q.options])
            for q in training.questions
        ],
        pass_mark=training.required,
        attempts=[_attempt(row, n) for n, row in enumerate(rows, start=1)],
    )


def submit_check(
    store: Store, participant_id: str, answers: Mapping[str, int], language: str
) -> Attempt:
    """Score and keep one attempt at the check.

    Args:
        answers: the chosen option's position (from 0) for every question, by question id.
        language: the language the training was shown in.

    Raises:
        InputError: a question left out, an unknown question, or an option that does not exist
            (nothing is kept).
        ConflictError: the participant has passed already.
        NotFoundError: the study has no training.
    """
    with store.session() as session:
        study = study_of(session, participant_id)
        training = _require(study)
        if has_passed(session, participant_id):
            raise ConflictError("you have already passed the training check")
        unknown = sorted(set(answers) - {q.id for q in training.questions})
        if unknown:
            raise InputError(f"the check has no question {', '.join(unknown)}")
        missing = [n for n, q in enumerate(training.questions, start=1) if q.id not in answers]
        if missing:
            raise InputError(
                "please answer every question (not answered: "
                + ", ".join(str(n) for n in missing)
                + ")"
            )
        shown, default = _language(study, language)
        results: list[dict[str, Any]] = []
        score = 0
        for number, question in enumerate(training.questions, start=1):
            chosen = answers[question.id]
            if not 0 <= chosen < len(question.options):
                raise InputError(f"question {number} has no option {chosen + 1}")
            option = question.options[chosen]
            score += option.correct
            result = AnswerResult(
                question=question.id,
                question_text=pick(question.text, shown, default),
                option=chosen,
                option_text=pick(option.text, shown, default),
                correct=option.correct,
                feedback=pick(option.feedback, shown, default),
            )
            results.append(result.model_dump())
        row = add_attempt(
            session,
            study.id,
            participant_id,
            training_digest=training.digest(),
            language=shown,
            answers=results,
            score=score,
            pass_mark=training.required,
            passed=score >= training.required,
        )
        return _attempt(row, len(attempts_of(session, participant_id)))


def require_training(session: Session, participant_id: str, study_id: int) -> None:
    """Refuse coding to a participant of a study with a training who has not passed its check.

    Raises:
        TrainingRequiredError: the study has a training and the participant has not passed it.
    """
    study = study_row_by_id(session, study_id)
    if study.training is not None and not has_passed(session, participant_id):
        raise TrainingRequiredError(TRAINING_REQUIRED)


def training_status(store: Store, participant_id: str) -> TrainingStatus | None:
    """How many attempts the participant made and whether one passed; ``None`` when their study
    has no training (coding is open)."""
    with store.read() as session:
        study = study_of(session, participant_id)
        if study.training is None:
            return None
        rows = attempts_of(session, participant_id)
    return TrainingStatus(attempts=len(rows), passed=any(r.passed for r in rows))


def _study_attempts(session: Session, slug: str) -> tuple[Training | None, list[Attempt]]:
    study = study_row(session, slug)
    training = _training(study)
    if training is None:
        return None, []
    attempts: list[Attempt] = []
    numbers: dict[str, int] = {}
    for row in study_attempt_rows(session, study.id):
        numbers[row.participant_id] = numbers.get(row.participant_id, 0) + 1
        attempts.append(_attempt(row, numbers[row.participant_id]))
    return training, attempts


def study_attempts(store: Store, slug: str) -> list[Attempt]:
    """Every attempt at the study's check, by participant, oldest first (for the export).

    Raises:
        NotFoundError: no such study.
    """
    with store.read() as session:
        return _study_attempts(session, slug)[1]


def study_training(store: Store, slug: str) -> Training | None:
    """The study's training as configured, or ``None``.

    Raises:
        NotFoundError: no such study.
    """
    with store.read() as session:
        return _training(study_row(session, slug))


def training_results(store: Store, slug: str) -> TrainingResults | None:
    """Who passed the study's check, after how many attempts, and how each question went;
    ``None`` when the study has no training. Consenting participants who have not tried yet are
    listed with no attempts.

    Raises:
        NotFoundError: no such study.
    """
    with store.read() as session:
        training, attempts = _study_attempts(session, slug)
        study = study_row(session, slug)
        default = _language(study, "")[1]
        consenting = consenting_participant_ids(session, study.id)
    if training is None:
        return None
    people: dict[str, list[Attempt]] = {pid: [] for pid in consenting}
    for attempt in attempts:
        people.setdefault(attempt.participant_id, []).append(attempt)
    firsts = [tries[0] for tries in people.values() if tries]
    questions = []
    for question in training.questions:
        first = _answers_to(question.id, firsts)
        every = _answers_to(question.id, attempts)
        questions.append(
            QuestionSummary(
                id=question.id,
                text=pick(question.text, default, default),
                first_right=sum(a.correct for a in first),
                first_answered=len(first),
                right=sum(a.correct for a in every),
                answered=len(every),
            )
        )
    participants = [
        ParticipantTraining(
            participant_id=pid,
            attempts=len(tries),
            passed_at=next((a.submitted_at for a in tries if a.passed), None),
            best_score=max((a.score for a in tries), default=0),
            latest={a.question: a.correct for a in tries[-1].answers} if tries else {},
        )
        for pid, tries in people.items()
    ]
    return TrainingResults(
        pass_mark=training.required, questions=questions, participants=participants
    )


def _answers_to(question: str, attempts: list[Attempt]) -> list[AnswerResult]:
    return [a for attempt in attempts for a in attempt.answers if a.question == question]
