"""Nothing cut off passes as whole: max_tokens stops are recorded, re-asked and kept (real model)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.core.errors import TruncatedOutputError
from coalign.core.study import QuestionType, Study, Topic
from coalign.llm import load_model
from coalign.llm.structured import call_json
from coalign.store.tables import ModelCallRow
from coalign.synth.plan import Task
from coalign.synth.stages import QUESTION_SCHEMA, QuestionStage, ResponseStage
from coalign.synth.templates import load_template

pytestmark = pytest.mark.model

LONG_TOPIC = "Cross-border remittances for seasonal agricultural workers and their families"
LONG_TYPE = "Comparison of fees, exchange rates and delivery times across several named providers"


def calls(store) -> list[ModelCallRow]:
    with store.read() as session:
        return list(session.scalars(select(ModelCallRow).order_by(ModelCallRow.id)))


def test_structured_output_stopped_by_max_tokens_is_truncated_with_raw_text(sqlite_store):
    model = load_model(None, log=sqlite_store)
    request = ChatRequest(
        messages=[
            Message(role="user", content="Write a long question about pensions. Answer in JSON.")
        ],
        params=SamplingParams(temperature=0.7, max_tokens=6, seed=3),
        json_schema=QUESTION_SCHEMA,
    )
    with pytest.raises(TruncatedOutputError) as caught:
        model.complete(request)
    assert caught.value.raw_output.startswith("{")
    (row,) = calls(sqlite_store)
    assert row.finish_reason == "length" and row.error.startswith("truncated")
    assert row.response == caught.value.raw_output
    # a failed call is never served from the cache
    with pytest.raises(TruncatedOutputError):
        model.complete(request)
    assert [r.cache_hit for r in calls(sqlite_store)] == [False, False]


def test_free_text_cut_off_says_so_also_from_the_cache(sqlite_store):
    model = load_model(None, log=sqlite_store)
    params = SamplingParams(temperature=0.7, max_tokens=4, seed=1)
    first = model.ask("Explain compound interest in three paragraphs.", params=params)
    second = model.ask("Explain compound interest in three paragraphs.", params=params)
    assert first.truncated and second.truncated and second.text == first.text
    assert [(r.cache_hit, r.finish_reason) for r in calls(sqlite_store)] == [
        (False, "length"),
        (True, "length"),
    ]
    whole = model.ask(
        "Name the capital of France.", params=SamplingParams(temperature=0.0, max_tokens=64, seed=1)
    )
    assert not whole.truncated


def test_call_json_reasks_a_truncated_answer_and_keeps_the_last_raw_output(sqlite_store):
    model = load_model(None, log=sqlite_store)
    params = SamplingParams(temperature=0.7, max_tokens=5, seed=2)
    outcome = call_json(
        model, "Write a question about loans. Answer in JSON.", QUESTION_SCHEMA, params, 2, "t"
    )
    assert outcome.data is None and outcome.status == "truncated" and outcome.attempts == 3
    assert outcome.raw and outcome.error.startswith("truncated")
    assert len(calls(sqlite_store)) == 3  # asked three times, with derived seeds


def _study() -> Study:
    return Study(
        slug="remit",
        title="Remittances",
        deployment_context="A money-transfer assistant",
        dimensions=[{"name": "fairness", "definition": "treats every sender alike"}],
        topics=[Topic(name=LONG_TOPIC)],
        question_types=[QuestionType(name=LONG_TYPE, kind="open")],
    )


def _task(seed: int) -> Task:
    study = _study()
    return Task(
        id=f"q{seed}",
        run_id="run",
        stage="questions",
        seed=seed,
        variables={
            "study": study,
            "topic": study.topics[0],
            "question_type": study.question_types[0],
            "examples": [],
            "persona": None,
            "intervention": None,
        },
        attributes={"topic": LONG_TOPIC, "question_type": LONG_TYPE},
    )


def test_long_cell_names_no_longer_cap_the_question_and_fixed_fields_come_from_code(sqlite_store):
    # The old schema echoed topic and type and capped the question at 24 characters for these
    # names at max_tokens 96, so the grammar closed it mid-word.
    model = load_model(None, log=sqlite_store)
    stage = QuestionStage(
        load_template("questions.j2", "questions"),
        SamplingParams(temperature=0.7, max_tokens=96),
        entities={},
        reask=1,
    )
    records = [stage.run(_task(seed), model) for seed in range(4)]
    for record in records:
        assert record.parse_status in {"ok", "truncated", "failed"}
        if record.parse_status == "ok":
            assert record.data["topic"] == LONG_TOPIC and record.data["question_type"] == LONG_TYPE
            assert set(json.loads(record.raw_output)) == {"question"}  # the model wrote only this
        else:
            assert record.raw_output and record.parse_error
    assert any(r.parse_status == "ok" and len(r.data["question"]) > 24 for r in records)
    for row in calls(sqlite_store):
        assert set(row.json_schema["properties"]) == {"question"}
        assert "maxLength" not in json.dumps(row.json_schema)


def test_response_stage_marks_a_cut_off_triple_truncated(sqlite_store):
    model = load_model(None, log=sqlite_store)
    study = _study()
    stage = ResponseStage(
        load_template("responses.j2", "responses"), SamplingParams(temperature=0.7, max_tokens=12)
    )
    task = Task(
        id="r1",
        run_id="run",
        stage="responses",
        seed=4,
        parents=["q"],
        variables={
            "study": study,
            "question": "How much does it cost to send 200 euros to Manila?",
            "topic": study.topics[0],
            "question_type": study.question_types[0],
            "dimension": study.dimensions[0],
            "examples": [],
            "persona": None,
            "intervention": None,
        },
        attributes={"dimension": "fairness"},
    )
    record = stage.run(task, model)
    assert record.parse_status == "truncated" and record.data == {}
    assert record.raw_output.startswith("{") and "max_tokens (12)" in record.parse_error
