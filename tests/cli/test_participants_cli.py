"""``coalign participants``: an admin deletes a participant by id or crowd id, and lists the log."""

from __future__ import annotations

import io

from coalign.store import open_store
from tests.cli.test_cli import cli
from tests.coconstruct.helpers import people


def test_delete_by_crowd_id_then_by_id_and_list(capsys, tmp_path, monkeypatch) -> None:
    db = str(tmp_path / "p.db")
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    with open_store(db) as store:
        first, second = people(store, "PROLIFIC-1", "PROLIFIC-2")
    code, out, _ = cli(
        capsys, "--db", db, "participants", "delete", "--crowd-id", "PROLIFIC-1", "--study", "mini"
    )
    assert code == 130 and "Delete this participant's data? [y/N]" in out, "without --yes it asks"
    code, out, err = cli(
        capsys,
        "--db",
        db,
        "participants",
        "delete",
        "--crowd-id",
        "PROLIFIC-1",
        "--study",
        "mini",
        "--by",
        "alice",
        "--yes",
    )
    assert code == 0, err
    assert f"participant {first} of study mini" in out and "enrollments: 1" in out
    assert f"deleted 2 rows of participant {first}" in out
    code, out, err = cli(capsys, "--db", db, "participants", "delete", second, "-y")
    assert code == 0, err
    code, out, _ = cli(capsys, "--db", db, "participants", "withdrawals", "mini")
    assert code == 0
    lines = out.splitlines()
    assert second in lines[0] and "(cli)" in lines[0]
    assert first in lines[1] and "by admin alice (cli)" in lines[1]
    code, _, err = cli(capsys, "--db", db, "participants", "delete", first, "--yes")
    assert code == 1 and "was deleted on" in err
    code, _, err = cli(capsys, "--db", db, "participants", "delete", "--crowd-id", "X")
    assert code == 1 and "--study" in err
