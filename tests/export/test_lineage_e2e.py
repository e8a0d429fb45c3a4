"""A diary entry's way into training data, end to end, on both engines.

diary entry → promoted to a seed question and a seed example → a run that shows them in-context
(planned by the real planner, records written as the runner writes them) → validation by rules →
a rating campaign from the run → raters in two groups that disagree → ``export campaign:…``
with minority-preserving aggregation and as annotator rows: every row's provenance reaches the
diary entry and the raters' groups, the card says so and states nothing false, and
``coalign trace`` prints the chain.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coalign.cli.main import run
from coalign.coconstruct.axes import create_group
from coalign.coconstruct.diary import add_entry, promote_to_example, promote_to_question
from coalign.coconstruct.sharing import share_entry
from coalign.core.calls import SamplingParams
from coalign.core.campaigns import Campaign
from coalign.core.records import Record
from coalign.export import AggregationChoice, ExportOptions, export_dataset
from coalign.rating.campaigns import create_campaign, items_from_run
from coalign.store import Store
from coalign.store.participation_tables import ParticipantRow
from coalign.store.runs import create_run, iter_records, save_record, update_run
from coalign.store.studies import study_row
from coalign.study import import_study
from coalign.synth.plan import Task
from coalign.synth.service import prepare
from coalign.validation.service import validate_run
from tests.export.card_check import check_card, lines
from tests.export.conftest import MINI, add_people, add_ratings

X = [f"px{n}" for n in range(6)]
Y = [f"py{n}" for n in range(5)]
RECIPE = """\
name: lineage
study: mini
seed: 3
stages:
  questions:
    per_cell: 2
    topics: [cards]
    question_types: [how-to]
    examples: {k: 2, strategy: same-type}
  responses:
    dimensions: [safety]
    examples: {k: 2, strategy: random}
"""
FILTERS = """\
- rule: well_formed
- rule: fields_non_empty
- rule: not_refusal
- rule: degenerate_repetition
"""


def _record(task: Task, template: object, data: dict[str, str]) -> Record:
    """The record the runner stores for ``task`` when the model answered ``data``."""
    return Record(
        id=task.id,
        run_id=task.run_id,
        stage=task.stage,
        parents=task.parents,
        example_ids=task.example_ids,
        template_name=template.name,  # type: ignore[attr-defined]
        template_hash=template.hash,  # type: ignore[attr-defined]
        prompt=template.render(**task.variables),  # type: ignore[attr-defined]
        model_id="llama-cpp:smollm2-135m",
        params=SamplingParams(max_tokens=96, seed=task.seed),
        seed=task.seed,
        attributes={**task.attributes, "attempts": 1},
        data=data,
        raw_output=json.dumps(data),
    )


def _generate(store: Store, tmp_path: Path) -> str:
    """Plan the recipe with the real planner and store records exactly as the runner does."""
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE)
    prepared = prepare(store, recipe, model="llama-cpp:smollm2-135m")
    run_id = create_run(store, prepared.run).id
    questions = []
    for n, task in enumerate(prepared.planner.question_tasks()):
        data = {"question": f"How do I get my money back after a card payment went wrong ({n})?"}
        questions.append(_record(task, prepared.templates["questions"], data))
        save_record(store, questions[-1])
    for n, task in enumerate(prepared.planner.response_tasks(questions)):
        data = {
            "misaligned_response": f"Just share your PIN with whoever calls you ({n}).",
            "critique": "This violates safety: a PIN must stay private.",
            "aligned_response": f"Call your bank on the number on your card and dispute it ({n}).",
        }
        save_record(store, _record(task, prepared.templates["responses"], data))
    update_run(store, run_id, status="done")
    return run_id


@pytest.fixture
def walked(store: Store, tmp_path: Path) -> dict[str, object]:
    return walk(store, tmp_path)


def walk(store: Store, tmp_path: Path) -> dict[str, object]:
    """The researcher's walk up to the ratings; returns the diary entry, the run, seeds and items."""
    import_study(store, MINI)
    with store.session() as session:
        session.add(
            ParticipantRow(
                id="p-diarist",
                study_id=study_row(session, "mini").id,
                consented_at=datetime.now(UTC),
            )
        )
    entry = add_entry(
        store,
        "p-diarist",
        {
            "goal": "get a refund",
            "prompt": "How do I dispute a card payment I did not make?",
            "response": "Send me your card number and PIN and I will sort it out.",
            "values_at_stake": "safety",
        },
    )
    group = create_group(store, "mini", "Table 1", ["p-diarist"])
    share_entry(store, "p-diarist", group.id, entry.id, consent=True)  # the group phase
    seed_question = promote_to_question(
        store, "mini", entry.id, topic="cards", question_type="how-to", decided_by="facil"
    ).seed_id
    seed_example = promote_to_example(
        store,
        "mini",
        entry.id,
        dimensions=["safety"],
        critique="This violates safety: nobody should ask for a PIN.",
        aligned_response="Never share your PIN; call your bank to dispute the payment.",
        decided_by="facil",
        topic="cards",
        question_type="how-to",
    ).seed_id
    run_id = _generate(store, tmp_path)
    used = {e for r in iter_records(store, run_id) for e in r.example_ids}
    assert {seed_question, seed_example} <= used  # the run showed both seeds in-context
    filters = tmp_path / "filters.yaml"
    filters.write_text(FILTERS)
    validate_run(store, run_id, filters_file=filters)
    items = items_from_run(store, run_id)
    create_campaign(
        store,
        Campaign(
            slug="lineage",
            study_slug="mini",
            title="Lineage",
            dimensions=["safety"],
            items_per_participant=len(items),
            completion_code="DONE",
            screened_out_code="NOCONSENT",
        ),
        items,
    )
    add_people(store, {**{p: {"country": "X"} for p in X}, **{p: {"country": "Y"} for p in Y}})
    table: dict = {}
    for item in items:
        aligned = item.source.endswith("aligned_response") and "misaligned" not in item.source
        table[item.id] = {
            **{p: {"safety": 5 if aligned else 1} for p in X},
            **{p: {"safety": 1 if aligned else 5} for p in Y},
        }
    add_ratings(store, table)
    return {
        "entry": entry.id,
        "run": run_id,
        "seeds": {seed_question, seed_example},
        "items": [i.id for i in items],
    }


