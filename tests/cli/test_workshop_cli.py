"""``coalign activities handout`` and ``coalign activities boards`` end to end: bad input is one
clear line, a model server that is down leaves the groups' runs paused (exit code ≠ 0), the
embedded model writes the questions, and the boards are written as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from coalign.coconstruct.reflection import post_note
from coalign.coconstruct.workshop import create_workshop, start_session
from coalign.coconstruct.workshop_seeds import moderate, write_question
from coalign.store import open_store
from tests.cli.test_cli import cli
from tests.coconstruct.helpers import people
from tests.conftest import free_port


def _workshop(db: str) -> str:
    """A workshop w1 (group red: alice) after session 1: an accepted question and a note."""
    with open_store(db) as store:
        (alice,) = people(store, "alice")
        workshop = create_workshop(store, "mini", "w1", "W", {"red": [alice]})
        start_session(store, "mini", workshop.id, 1)
        seed = write_question(
            store, alice, workshop.id, "May I close my account online?", "cards", "yes-no"
        )
        moderate(store, "mini", workshop.id, "question", seed.id, "accepted", "clear", "mod")
        post_note(store, alice, workshop.id, 1, "We ran out of question types.")
        return alice


def test_handout_and_boards_commands(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    alice = _workshop(db)
    code, _, err = cli(capsys, "--db", db, "activities", "handout", "mini", "w1", "-d", "red")
    assert code != 0 and "--dimension takes GROUP=DIMENSION, not 'red'" in err
    code, _, err = cli(capsys, "--db", db, "activities", "handout", "mini", "w9", "-d", "red=x")
    assert code != 0 and "no workshop 'w9' (it has: w1)" in err
    code, _, err = cli(
        capsys, "--db", db, "activities", "handout", "mini", "w1", "-d", "red=honesty"
    )
    assert code != 0 and "breakout group red: unknown value dimension" in err
    down = f"openai:http://127.0.0.1:{free_port()}/v1#m"
    handout = ("activities", "handout", "mini", "w1", "-d", "red=safety", "--size", "2")
    code, out, err = cli(capsys, "--db", db, "--model", down, *handout)
    assert code != 0 and "paused" in out and "model unreachable" in err and "run again" in err
    code, out, _ = cli(capsys, "--db", db, "--model", "llama-cpp:smollm2-135m", *handout)
    assert code == 0 and "done" in out and "rec_" in out

    code, out, _ = cli(
        capsys, "--db", db, "activities", "boards", "mini", str(tmp_path / "b.csv"), "-w", "w1"
    )
    assert code == 0 and "wrote 1 notes" in out
    (row,) = csv.DictReader((tmp_path / "b.csv").open(encoding="utf-8"))
    assert (row["author"], row["session"], row["text"]) == (
        alice,
        "1",
        "We ran out of question types.",
    )
    code, _, err = cli(capsys, "--db", db, "activities", "boards", "mini", str(tmp_path / "b.txt"))
    assert code != 0 and ".csv or a .jsonl" in err
