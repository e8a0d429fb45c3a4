"""``coalign demo`` ends by exporting the accepted records with their card and printing the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from coalign.cli.main import run
from coalign.demo import export_accepted
from coalign.export.triples import accepted_triples
from coalign.store import Store, open_store
from coalign.store.runs import list_runs
from tests.export.conftest import RUN


def test_export_accepted_writes_the_four_record_formats(run_store: Store, tmp_path: Path) -> None:
    result, note = export_accepted(run_store, RUN, tmp_path / "dataset")
    assert note is None and result is not None
    assert result.rows == {"mitigator": 3, "sft": 3, "dpo": 3, "kto": 6}
    assert (tmp_path / "dataset" / "README.md").exists() and (tmp_path / "dataset" / "croissant.json").exists()


def test_export_accepted_says_why_when_nothing_is_accepted(run_store: Store, tmp_path: Path) -> None:
    from coalign.core.records import Verdict
    from coalign.store.verdicts import save_verdicts

    save_verdicts(run_store, RUN, [Verdict(record_id=r, rule="manual", passed=False, reason="test")
                                   for r in ("rec_q1", "rec_q3")])
    result, note = export_accepted(run_store, RUN, tmp_path / "dataset")
    assert result is None and note is not None and "nothing to export" in note
    assert not (tmp_path / "dataset").exists()


@pytest.mark.model
def test_demo_prints_the_dataset_folder(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code = run(["demo", "--out", str(tmp_path / "demo"), "--questions", "0", "--generate", "1"])
    out = capsys.readouterr().out
    assert code == 0
    with open_store(str(tmp_path / "demo" / "coalign.db")) as store:
        (run_,) = list_runs(store)
        accepted = sum(1 for _ in accepted_triples(store, run_.id))
    if accepted:
        assert f"dataset {tmp_path / 'demo' / 'dataset'}" in out.replace("\n", "")
        assert f"mitigator {accepted}" in out
        assert (tmp_path / "demo" / "dataset" / "README.md").is_file()
    else:  # the tiny model's answer did not parse: the demo says so instead of failing
        assert "no dataset exported:" in out and "nothing to export" in out