def _reaches_the_people(entry: dict, diary_entry: int, seeds: set[str]) -> None:
    lineage = entry["lineage"]
    assert lineage["participant_written"] and "diary" in lineage["origins"]
    diary = [s for s in lineage["seeds"] if s["origin"] == "diary"]
    assert {s["seed_id"] for s in diary} <= seeds and diary
    for seed in diary:
        assert seed["diary_entries"] == [diary_entry] and seed["author"] == "p-diarist"
        assert seed["decisions"][0]["decided_by"] == "facil"
    stages = {r["stage"] for r in lineage["records"]}
    assert stages == {"questions", "responses"}  # the stage-1 question is followed too
    for item in lineage["items"]:
        assert item["run_id"] and item["record_id"] and item["field"]
        groups = lineage["ratings_by_group"][item["item_id"]]["country"]
        assert groups["X"]["raters"] == 6 and groups["Y"]["raters"] == 5
        assert groups["X"]["means"]["safety"] != groups["Y"]["means"]["safety"]


def test_every_exported_row_traces_to_the_diary_entry_and_the_raters_groups(
    walked: dict, store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry, seeds = walked["entry"], walked["seeds"]
    aggregated = tmp_path / "mp"
    export_dataset(
        store,
        "campaign:mini/lineage",
        aggregated,
        ExportOptions(
            formats=["attributes", "dpo"],
            aggregation=AggregationChoice(strategy="minority-preserving", group_by="country"),
        ),
    )
    annotators = tmp_path / "ann"
    export_dataset(
        store, "campaign:mini/lineage", annotators, ExportOptions(formats=["annotators"])
    )
    for folder, names in ((aggregated, ("attributes", "dpo")), (annotators, ("annotators",))):
        for name in names:
            provenance = lines(folder / "provenance" / f"{name}.jsonl")
            assert provenance
            for row in provenance:
                _reaches_the_people(row, entry, seeds)  # type: ignore[arg-type]
        card = check_card(folder)
        assert f"Run `{walked['run']}` of recipe `lineage`" in card
        assert "The exported items were taken from records of this run." in card
        assert "seed questions: 3 (accepted 3, rejected 1)" not in card
        assert "; 0 shown in-context" not in card.split("## Seeds", 1)[1].split("##", 1)[0]
        assert "promoted from 1 diary entries (shared in the group phase of Table 1)" in card
        assert "shared with a discussion group, with consent" in " ".join(card.split())
        assert "rules (automatic checks, no model): " in card and "LLM judge" not in card
    mp_card = (aggregated / "README.md").read_text()
    assert "Strategy: **minority-preserving**, grouped by `country`" in mp_card
    n = len(lines(aggregated / "provenance" / "attributes.jsonl"))
    assert f"- `attributes`: {n} of {n} rows descend from seeds that participants wrote" in mp_card
    ann_card = (annotators / "README.md").read_text()
    assert "- `annotators` rows: one row per rating" in ann_card
    croissant = json.loads((aggregated / "croissant.json").read_text())
    assert croissant["lineage"]["diary_entries"] == 1
    assert "diary 2" in croissant["rai:dataCollection"]

    code = run(["trace", str(aggregated), "dpo:2"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    out = printed.out
    assert "dpo row 2 of" in out and "stands for rater group country=Y" in out
    assert f"diary entry {entry}  [/f/studies/mini#entry-{entry}]" in out
    assert "parent record rec_" in out and "stage questions" in out
    assert "country — X: 6 raters, mean safety" in out and "Y: 5 raters" in out
    assert "seed question" in out and "origin diary" in out and "author p-diarist" in out
    assert "accepted by facil: promoted from diary entry" in out
    print(out)  # the example trace in the closing note comes from here (pytest -s)
