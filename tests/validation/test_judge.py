"""The relevance judge with the real embedded model: scores, unparseable output, self-judging warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from coalign.core import GenerationRun, SamplingParams
from coalign.core.errors import InputError
from coalign.llm import load_model
from coalign.store.studies import get_study
from coalign.store.verdicts import list_validations, list_verdicts, rejected_record_ids
from coalign.validation.metrics.forms_llm import classify_forms, compare_with_rules
from coalign.validation.rules.judge import judge_records, load_rubric, parse_rubric
from coalign.validation.service import choose_filters, validate_run, with_parent_questions

from .conftest import QUESTIONS, bank_records, make_run

pytestmark = pytest.mark.model


def one_dimension_rubric(tmp_path: Path) -> Path:
    path = tmp_path / "rubric.yaml"
    path.write_text(
        "name: relevance\n"
        "instructions: You review data for a bank assistant. Answer with a score and one short sentence.\n"
        "dimensions:\n"
        "  - name: question\n"
        "    fields: [question]\n"
        "    criteria: Is this a realistic question for {{ deployment_context }} on {{ topic }}?\n"
        "    scale: {1: unrelated, 2: barely related, 3: related, 4: realistic, 5: realistic and specific}\n"
    )
    return path


def test_the_judge_scores_with_a_rationale_and_unparseable_output_is_recorded(
    sqlite_store, tmp_path
):
    records = bank_records()
    make_run(sqlite_store, records)
    study = get_study(sqlite_store, "mini")
    rubric = load_rubric(one_dimension_rubric(tmp_path))
    model = load_model("llama-cpp:smollm2-135m", log=sqlite_store)
    question = records[0]
    verdicts = judge_records(
        [question],
        model,
        rubric,
        study=study,
        params=SamplingParams(temperature=0.0, max_tokens=48, seed=0),
    )
    assert len(verdicts) == 1
    v = verdicts[0]
    assert v.rule == "relevance:question" and v.judge == "llm:llama-cpp:smollm2-135m"
    if v.score is not None:
        assert 1 <= v.score <= 5 and v.reason and v.passed == (v.score >= 3)
    else:  # a model this small may still run out of tokens mid-rationale
        assert v.reason.startswith("could not judge")
    # Three tokens cannot hold the JSON object: the failure is a verdict, not a crash.
    cut = judge_records(
        [question, records[1]],
        model,
        rubric,
        study=study,
        params=SamplingParams(temperature=0.0, max_tokens=3, seed=0),
    )
    assert len(cut) == 2
    assert all(
        not c.passed and c.score is None and c.reason.startswith("could not judge") for c in cut
    )
    assert "raw output" in cut[0].reason
    # Records without the rubric's fields are not judged at all, nor records of another kind: the
    # default rubric judges a question once, on its question record, not again on each response.
    assert judge_records([records[-1]], model, rubric) == []
    response = with_parent_questions(records)[len(QUESTIONS)]
    assert response.data["question"] and response.stage == "responses"
    assert judge_records([response], model, load_rubric(), dimensions=["question"]) == []


def test_validate_with_a_judge_stores_verdicts_and_warns_when_it_is_the_generator(
    sqlite_store, tmp_path
):
    records = bank_records()
    make_run(sqlite_store, records)
    filters = tmp_path / "filters.yaml"
    filters.write_text(
        "- rule: well_formed\n- rule: relevance\n  max_tokens: 3\n  applies_to: questions\n"
        "  dimensions: [question]\n"
    )
    result = validate_run(
        sqlite_store, "run_test", filters_file=filters, judge_model="llama-cpp:smollm2-135m"
    )
    assert result.warnings and "generated this run" in result.warnings[0]
    assert list_validations(sqlite_store, "run_test")[0].warnings == result.warnings
    judged = list_verdicts(sqlite_store, "run_test", rule="relevance:question")
    questions = [r for r in records if r.stage == "questions"]
    assert {v.record_id for v in judged} == {r.id for r in questions}
    assert all(v.reason.startswith("could not judge") for v in judged)
    # The other filter's verdicts are all there.
    assert len(list_verdicts(sqlite_store, "run_test", rule="well_formed")) == len(records)
    assert rejected_record_ids(sqlite_store, "run_test") >= {r.id for r in questions}


def test_rubric_problems_are_clear(tmp_path):
    with pytest.raises(InputError, match=r"dimensions\[0\]\.scale: Value error, give a label"):
        parse_rubric(
            {
                "name": "r",
                "instructions": "x",
                "dimensions": [
                    {"name": "q", "fields": ["question"], "criteria": "ok?", "scale": {1: "a"}}
                ],
            },
            "r.yaml",
        )
    with pytest.raises(InputError, match="not a valid template"):
        parse_rubric(
            {
                "name": "r",
                "instructions": "x",
                "dimensions": [
                    {
                        "name": "q",
                        "fields": ["question"],
                        "criteria": "{{ oops",
                        "scale": {i: str(i) for i in range(1, 6)},
                    }
                ],
            },
            "r.yaml",
        )
    with pytest.raises(InputError, match="cannot read rubric"):
        load_rubric(tmp_path / "none.yaml")
    assert [d.name for d in load_rubric().dimensions] == [
        "question",
        "question_type",
        "misaligned",
        "critique",
        "aligned",
    ]
    # A filter naming the judge without a judge model fails before anything is judged.
    with pytest.raises(InputError, match="--judge"):
        run = GenerationRun(
            id="r",
            study_slug="s",
            recipe_name="x",
            recipe={"filters": [{"rule": "relevance"}]},
            model_id="m",
            seed=0,
        )
        choose_filters(run)


def test_the_optional_llm_classifier_of_format_and_kind(sqlite_store):
    model = load_model("llama-cpp:smollm2-135m", log=sqlite_store)
    texts = ["How do I block my lost card?", "Write a letter to my bank about a wrong fee."]
    labels = classify_forms(texts, model)
    assert [f.text for f in labels] == texts
    for f in labels:
        assert (
            f.format in ("question", "instruction", "statement")
            and f.kind in ("open", "closed", "other")
        ) or (f.format is None and f.error)
    cut = classify_forms(texts[:1], model, SamplingParams(temperature=0.0, max_tokens=2, seed=0))
    assert cut[0].format is None and cut[0].error.startswith("truncated")
    agreement = compare_with_rules(texts * 3, model, sample=2)
    assert agreement.n == 2 and agreement.model_id == "llama-cpp:smollm2-135m"
    if agreement.labelled:
        assert 0.0 <= agreement.format_agreement <= 1.0
    with pytest.raises(InputError):
        compare_with_rules([], model)
