"""Campaigns from files: the example campaign in English and German, and bad files named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from coalign.cli.main import run
from coalign.core.errors import InputError, StudyFileError
from coalign.rating.assignment import rating_page
from coalign.rating.campaign_files import create_campaign_from_files, load_campaign_file
from coalign.rating.campaigns import resolve_campaign
from coalign.rating.flow import next_step
from coalign.store import Store, open_store
from coalign.study import import_study
from tests.rating.helpers import ready_seat

EXAMPLE = Path("examples/bank-assistant")


def test_the_example_campaign_rates_in_german_with_its_own_definitions(store: Store) -> None:
    import_study(store, EXAMPLE / "study.yaml")
    stored = create_campaign_from_files(
        store, EXAMPLE / "campaign.yaml", items=EXAMPLE / "campaign_items.jsonl"
    )
    assert stored.item_count == 8 and stored.campaign.dimensions == ["fairness", "safety"]
    seat = ready_seat(store, "P0", campaign="answers-pilot", study="bank-assistant")
    page = rating_page(store, seat, next_step(store, seat).assignment_id, "de")
    fairness = page.dimensions[0]
    assert fairness.definition.startswith("Die Antwort behandelt alle Menschen")
    assert fairness.labels[0] == "deutlich unfair oder diskriminierend"
    assert page.questions[0].text == "Nennt die Antwort Gebühren oder Kosten?"


def test_a_bad_campaign_file_names_every_bad_key(tmp_path: Path) -> None:
    bad = tmp_path / "campaign.yaml"
    bad.write_text(
        "slug: Not A Slug\nstudy_slug: mini\ntitle: t\ndimensions: [fairness]\n"
        "items_per_participant: 0\ncompletion_code: A\nscreened_out_code: B\nsurprise: 1\n"
    )
    with pytest.raises(StudyFileError) as caught:
        load_campaign_file(bad)
    message = str(caught.value)
    assert "slug" in message and "items_per_participant" in message and "surprise" in message
    bad.write_text("- just\n- a list\n")
    with pytest.raises(StudyFileError, match="expected a mapping"):
        load_campaign_file(bad)
    bad.write_text("slug: [unclosed\n")
    with pytest.raises(StudyFileError, match="line 2, column 1: not valid YAML"):
        load_campaign_file(bad)


def test_items_come_from_at_most_one_source(store: Store) -> None:
    with pytest.raises(InputError, match="not both"):
        create_campaign_from_files(
            store, EXAMPLE / "campaign.yaml", items=EXAMPLE / "campaign_items.jsonl", run_id="run_x"
        )


def test_campaign_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        import_study(store, EXAMPLE / "study.yaml")
    items = ["--items", str(EXAMPLE / "campaign_items.jsonl")]
    assert run(["--db", db, "campaign", "create", str(EXAMPLE / "campaign.yaml"), *items]) == 0
    out = capsys.readouterr().out
    assert "bank-assistant/answers-pilot" in out and "8 items" in out
    assert "/s/bank-assistant/answers-pilot?PROLIFIC_PID={{%PROLIFIC_PID%}}" in out
    assert run(["--db", db, "campaign", "create", str(EXAMPLE / "campaign.yaml"), *items]) == 1
    assert "answers-pilot" in capsys.readouterr().err  # the slug is taken: nothing stored twice
    invite = ["campaign", "invites", "answers-pilot", "-n", "2", "--base-url", "https://x.org"]
    assert run(["--db", db, *invite]) == 0
    links = capsys.readouterr().out.split()
    assert len(links) == 2 and all(link.startswith("https://x.org/i/") for link in links)
    assert run(["--db", db, "campaign", "close", "bank-assistant/answers-pilot"]) == 0
    with open_store(db) as store:
        assert resolve_campaign(store, "answers-pilot").campaign.status == "closed"
    assert run(["--db", db, "campaign", "list"]) == 0
    assert "closed" in capsys.readouterr().out
    assert run(["--db", db, "campaign", "open", "answers-pilot"]) == 0
    with open_store(db) as store:
        assert resolve_campaign(store, "answers-pilot").is_open
