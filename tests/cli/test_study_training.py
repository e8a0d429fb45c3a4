"""``coalign study show`` names a study's training, and ``study export`` / ``import`` carry it over
unchanged (the same digest, so attempts keep naming the version they answered)."""

from __future__ import annotations

from pathlib import Path

from coalign.store import open_store
from coalign.store.studies import get_study
from tests.cli.test_cli import MINI, cli
from tests.coconstruct.helpers import EXAMPLE_STUDY


def test_show_and_round_trip_of_the_training(capsys, tmp_path: Path) -> None:
    db, copy = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    assert cli(capsys, "--db", db, "study", "import", str(EXAMPLE_STUDY))[0] == 0
    assert cli(capsys, "--db", db, "study", "import", str(MINI))[0] == 0
    code, out, _ = cli(capsys, "--db", db, "study", "show", "bank-assistant")
    assert code == 0
    assert "training before coding: 2 examples, 3 check questions, pass mark 2" in out
    code, out, _ = cli(capsys, "--db", db, "study", "show", "mini")
    assert code == 0 and "training before coding: none (coding is open without one)" in out

    folder = tmp_path / "exported"
    assert cli(capsys, "--db", db, "study", "export", "bank-assistant", str(folder))[0] == 0
    assert cli(capsys, "--db", copy, "study", "import", str(folder / "study.yaml"))[0] == 0
    with open_store(db) as first, open_store(copy) as second:
        before = get_study(first, "bank-assistant").training
        after = get_study(second, "bank-assistant").training
    assert before is not None and after is not None and after.digest() == before.digest()
