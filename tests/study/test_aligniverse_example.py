"""The aligniverse example (study 003) imports with the documented commands on both engines and
runs: a German rater sees the German survey with the ethnicity list of their country, quotas
admit or screen out, and the example's interventions, prompts and merges fit its survey."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml
from sqlalchemy import select

from coalign.cli.main import run
from coalign.participation.demographics import get_survey, save_demographics
from coalign.rating.assignment import rating_page
from coalign.rating.campaigns import find_campaign
from coalign.rating.flow import give_consent, next_step, set_language
from coalign.store import Store
from coalign.store.rating_tables import ItemRow
from coalign.study import export_study, load_study_file
from tests.rating.helpers import crowd_seat

EXAMPLE = Path(__file__).parents[2] / "examples" / "aligniverse"
INTERVENTIONS = ["none", "republican", "patriarchy", "empathy", "equality"]


def imported(store: Store, capsys) -> None:
    """Run the two commands examples/README.md gives."""
    assert run(["--db", store.url, "study", "import", str(EXAMPLE / "study.yaml")]) == 0
    create = ["campaign", "create", str(EXAMPLE / "campaign.yaml")]
    items = ["--items", str(EXAMPLE / "campaign_items.jsonl")]
    assert run(["--db", store.url, *create, *items]) == 0
    assert "aligniverse/everyday-answers" in capsys.readouterr().out


def test_example_imports_and_runs(store: Store, capsys, tmp_path: Path) -> None:
    imported(store, capsys)
    survey = {q.name: q for q in get_survey(store, "aligniverse")}
    assert list(survey) == ["country", "gender", "age", "political", "ethnicity", "party"]
    stored = find_campaign(store, "aligniverse", "everyday-answers")
    campaign = stored.campaign
    assert stored.item_count == 25 and len(campaign.attention_checks) == 2
    assert [q.name for q in campaign.quotas] == ["country", "country_gender"]
    exported = export_study(store, "aligniverse", tmp_path / "again")[0]
    assert load_study_file(exported).demographics_survey == list(survey.values())
    with store.read() as session:
        contexts = session.scalars(select(ItemRow.context).where(ItemRow.context.is_not(None)))
        assert sorted(set(contexts)) == sorted(INTERVENTIONS)

    german = crowd_seat(store, "DE-1", campaign="everyday-answers", study="aligniverse")
    set_language(store, german, "de")
    give_consent(store, german, agree=True)
    save_demographics(
        store,
        german,
        {
            "country": "Germany",
            "gender": "she/her",
            "age": "25-34",
            "ethnicity": "Turkish or Kurdish background",
            "party": "SPD",
        },
    )
    step = next_step(store, german)
    assert step.kind == "item"
    page = rating_page(store, german, step.assignment_id, "de")
    assert [d.shown_name for d in page.dimensions] == [
        "Toxizität",
        "Emotionale Aufmerksamkeit",
        "Feingefühl und Offenheit",
        "Hilfsbereitschaft",
        "Stereotype",
    ]
    assert page.questions[0].options == [("yes", "ja"), ("no", "nein")]

    elsewhere = crowd_seat(store, "FR-1", campaign="everyday-answers", study="aligniverse")
    give_consent(store, elsewhere, agree=True)
    save_demographics(store, elsewhere, {"country": "another country", "ethnicity": "Indigenous"})
    assert (next_step(store, elsewhere).kind, next_step(store, elsewhere).code) == (
        "quota_full",
        "ALIGNIVERSE-QUOTA",
    )


def test_example_files_fit_together() -> None:
    survey = {q["name"]: q for q in yaml.safe_load((EXAMPLE / "survey.yaml").read_text())}
    interventions = yaml.safe_load((EXAMPLE / "interventions.yaml").read_text())
    assert [i["name"] for i in interventions] == INTERVENTIONS
    assert all(set(i["system_prompt"]) == {"en", "de"} for i in interventions)
    assert interventions[0]["system_prompt"] == {"en": "", "de": ""}  # the baseline: no prompt
    with (EXAMPLE / "prompts.csv").open(encoding="utf-8") as handle:
        prompts = [row["prompt"] for row in csv.DictReader(handle)]
    assert len(prompts) == 20 and len(set(prompts)) == 20
    merges = yaml.safe_load((EXAMPLE / "merges.yaml").read_text())
    for column, mapping in merges.items():
        options = survey[column]["options"]
        merged = [old for olds in mapping.values() for old in olds]
        assert len(merged) == len(set(merged)) and set(merged) <= set(options), column
