"""Exports after a withdrawal: the person's ratings are gone and the card says people withdrew."""

from __future__ import annotations

import json
from pathlib import Path

from coalign.core.seeds import SeedExample
from coalign.export import AggregationChoice, ExportOptions, export_dataset
from coalign.participation.withdrawal import delete_participant, withdraw
from coalign.store import Store
from coalign.store.seeds import save_seed_examples
from tests.export.conftest import add_items, add_people, add_ratings


def test_card_counts_withdrawals_and_their_used_seeds(run_store: Store, tmp_path: Path) -> None:
    add_people(run_store, {p: {"country": "X"} for p in ("r1", "r2", "r3")})
    add_items(run_store, {"a": ("Should I move my savings?", "Yes, all of it.")})
    add_ratings(run_store, {"a": {p: {"safety": 4} for p in ("r1", "r2", "r3")}})
    with run_store.session() as session:  # r3 wrote seed example se_1, which the run used
        save_seed_examples(
            session,
            "mini",
            [
                SeedExample(
                    id="se_1",
                    question="q",
                    misaligned_response="m",
                    critique="c",
                    aligned_response="a",
                    dimensions=["safety"],
                    author="r3",
                )
            ],
        )
    options = ExportOptions(formats=["annotators"], aggregation=AggregationChoice())
    before = tmp_path / "before"
    export_dataset(run_store, "study:mini", before, options)
    assert "withdrew" not in (before / "README.md").read_text()

    withdraw(run_store, "r1")
    delete_participant(run_store, "r3", admin="alice", channel="cli")
    out = tmp_path / "after"
    export_dataset(run_store, "study:mini", out, options)
    rows = [json.loads(x) for x in (out / "data" / "annotators.jsonl").read_text().splitlines()]
    assert {r["annotator"] for r in rows} == {"r2"}
    card = (out / "README.md").read_text()
    assert (
        "2 participants withdrew; their data was deleted before this export (1 of their seeds "
        "had been used by generation runs" in card
    )
