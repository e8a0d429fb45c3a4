"""`coalign axes report|adopt|rubric` and `coalign activities export` on a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from coalign.cli.main import run
from coalign.coconstruct.axes import (
    create_group,
    rank_axes,
    record_axis,
    set_goal,
    submit_attributes,
)
from coalign.coconstruct.coding import add_code
from coalign.coconstruct.diary import add_entry
from coalign.store import open_store
from coalign.store.coconstruction_tables import ConversationRow, TurnRow
from coalign.store.studies import study_row
from coalign.validation.rules.judge import load_rubric
from tests.coconstruct.helpers import people

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 16


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A study with a diary entry (with image), a coded baseline turn, and a ranked group of two axes."""
    path = str(tmp_path / "cli.db")
    with open_store(path) as store:
        alice, bob = people(store, "alice", "bob")
        add_entry(store, alice, {"goal": "g", "prompt": "p <b>", "response": "r"}, image=PNG)
        with store.session() as session:
            conv = ConversationRow(study_id=study_row(session, "mini").id, baseline=True, title="b")
            session.add(conv)
            session.flush()
            turn = TurnRow(conversation_id=conv.id, position=1, role="assistant", content="Sure.")
            session.add(turn)
            session.flush()
            turn_id = turn.id
        add_code(store, alice, {"turn_id": turn_id, "text": "too brief"})
        group = create_group(store, "mini", "Group A", [alice, bob])
        (attribute,) = submit_attributes(store, alice, group.id, [{"name": "Care"}])
        care = record_axis(
            store,
            "mini",
            group.id,
            {
                "name": "Care",
                "definition": "Shows care.",
                "example_turn_ids": [turn_id],
                "attribute_ids": [attribute.id],
            },
            "fac",
        )
        speed = record_axis(
            store, "mini", group.id, {"name": "Speed", "definition": "Answers fast."}, "fac"
        )
        rank_axes(store, alice, group.id, {care.id: (2, 4), speed.id: (1, 3)})
        set_goal(store, "mini", group.id, {"who": "customers", "what": "bank", "how": "care"})
    return path


def test_axes_report_prints_and_writes_json(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "report.json"
    assert run(["--db", db, "axes", "report", "mini", "Group A", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Kendall's tau-b -1.00" in printed and "as customers, bank" in printed
    report = json.loads(out.read_text())
    assert report["members"][0]["rank_changes"] == {"Care": -1.0, "Speed": 1.0}


def test_adopt_and_rubric(db: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(["--db", db, "axes", "adopt", "mini", "Group A", "Care"]) == 0
    rubric_file = tmp_path / "care.yaml"
    assert run(["--db", db, "axes", "rubric", "mini", "Care", str(rubric_file)]) == 0
    rubric = load_rubric(rubric_file)
    assert rubric.dimensions[0].name == "Care" and "Sure." in rubric.dimensions[0].criteria
    assert run(["--db", db, "axes", "adopt", "mini", "Group A", "Care"]) == 1
    assert "already" in capsys.readouterr().err


def test_errors_are_one_line(db: str, capsys: pytest.CaptureFixture) -> None:
    assert run(["--db", db, "axes", "report", "mini", "Nobody"]) == 1
    assert (
        "error: study 'mini' has no discussion group 'Nobody' (groups: Group A)"
        in capsys.readouterr().err
    )
    assert run(["--db", db, "axes", "report", "nosuch", "Group A"]) == 1


def test_activities_export(db: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "export"
    assert run(["--db", db, "activities", "export", "mini", str(out)]) == 0
    rows = {
        name: [json.loads(line) for line in (out / f"{name}.jsonl").read_text().splitlines()]
        for name in ("diaries", "conversations", "codes", "axes", "seeds", "seed_decisions")
    }
    assert (
        rows["diaries"][0]["prompt"] == "p <b>"
        and (out / rows["diaries"][0]["image"]).read_bytes() == PNG
    )
    assert rows["codes"][0]["text"] == "too brief" and rows["codes"][0]["turn_text"] == "Sure."
    assert [a["name"] for a in rows["axes"]] == ["Care", "Speed"]
    assert (
        rows["axes"][0]["examples"] == ["Sure."]
        and rows["axes"][0]["attributes"][0]["name"] == "Care"
    )
    assert {s["kind"] for s in rows["seeds"]} == {"seed_question", "seed_example"}
    assert len(rows["conversations"][0]["turns"]) == 1
    assert yaml.safe_load(capsys.readouterr().out.splitlines()[0])["diaries"] == 1
