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
    assert (tmp_path / "dataset" / "README.md").exists() and (
        tmp_path / "dataset" / "croissant.json"
    ).exists()


def test_export_accepted_still_writes_a_card_when_everything_was_rejected(
    run_store: Store, tmp_path: Path
) -> None:

    from coalign.core.records import Verdict
    from coalign.store.verdicts import save_verdicts

    save_verdicts(
        run_store,
        RUN,
        [
            Verdict(record_id=r, rule="manual", passed=False, reason="off-topic")
            for r in ("rec_q1", "rec_q3")
        ],
    )
    result, note = export_accepted(run_store, RUN, tmp_path / "dataset")
    assert (
        note is None
        and result is not None
        and result.rows == {"mitigator": 0, "sft": 0, "dpo": 0, "kto": 0}
    )
    card = (tmp_path / "dataset" / "README.md").read_text()
    assert "No row survived for mitigator, sft, dpo, kto" in card and "off-topic (2)" in card
    import pyarrow.parquet as pq

    empty = pq.read_table(tmp_path / "dataset" / "data" / "dpo.parquet")
    assert empty.num_rows == 0 and empty.column_names == ["prompt", "chosen", "rejected"]
    assert "configs" not in card.split("---")[1]  # `datasets` cannot load a config without data


@pytest.mark.model
def test_demo_prints_the_dataset_folder(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code = run(["demo", "--out", str(tmp_path / "demo"), "--questions", "0", "--generate", "1"])
    out = capsys.readouterr().out
    assert code == 0
    with open_store(str(tmp_path / "demo" / "coalign.db")) as store:
        (run_,) = list_runs(store)
        accepted = sum(1 for _ in accepted_triples(store, run_.id))
    assert f"dataset {tmp_path / 'demo' / 'dataset'}" in out.replace("\n", "")
    assert f"mitigator {accepted}" in out
    card = (tmp_path / "demo" / "dataset" / "README.md").read_text()
    assert f"Accepted triples exported: {accepted}." in card
    if (tmp_path / "demo" / "report" / "report.json").is_file():
        assert "### Propagation of seed patterns" in card
