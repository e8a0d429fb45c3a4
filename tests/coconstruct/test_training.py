"""Familiarize on SQLite and PostgreSQL: the training's design is checked, attempts are scored and
kept, coding waits for a pass, the facilitator sees who passed, and the export carries it all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coalign.coconstruct.coding import add_code, own_codes
from coalign.coconstruct.training import (
    study_attempts,
    submit_check,
    training_page,
    training_results,
    training_status,
)
from coalign.core.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    StudyFileError,
    TrainingRequiredError,
)
from coalign.core.study import Study
from coalign.core.training import Training
from coalign.export.activities import export_activities
from coalign.export.facts import participation_facts
from coalign.export.sources import resolve_source
from coalign.store import Store
from coalign.store.coconstruction_tables import TrainingAttemptRow
from coalign.store.studies import get_study, save_study
from coalign.study import load_study_file
from tests.coconstruct.helpers import (
    EXAMPLE_STUDY,
    model_turn,
    people,
    right_answers,
    train,
    wrong_answers,
)

QUESTION = {
    "id": "q1",
    "text": "Which code names a value?",
    "options": [
        {"text": "summary", "feedback": "A kind of text."},
        {"text": "respectful", "correct": True, "feedback": "Yes."},
    ],
}
EXAMPLE = {
    "turns": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}],
    "good_codes": [{"label": "warm", "why": "Names a value."}],
}


def attempts_in(store: Store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(TrainingAttemptRow)) or 0


def test_a_training_is_checked_when_the_study_is_read() -> None:
    good = {"context": "A library.", "examples": [EXAMPLE], "questions": [QUESTION]}
    assert Training.model_validate(good).required == 1
    two_right = {**QUESTION, "options": [{**o, "correct": True} for o in QUESTION["options"]]}
    with pytest.raises(ValueError, match="exactly one option must be correct \\(found 2\\)"):
        Training.model_validate({**good, "questions": [two_right]})
    with pytest.raises(ValueError, match="pass_mark: 2 is more than the 1 questions"):
        Training.model_validate({**good, "pass_mark": 2})
    with pytest.raises(ValueError, match="duplicate id q1"):
        Training.model_validate({**good, "questions": [QUESTION, QUESTION]})
    with pytest.raises(ValueError, match="needs at least one assistant turn"):
        Training.model_validate({**good, "examples": [{**EXAMPLE, "turns": EXAMPLE["turns"][:1]}]})
    with pytest.raises(ValueError, match="expected a text, or a text per language"):
        Training.model_validate({**good, "context": ["A", "list"]})
    with pytest.raises(ValueError, match="must not be empty"):
        Training.model_validate({**good, "context": {"en": "A library.", "de": " "}})
    per_language = {**good, "context": {"en": "A library.", "fr": "Une bibliothèque."}}
    with pytest.raises(ValueError, match=r"training.context: fr not among the study's languages"):
        Study(slug="s", title="S", languages=["en", "de"], training=per_language)
    with pytest.raises(ValueError, match=r"training.context: needs a text in de"):
        Study(slug="s", title="S", languages=["de", "en"], training=per_language)


def test_a_bad_training_in_a_study_file_names_its_key(tmp_path: Path) -> None:
    text = EXAMPLE_STUDY.read_text().replace("pass_mark: 2", "pass_mark: many")
    (tmp_path / "study.yaml").write_text(text)
    for name in ("seed_questions.jsonl", "seed_examples.jsonl"):
        (tmp_path / name).write_text((EXAMPLE_STUDY.parent / name).read_text())
    with pytest.raises(StudyFileError, match=r"study\.training\.pass_mark: "):
        load_study_file(tmp_path / "study.yaml")


def test_the_shipped_example_has_a_training_in_both_languages() -> None:
    study = load_study_file(EXAMPLE_STUDY).study
    assert study.training is not None and study.training.required == 2
    for where, text in study.training.texts():
        assert isinstance(text, dict) and set(text) == {"en", "de"}, where


def test_coding_waits_until_the_check_is_passed(store: Store) -> None:
    alice, bob = people(store, "alice", "bob")
    training = train(store)
    turn = model_turn(store, "Sure, read me your card number.")
    assert training_status(store, alice) is not None
    assert training_status(store, alice).model_dump() == {"attempts": 0, "passed": False}
    with pytest.raises(TrainingRequiredError, match="coding opens once you have passed"):
        add_code(store, alice, {"turn_id": turn, "text": "unsafe"})

    wrong = wrong_answers(training)
    one_wrong = submit_check(store, alice, {**right_answers(training), "names-a-value": 0}, "de")
    assert (one_wrong.number, one_wrong.score, one_wrong.total, one_wrong.pass_mark) == (1, 2, 3, 2)
    assert one_wrong.passed  # two of three right reaches this pass mark
    first = submit_check(store, bob, wrong, "en")
    assert (first.score, first.passed, first.language) == (0, False, "en")
    first_feedback = first.answers[0]
    assert first_feedback.question == "names-a-value" and not first_feedback.correct
    assert first_feedback.option_text == "advice about the app"
    assert first_feedback.feedback.startswith("This names the topic")
    with pytest.raises(TrainingRequiredError):
        add_code(store, bob, {"turn_id": turn, "text": "unsafe"})
    second = submit_check(store, bob, right_answers(training), "en")
    assert (second.number, second.score, second.passed) == (2, 3, True)
    assert second.training_digest == training.digest()
    add_code(store, bob, {"turn_id": turn, "text": "asks for card data"})
    assert [c.text for c in own_codes(store, bob)] == ["asks for card data"]
    with pytest.raises(ConflictError, match="already passed"):
        submit_check(store, bob, wrong, "en")

    german = training_page(store, alice, "de")
    assert german.context.startswith("Stellen Sie sich eine öffentliche Bibliothek vor")
    assert german.passed and german.attempts[0].language == "de"
    assert german.attempts[0].answers[0].option_text == "Zusammenfassung"
    assert german.questions[0].options[1] == "unterstellt Älteren, keine Apps nutzen zu können"
    english = training_page(store, bob, "fr")  # a language the study lacks: its first one
    assert english.examples[0].bad_codes[0].label == "summary"
    assert [a.passed for a in english.attempts] == [False, True]


def test_bad_answers_are_refused_and_nothing_is_kept(store: Store) -> None:
    (alice,) = people(store, "alice")
    training = train(store)
    right = right_answers(training)
    with pytest.raises(InputError, match=r"please answer every question \(not answered: 2, 3\)"):
        submit_check(store, alice, {"names-a-value": 1}, "en")
    with pytest.raises(InputError, match="the check has no question extra"):
        submit_check(store, alice, {**right, "extra": 0}, "en")
    with pytest.raises(InputError, match="question 3 has no option 4"):
        submit_check(store, alice, {**right, "what-a-code-describes": 3}, "en")
    with pytest.raises(InputError, match="question 1 has no option 0"):
        submit_check(store, alice, {**right, "names-a-value": -1}, "en")
    assert attempts_in(store) == 0
    assert training_status(store, alice).model_dump() == {"attempts": 0, "passed": False}


def test_a_study_without_training_codes_as_before(store: Store) -> None:
    (alice,) = people(store, "alice")
    turn = model_turn(store, "Hello.")
    assert training_status(store, alice) is None
    assert add_code(store, alice, {"turn_id": turn, "text": "friendly"}).text == "friendly"
    with pytest.raises(NotFoundError, match="this study has no training"):
        training_page(store, alice, "en")
    with pytest.raises(NotFoundError, match="this study has no training"):
        submit_check(store, alice, {}, "en")
    assert training_results(store, "mini") is None and study_attempts(store, "mini") == []
    assert get_study(store, "mini").training is None


def test_facilitator_results_and_the_export(store: Store, tmp_path: Path) -> None:
    alice, bob, carol = people(store, "alice", "bob", "carol")
    training = train(store)
    submit_check(store, alice, wrong_answers(training), "en")
    submit_check(store, alice, right_answers(training), "en")
    submit_check(store, bob, right_answers(training), "de")

    results = training_results(store, "mini")
    assert results is not None and results.pass_mark == 2
    by_person = {p.participant_id: p for p in results.participants}
    assert set(by_person) == {alice, bob, carol}
    assert (by_person[alice].attempts, by_person[alice].best_score) == (2, 3)
    assert by_person[alice].passed_at is not None and by_person[carol].passed_at is None
    assert by_person[carol].attempts == 0 and by_person[carol].latest == {}
    assert by_person[alice].latest == {q.id: True for q in training.questions}
    first = results.questions[0]
    assert (first.id, first.first_right, first.first_answered) == ("names-a-value", 1, 2)
    assert (first.right, first.answered) == (2, 3)

    counts = export_activities(store, "mini", tmp_path)
    assert counts["training"] == 1 and counts["training_attempts"] == 3
    (design,) = [json.loads(line) for line in (tmp_path / "training.jsonl").open()]
    assert design["digest"] == training.digest() and design["pass_mark"] == 2
    rows = [json.loads(line) for line in (tmp_path / "training_attempts.jsonl").open()]
    mine = [r for r in rows if r["participant_id"] == alice]
    assert [(r["number"], r["passed"]) for r in mine] == [(1, False), (2, True)]
    assert all(r["training_digest"] == training.digest() for r in rows)
    german = next(r for r in rows if r["participant_id"] == bob)
    assert german["language"] == "de" and german["answers"][0]["option_text"] == (
        "unterstellt Älteren, keine Apps nutzen zu können"
    )

    lines = participation_facts(store, resolve_source(store, "study:mini"), None)["activities"]
    assert "training check attempts (familiarize: codes practised on an unrelated context; " in (
        " ".join(lines)
    )
    assert any(line.endswith(": 3 by <5 participants") and "training" in line for line in lines)


def test_an_attempt_reads_the_same_after_the_training_changes(store: Store) -> None:
    (alice,) = people(store, "alice")
    training = train(store)
    submit_check(store, alice, wrong_answers(training), "en")
    first = training.questions[0]
    reworded = first.model_copy(update={"text": "Which code is best?"})
    changed = training.model_copy(update={"questions": [reworded, *training.questions[1:]]})
    study = get_study(store, "mini").model_copy(update={"training": changed})
    with store.session() as session:
        save_study(session, study)
    page = training_page(store, alice, "en")
    assert page.questions[0].text == "Which code is best?"
    (attempt,) = page.attempts
    assert attempt.answers[0].question_text.startswith("The library assistant tells a retired")
    assert attempt.training_digest == training.digest() != changed.digest()
