"""Recipes, templates and plans: schema errors name the key, plans are deterministic and balanced."""

from __future__ import annotations

import itertools

import pytest

from coalign.core.errors import InputError
from coalign.synth.plan import Planner
from coalign.synth.recipe import load_recipe, parse_recipe
from coalign.synth.templates import check_template, load_template

from .conftest import recipe_data, write_recipe


def planner(bundle, run_id="run_x", **changes) -> Planner:
    return Planner(run_id, parse_recipe(recipe_data(**changes)), bundle)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"stages__questions__per_cell": 0},
            "stages.questions.per_cell: Input should be greater than or equal to 1",
        ),
        (
            {"stages__questions__examples__strategy": "nearest"},
            "stages.questions.examples.strategy: Input should be",
        ),
        ({"stages__responses__mode": "triple"}, "stages.responses.mode:"),
        (
            {"stages__questions__colour": "red"},
            "stages.questions.colour: Extra inputs are not permitted",
        ),
        (
            {"stages__responses__dimensions_per_question": 0},
            "stages.responses.dimensions_per_question",
        ),
        ({"stages__questions__params__temperature": 5}, "stages.questions.params.temperature"),
        ({"concurrency": "many"}, "concurrency: Input should be a valid integer"),
    ],
)
def test_schema_errors_name_the_bad_key(tmp_path, changes, message):
    path = write_recipe(tmp_path, **changes)
    with pytest.raises(InputError) as caught:
        load_recipe(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_missing_study_key_and_bad_yaml(tmp_path):
    data = recipe_data()
    del data["study"]
    with pytest.raises(InputError, match="study: Field required"):
        parse_recipe(data, "r.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstages: [unclosed\n")
    with pytest.raises(InputError, match="not valid YAML at line"):
        load_recipe(bad)
    with pytest.raises(InputError, match="cannot read recipe"):
        load_recipe(tmp_path / "missing.yaml")


def test_template_with_unknown_variable_is_refused_naming_it(tmp_path):
    with pytest.raises(
        InputError, match=r"template mine\.j2 uses unknown variable\(s\) dimension, topics"
    ):
        check_template("mine.j2", "questions", "{{ topics }} {{ dimension.name }} {{ topic.name }}")
    (tmp_path / "own.j2").write_text("{{ question }} for {{ dimension.name }} {{ misaligned }}")
    with pytest.raises(InputError, match="unknown variable.*misaligned"):
        load_template("own.j2", "responses", tmp_path)
    with pytest.raises(InputError, match="line 1"):
        check_template("broken.j2", "questions", "{% for x in %}")
    with pytest.raises(InputError, match="not found .*questions.j2"):
        load_template("nope.j2", "questions", tmp_path)


def test_rendering_a_missing_attribute_is_an_error_not_empty_text():
    template = check_template("t.j2", "questions", "{{ topic.colour }}")
    with pytest.raises(InputError, match="colour"):
        template.render(topic={"name": "savings"})


def test_bundled_templates_all_check():
    for kind in ("questions", "responses", "misaligned", "critique", "aligned"):
        name = "questions.j2" if kind == "questions" else f"{kind}.j2"
        assert load_template(name, kind).hash


def test_plan_is_deterministic_and_depends_on_seed_and_run(bundle):
    first = planner(bundle).question_tasks()
    again = planner(bundle).question_tasks()
    assert [(t.id, t.seed, t.example_ids) for t in first] == [
        (t.id, t.seed, t.example_ids) for t in again
    ]
    other_seed = planner(bundle, seed=4).question_tasks()
    assert [t.seed for t in first] != [t.seed for t in other_seed]
    other_run = planner(bundle, run_id="run_y").question_tasks()
    assert not {t.id for t in first} & {t.id for t in other_run}


def test_grid_covers_every_cell_including_participant_topics(bundle):
    tasks = planner(
        bundle, stages__questions={"per_cell": 2, "examples": {"k": 1}}
    ).question_tasks()
    cells = {(t.attributes["topic"], t.attributes["question_type"]) for t in tasks}
    assert cells == set(itertools.product(["savings", "cards"], ["how-to", "yes-no", "draft"]))
    assert len(tasks) == 12 and len({t.id for t in tasks}) == 12
    # round by round: the first six tasks are one per cell
    assert len({(t.attributes["topic"], t.attributes["question_type"]) for t in tasks[:6]}) == 6
    kinds = {t.attributes["question_type"]: t.attributes["question_kind"] for t in tasks}
    assert kinds == {"how-to": "open", "yes-no": "closed", "draft": "other"}


def test_limit_takes_a_balanced_prefix(bundle):
    tasks = planner(
        bundle, stages__questions={"per_cell": 3, "limit": 4, "examples": {"k": 1}}
    ).question_tasks()
    assert len(tasks) == 4
    assert len({(t.attributes["topic"], t.attributes["question_type"]) for t in tasks}) == 4


def test_example_strategies(bundle):
    same_type = planner(
        bundle, stages__questions={"examples": {"k": 3, "strategy": "same-type"}}
    ).question_tasks()
    seeds = {s.id: s for s in bundle.seed_questions}
    for task in same_type:
        assert task.example_ids
        assert {seeds[i].question_type for i in task.example_ids} == {
            task.attributes["question_type"]
        }
    same_topic = planner(
        bundle, stages__questions={"examples": {"k": 2, "strategy": "same-topic"}}
    ).question_tasks()
    for task in same_topic:
        assert {seeds[i].topic for i in task.example_ids} == {task.attributes["topic"]}
    stratified = planner(
        bundle, stages__questions={"examples": {"k": 4, "strategy": "stratified"}}
    ).question_tasks()
    for task in stratified:
        strata = {(seeds[i].topic, seeds[i].question_type) for i in task.example_ids}
        assert len(strata) == 4
    rejected = {s.id for s in bundle.seed_questions if s.status == "rejected"}
    assert not rejected & {i for t in stratified for i in t.example_ids}


def test_entity_slots_are_filled_and_recorded(bundle):
    tasks = planner(
        bundle, stages__questions={"examples": {"k": 6, "strategy": "random"}}
    ).question_tasks()
    for task in tasks:
        texts = " ".join(e["text"] for e in task.variables["examples"])
        assert "{country}" not in texts
        assert task.attributes["entities"]["country"] in texts
        assert task.attributes["entities"]["country"] in {"Kenya", "Peru"}


def test_personas_and_interventions_multiply_the_stage(bundle):
    personas = [{"name": "student", "text": "a student"}, {"name": "retiree", "text": "a retiree"}]
    interventions = [{"name": "equality", "text": "Answer with a focus on equality."}]
    tasks = planner(
        bundle,
        stages__questions={
            "personas": personas,
            "interventions": interventions,
            "examples": {"k": 1},
            "topics": ["savings"],
            "question_types": ["how-to"],
        },
    ).question_tasks()
    assert sorted((t.attributes["persona"], t.attributes["intervention"]) for t in tasks) == [
        ("retiree", "equality"),
        ("student", "equality"),
    ]


def test_empty_cell_and_dimension_without_examples_are_clear_errors(bundle):
    bundle.seed_questions = [s for s in bundle.seed_questions if s.question_type != "draft"]
    with pytest.raises(
        InputError,
        match="no accepted seed questions for cell topic='savings' × question_type='draft'",
    ):
        planner(bundle, stages__questions={"examples": {"strategy": "same-type"}})
    # k: 0 asks for zero-shot prompts, so an empty pool is fine
    assert planner(
        bundle, stages__questions={"examples": {"k": 0, "strategy": "same-type"}}
    ).question_tasks()
    bundle.seed_examples = [e for e in bundle.seed_examples if "fairness" not in e.dimensions]
    with pytest.raises(InputError, match="dimension 'fairness' has no accepted seed examples"):
        planner(bundle, stages__responses__dimensions=["fairness", "safety"])


def test_unknown_names_and_slots_are_clear_errors(bundle):
    with pytest.raises(InputError, match="topics the study does not have: loans"):
        planner(bundle, stages__questions__topics=["savings", "loans"])
    with pytest.raises(InputError, match="dimensions the study does not have: honesty"):
        planner(bundle, stages__responses__dimensions=["honesty"])
    bundle.seed_questions[0] = bundle.seed_questions[0].model_copy(
        update={"text": "Any {medicine} tips?"}
    )
    with pytest.raises(InputError, match=r"entity slot\(s\) \{medicine\}"):
        planner(bundle)


def _questions(tasks):
    from coalign.core.records import Record

    return [
        Record(
            id=t.id,
            run_id=t.run_id,
            stage="questions",
            template_name="q",
            template_hash="h",
            prompt="p",
            model_id="m",
            params={},
            seed=t.seed,
            attributes=t.attributes,
            data={"question": f"Question {n}?"},
            parse_status="failed" if n == 0 else "ok",
        )
        for n, t in enumerate(tasks)
    ]


def test_response_tasks_follow_parsed_questions_dimensions_and_conditions(bundle):
    plan = planner(
        bundle,
        stages__responses={
            "dimensions_per_question": 1,
            "examples": {"k": 2, "strategy": "random"},
            "personas": [{"name": "a"}, {"name": "b"}],
        },
    )
    questions = _questions(plan.question_tasks())
    tasks = plan.response_tasks(questions)
    assert len(tasks) == (len(questions) - 1) * 2 == plan.expected_responses(len(questions) - 1)
    assert {t.parents[0] for t in tasks} == {q.id for q in questions[1:]}, (
        "failed questions get no responses"
    )
    assert tasks == plan.response_tasks(list(reversed(questions))), "independent of order"
    examples = {e.id: e for e in bundle.seed_examples}
    for task in tasks:
        assert all(task.attributes["dimension"] in examples[i].dimensions for i in task.example_ids)
        assert task.variables["question"].startswith("Question")
        assert "{country}" not in " ".join(e["question"] for e in task.variables["examples"])
    every = planner(
        bundle, stages__responses={"dimensions_per_question": "all", "examples": {"k": 1}}
    )
    dims = {(t.parents[0], t.attributes["dimension"]) for t in every.response_tasks(questions)}
    assert len(dims) == (len(questions) - 1) * 2


def test_same_topic_examples_for_a_dimension_must_exist(bundle):
    with pytest.raises(
        InputError, match="no accepted seed examples of dimension 'fairness' for topic='cards'"
    ):
        planner(
            bundle,
            stages__questions__topics=["cards", "savings"],
            stages__responses={
                "dimensions": ["fairness"],
                "examples": {"k": 1, "strategy": "same-topic"},
            },
        )


def test_question_prompts_follow_the_kind_and_carry_personas(bundle):
    template = load_template("questions.j2", "questions")
    plan = planner(
        bundle,
        stages__questions={
            "examples": {"k": 1},
            "personas": [{"name": "newcomer", "text": "someone who moved here last month"}],
        },
    )
    prompts = {
        t.attributes["question_kind"]: template.render(**t.variables) for t in plan.question_tasks()
    }
    assert "closed question" in prompts["closed"] and "yes/no" in prompts["closed"]
    assert "instruction or request" in prompts["other"] and "new request" in prompts["other"]
    assert "open question" in prompts["open"] and "new question" in prompts["open"]
    assert all("someone who moved here last month" in p for p in prompts.values())


def test_a_recipe_can_leave_out_seeds_that_started_from_a_model_draft(bundle):
    drafted = bundle.seed_examples[0].model_copy(update={"llm_assisted": True})
    bundle.seed_examples[0] = drafted
    kept = planner(bundle, llm_assisted_seeds=False)
    assert drafted.id not in {e.id for e in kept.seed_examples}
    assert drafted.id in {e.id for e in planner(bundle).seed_examples}  # by default: used
    bundle.seed_examples = [
        e.model_copy(update={"llm_assisted": True}) if "fairness" in e.dimensions else e
        for e in bundle.seed_examples
    ]
    with pytest.raises(InputError, match="no accepted seed examples written by people"):
        planner(bundle, llm_assisted_seeds=False, stages__responses__dimensions=["fairness"])


def test_seed_questions_restrict_the_in_context_pool_and_unknown_ids_are_refused(bundle):
    accepted = [s for s in bundle.seed_questions if s.status == "accepted"]
    chosen = accepted[0].id
    plan = planner(
        bundle,
        stages__questions__seed_questions=[chosen],
        stages__questions__examples={"k": 2, "strategy": "random"},
    )
    assert [s.id for s in plan.seed_questions] == [chosen]
    assert {i for t in plan.question_tasks() for i in t.example_ids} == {chosen}
    with pytest.raises(InputError, match="not accepted seed questions of the study: sq_nope"):
        planner(bundle, stages__questions__seed_questions=[chosen, "sq_nope"])
    with pytest.raises(InputError, match="stages.questions.seed_questions"):
        parse_recipe(recipe_data(stages__questions__seed_questions=[]), "r.yaml")
