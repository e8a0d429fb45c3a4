"""``coalign campaign approvals``: the approvals file printed or written, bad thresholds refused."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from coalign.cli.main import run
from coalign.store import open_store
from tests.rating.helpers import finish, make_campaign


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "c.db")
    with open_store(path) as store:
        make_campaign(store)
        finish(store, "GOOD")
        finish(store, "CARELESS", fail_check=True)
    return path


def test_approvals_printed_and_written(db: str, tmp_path: Path, capsys) -> None:
    assert run(["--db", db, "campaign", "approvals", "mini/pilot"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["crowd_id"], r["decision"], r["reasons"]) for r in rows] == [
        ("GOOD", "approve", ""),
        ("CARELESS", "reject", "failed attention checks"),
    ]
    out = tmp_path / "approvals.csv"
    args = ["--db", db, "campaign", "approvals", "pilot", "--out", str(out)]
    assert run([*args, "--max-attention-failures", "1", "--min-median-seconds", "900"]) == 0
    assert "2 crowd participants" in capsys.readouterr().err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["reasons"] for r in rows} == {"too fast"}
    assert {(r["max_attention_failures"], r["min_median_seconds"]) for r in rows} == {
        ("1", "900.0")
    }


def test_bad_thresholds_and_unknown_campaigns_are_one_line(db: str, capsys) -> None:
    assert (
        run(["--db", db, "campaign", "approvals", "pilot", "--max-attention-failures", "-1"]) == 1
    )
    assert "cannot be negative" in capsys.readouterr().err
    assert run(["--db", db, "campaign", "approvals", "nope"]) == 1
    assert "no rating campaign 'nope'" in capsys.readouterr().err
