"""``coalign demo`` runs the example's generation recipe at a small size and says where the records are."""

from __future__ import annotations

import pytest

from coalign.cli.main import run
from coalign.store import open_store
from coalign.store.runs import list_runs, record_counts

pytestmark = pytest.mark.model


def test_demo_generates_and_prints_per_stage_counts(capsys, tmp_path):
    code = run(["demo", "--out", str(tmp_path / "demo"), "--questions", "0", "--generate", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "synthetic data" in out and "questions: 1 in" in out and "responses:" in out
    assert "runs records" in out
    with open_store(str(tmp_path / "demo" / "coalign.db")) as store:
        (run_,) = list_runs(store)
        counts = record_counts(store, run_.id)
    assert run_.status == "done" and run_.recipe_name == "bank-assistant-two-stage"
    assert sum(counts["questions"].values()) == 1
    assert (
        sum(counts.get("responses", {}).values())
        == run_.planned["responses"]
        == counts["questions"]["ok"]
    )
