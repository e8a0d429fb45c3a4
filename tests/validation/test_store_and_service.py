"""Verdicts in a real store (SQLite and PostgreSQL): versions, the accepted set, run validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from coalign.core import Verdict
from coalign.core.errors import InputError, NotFoundError
from coalign.store.runs import iter_records
from coalign.store.verdicts import (
    accepted_records,
    list_validations,
    list_verdicts,
    rejected_record_ids,
    save_verdicts,
    unkept_record_ids,
    verdict_counts,
)
from coalign.validation.metrics.distributions import count_tokens
from coalign.validation.review import record_review
from coalign.validation.rules.config import FilterConfigError
from coalign.validation.service import validate_run, with_parent_questions

from .conftest import bank_records, make_run


def test_rerunning_a_rule_supersedes_its_verdict_and_keeps_the_old(store):
    records = bank_records()
    make_run(store, records)
    a, b = records[0].id, records[1].id
    save_verdicts(
        store,
        "run_test",
        [
            Verdict(record_id=a, rule="length", passed=False, score=200, reason="long"),
            Verdict(record_id=b, rule="length", passed=True, score=12),
        ],
    )
    assert rejected_record_ids(store, "run_test") == {a}
    save_verdicts(store, "run_test", [Verdict(record_id=a, rule="length", passed=True, score=20)])
    current = list_verdicts(store, "run_test", rule="length")
    assert {(v.record_id, v.passed) for v in current} == {(a, True), (b, True)}
    history = list_verdicts(store, "run_test", record_id=a, include_superseded=True)
    assert [(v.passed, v.reason) for v in history] == [(False, "long"), (True, "")]
    assert rejected_record_ids(store, "run_test") == set()
    assert verdict_counts(store, "run_test") == {"length": {"passed": 2, "failed": 0}}
    # Nothing was removed from the records.
    assert len(list(iter_records(store, "run_test"))) == len(records)


def test_accepted_records_are_parsed_records_without_a_failing_verdict(store):
    records = bank_records()
    make_run(store, records)
    parsed = [r for r in records if r.parse_status == "ok"]
    assert {r.id for r in accepted_records(store, "run_test")} == {r.id for r in parsed}
    save_verdicts(
        store,
        "run_test",
        [
            Verdict(record_id=parsed[0].id, rule="x", passed=False),
            Verdict(record_id=parsed[1].id, rule="x", passed=True),
        ],
    )
    accepted = {r.id for r in accepted_records(store, "run_test")}
    assert parsed[0].id not in accepted and parsed[1].id in accepted
    assert {r.stage for r in accepted_records(store, "run_test", stage="responses")} == {
        "responses"
    }
    with pytest.raises(NotFoundError):
        list(accepted_records(store, "no-such-run"))


def test_a_rejected_question_takes_its_answers_out_of_the_accepted_set(store):
    records = bank_records()
    make_run(store, records)
    answers = [r for r in records if r.parents and r.parse_status == "ok"]
    question = answers[0].parents[0]
    children = {r.id for r in answers if question in r.parents}
    assert children
    save_verdicts(store, "run_test", [Verdict(record_id=question, rule="x", passed=False)])
    accepted = {r.id for r in accepted_records(store, "run_test")}
    assert question not in accepted and not (children & accepted)
    assert {r.id for r in answers} - children <= accepted
    assert unkept_record_ids(store, "run_test") == {question} | children


def test_validate_run_with_default_filters(store, embedder):
    records = bank_records()
    make_run(store, records)
    result = validate_run(store, "run_t", embedder_factory=lambda: embedder)
    assert not result.errors, result.errors
    assert result.records == len(records)
    rejected = rejected_record_ids(store, "run_test")
    failed = next(r for r in records if r.parse_status == "failed")
    twins = {
        r.id for r in records if r.data.get("question", "").lower().startswith("how do i report")
    }
    assert len(twins) == 2
    # The failed parse, and one of the two near-duplicate questions (records come in id order).
    assert failed.id in rejected and len(rejected) == 2 and len(rejected & twins) == 1
    loser = (rejected & twins).pop()
    reason = list_verdicts(store, "run_test", rule="near_duplicate", record_id=loser)[0].reason
    assert (twins - {loser}).pop() in reason
    assert result.accepted == len(records) - 2
    passes = list_validations(store, "run_test")
    assert passes[0].kind == "filters" and passes[0].summary["accepted"] == result.accepted
    assert passes[0].config["source"] == "default"
    # Validating again supersedes: still one current verdict per record × rule.
    again = validate_run(store, "run_test", embedder_factory=lambda: embedder)
    assert again.verdicts_saved == result.verdicts_saved
    assert len(list_verdicts(store, "run_test")) == result.verdicts_saved
    assert (
        len(list_verdicts(store, "run_test", include_superseded=True)) == 2 * result.verdicts_saved
    )


def test_filters_from_a_file_and_from_the_recipe(store, tmp_path: Path):
    records = bank_records()
    make_run(
        store,
        records,
        recipe={
            "filters": [
                {
                    "rule": "length",
                    "name": "short_questions",
                    "field": "question",
                    "max_tokens": 14,
                    "applies_to": "questions",
                }
            ]
        },
    )
    result = validate_run(store, "run_test")
    assert [f.name for f in result.filters] == ["short_questions"]
    long_questions = {
        r.id for r in records if r.stage == "questions" and count_tokens(r.data["question"]) > 14
    }
    assert long_questions and rejected_record_ids(store, "run_test") == long_questions
    path = tmp_path / "f.yaml"
    path.write_text("- rule: well_formed\n")
    result = validate_run(store, "run_test", filters_file=path)
    assert [f.name for f in result.filters] == ["well_formed"]
    assert list_validations(store, "run_test")[-1].config["source"] == str(path)


def test_bad_input_is_a_clear_error_and_writes_nothing(store, tmp_path: Path):
    make_run(store, [])
    with pytest.raises(InputError, match="no records"):
        validate_run(store, "run_test")
    with pytest.raises(NotFoundError):
        validate_run(store, "nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- rule: length\n  max_tokens: -1\n")
    with pytest.raises(FilterConfigError, match=r"filters\[0\].max_tokens"):
        validate_run(store, "run_test", filters_file=bad)
    with pytest.raises(InputError, match="--judge"):
        validate_run(store, "run_test", rubric="x.yaml")
    assert list_validations(store, "run_test") == []


def test_response_records_borrow_their_parent_question_in_memory():
    records = bank_records()
    enriched = with_parent_questions(records)
    child = next(r for r in enriched if r.stage == "responses" and r.parse_status == "ok")
    assert child.data["question"] == records[0].data["question"]
    assert "question" not in next(r for r in records if r.id == child.id).data


def test_a_pass_says_which_earlier_verdicts_stay_in_force_and_a_clean_pass_retires_them(
    store, tmp_path: Path
):
    records = bank_records()
    short = {
        "rule": "length",
        "name": "short_questions",
        "field": "question",
        "max_tokens": 14,
        "applies_to": "questions",
    }
    make_run(store, records, recipe={"filters": [short, {"rule": "well_formed"}]})
    first = validate_run(store, "run_test")
    rejected = rejected_record_ids(store, "run_test")
    failing = {
        name: {v.record_id for v in list_verdicts(store, "run_test", rule=name) if not v.passed}
        for name in ("short_questions", "well_formed")
    }
    assert failing["short_questions"] and first.earlier_failures == {}
    reviewed = next(r.id for r in records if r.id not in rejected)
    record_review(store, "run_test", reviewed, accept=False, reviewer="ana", note="off topic")

    path = tmp_path / "f.yaml"
    path.write_text("- rule: well_formed\n")
    second = validate_run(store, "run_test", filters_file=path)
    assert second.earlier_failures == {
        "short_questions": len(failing["short_questions"]),
        "human_review:ana": 1,
    }
    assert rejected_record_ids(store, "run_test") == rejected | {reviewed}

    judged = len(list_verdicts(store, "run_test", rule="short_questions"))
    clean = validate_run(store, "run_test", filters_file=path, clean=True)
    assert clean.retired == judged + len(records)  # short_questions and well_formed…
    assert clean.earlier_failures == {"human_review:ana": 1}  # …but human reviews stay
    assert rejected_record_ids(store, "run_test") == failing["well_formed"] | {reviewed}
    assert list_validations(store, "run_test")[-1].summary["clean"] is True

    again = validate_run(store, "run_test", only=["short_questions"])
    assert [f.name for f in again.filters] == ["short_questions"]
    assert rejected_record_ids(store, "run_test") == rejected | {reviewed}
    with pytest.raises(InputError, match="no filter named nope"):
        validate_run(store, "run_test", only=["nope"])
    with pytest.raises(InputError, match="clean pass runs every filter"):
        validate_run(store, "run_test", only=["short_questions"], clean=True)
