"""End to end on the embedded model and real databases: counts, lineage, reproducibility, resume."""

from __future__ import annotations

import pytest

from coalign.core.calls import generation_purpose
from coalign.core.ids import stable_id
from coalign.store import open_store
from coalign.store.calls import usage_by_purpose
from coalign.store.runs import get_run, iter_records, record_counts
from coalign.store.seeds import list_seed_examples, list_seed_questions
from coalign.synth import estimate, generate, prepare, resume
from coalign.synth.templates import load_template

from .conftest import import_test_study, write_recipe

pytestmark = pytest.mark.model


def records_of(store, run_id):
    return list(iter_records(store, run_id))


def test_small_recipe_end_to_end_with_lineage(store, tmp_path):
    import_test_study(store)
    summary = generate(store, write_recipe(tmp_path))
    run = summary.run
    assert run.status == "done" and run.finished_at is not None
    assert run.planned == {"questions": 2, "responses": 2 - summary.stages[0].failed}
    counts = record_counts(store, run.id)
    usage = usage_by_purpose(store, generation_purpose(run.id))  # the run's calls, for comparisons
    assert usage.calls >= sum(s.ok + s.failed for s in summary.stages) and usage.completion_tokens
    assert sum(counts["questions"].values()) == 2
    assert sum(counts.get("responses", {}).values()) == run.planned["responses"]
    assert [(s.stage, s.planned, s.ok + s.failed) for s in summary.stages] == [
        ("questions", 2, 2),
        ("responses", run.planned["responses"], run.planned["responses"]),
    ]

    records = records_of(store, run.id)
    ids = {r.id for r in records}
    seeds = {s.id for s in list_seed_questions(store, "synth-mini")}
    examples = {e.id for e in list_seed_examples(store, "synth-mini")}
    questions_template = load_template("questions.j2", "questions")
    for record in records:
        assert record.run_id == run.id and record.model_id == "llama-cpp:smollm2-135m"
        assert record.prompt and record.raw_output and record.template_hash
        assert record.params.seed == record.seed and record.params.max_tokens in (64, 96)
        assert record.example_ids, "every record shows in-context examples"
        if record.stage == "questions":
            assert set(record.example_ids) <= seeds and record.parents == []
            assert (
                record.template_name == "questions.j2"
                and record.template_hash == questions_template.hash
            )
            assert record.attributes["topic"] == "savings"
            if record.parse_status == "ok":
                assert record.data["question"] and record.data["topic"] == "savings"
                assert record.data["question_type"] == record.attributes["question_type"]
            else:
                assert record.parse_error and record.data == {}
        else:
            assert set(record.example_ids) <= examples
            assert len(record.parents) == 1 and record.parents[0] in ids, "no orphans"
            assert record.attributes["dimension"] == "safety"
            if record.parse_status == "ok":
                assert {"misaligned_response", "critique", "aligned_response", "question"} <= set(
                    record.data
                )
    run_again = generate(store, write_recipe(tmp_path))
    assert run_again.run.id == run.id and [s.written for s in run_again.stages] == [0, 0]
    assert len(records_of(store, run.id)) == len(records)


def test_same_recipe_seed_and_model_give_identical_records(tmp_path):
    recipe = write_recipe(
        tmp_path,
        stages__responses__mode="chained",
        stages__responses__params={"temperature": 0.8, "max_tokens": 96},
    )
    results = []
    for name in ("a.db", "b.db"):
        with open_store(str(tmp_path / name)) as store:
            import_test_study(store)
            run = generate(store, recipe, limit=1).run
            results.append(
                [r.model_dump(exclude={"created_at"}) for r in records_of(store, run.id)]
            )
    assert results[0] == results[1]
    assert sorted(r["stage"] for r in results[0]) == ["questions", "responses"]
    chained = [r for r in results[0] if r["stage"] == "responses"]
    for record in chained:
        assert record["template_name"] == "misaligned.j2+critique.j2+aligned.j2"
        steps = [s["step"] for s in record["attributes"]["steps"]]
        fields = ["misaligned_response", "critique", "aligned_response"]
        assert steps and steps == fields[: len(steps)], "steps run in order"
        if record["parse_status"] == "ok":
            assert steps == fields and set(fields) <= set(record["data"])
        else:
            assert record["parse_error"].startswith(steps[-1]), "the failed step is named"
            assert record["data"] == {}
        assert "----- misaligned_response -----" in record["prompt"]


def test_dry_run_estimates_without_calling_the_model(sqlite_store, tmp_path):
    import_test_study(sqlite_store)
    prepared = prepare(
        sqlite_store, write_recipe(tmp_path, stages__responses__mode="chained"), limit=1
    )
    e = estimate(prepared, sqlite_store)
    assert e.calls == {"questions": 1, "responses": 3}
    assert e.prompt_tokens > 50 and e.max_completion_tokens == 64 + 3 * 96 and e.seconds > 0
    from coalign.store.calls import call_stats

    assert call_stats(sqlite_store).total == 0
    with pytest.raises(Exception, match="no run"):
        get_run(sqlite_store, e.run_id)


def test_resume_of_a_stored_run_uses_its_stored_templates(sqlite_store, tmp_path):
    import_test_study(sqlite_store)
    own = tmp_path / "own.j2"
    own.write_text(
        "Write one new {{ question_type.name }} question about {{ topic.name }}. Answer in JSON."
    )
    recipe = write_recipe(tmp_path, stages__questions__template="own.j2", stages__responses=None)
    run = generate(sqlite_store, recipe, limit=1).run
    own.write_text("changed {{ topic.name }}")  # editing the file later does not change the run
    summary = resume(sqlite_store, run.id[:10])
    assert summary.run.id == run.id and summary.stages[0].written == 0
    (record,) = records_of(sqlite_store, run.id)
    assert record.prompt.startswith("Write one new") and record.template_name == "own.j2"
    assert record.id == stable_id(
        "rec",
        run.id,
        "questions",
        record.attributes["topic"],
        record.attributes["question_type"],
        None,
        None,
        0,
    )
