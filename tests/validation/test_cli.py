"""``coalign validate``, ``report`` and ``review`` end to end; bad input is one clear line, exit ≠ 0."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from coalign.cli.main import run
from coalign.store import open_store
from coalign.store.verdicts import list_verdicts

from .conftest import BANK, bank_records, make_run


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "c.db")
    with open_store(path) as store:
        make_run(store, bank_records(), study=BANK)
    return path


def test_validate_report_review(capsys, db, tmp_path, monkeypatch):
    code, out, err = cli(capsys, "--db", db, "validate", "run_t")
    assert code == 0, err
    # 4 questions name a topic ('savings') the bank study does not have: topic_fit rejects them,
    # and the answers to rejected questions are left out with them
    assert "near_duplicate" in out
    assert "accepted 3, rejected 6, 3 more left out with their rejected question" in " ".join(
        out.split()
    )
    code, out, err = cli(
        capsys,
        "--db",
        db,
        "report",
        "run_test",
        "--out",
        str(tmp_path / "rep"),
        "--classifier",
        "llama-cpp:smollm2-135m",
        "--classifier-sample",
        "2",
    )
    assert code == 0, err
    assert "LLM classifier llama-cpp:smollm2-135m" in (tmp_path / "rep" / "report.html").read_text()
    assert (tmp_path / "rep" / "report.html").is_file()
    assert json.loads((tmp_path / "rep" / "report.json").read_text())["validation"]["rejected"] == 6
    assert "topic" in out and "JS" in out
    with open_store(db) as store:
        first = next(r for r in bank_records() if r.parse_status == "ok")
    code, out, err = cli(
        capsys,
        "--db",
        db,
        "review",
        "run_test",
        "--record",
        first.id[:10],
        "--reject",
        "--note",
        "off topic",
        "--reviewer",
        "ana",
    )
    assert code == 0, err and "rejected" in out
    # Interactive: accept the first sampled record, reject the second with a note, then quit.
    monkeypatch.setattr("sys.stdin", io.StringIO("a\n\nr\nwrong value named\nq\n"))
    code, out, err = cli(
        capsys, "--db", db, "review", "run_test", "--reviewer", "ben", "--size", "5"
    )
    assert code == 0, err
    with open_store(db) as store:
        ben = [v for v in list_verdicts(store, "run_test") if v.judge == "human:ben"]
    assert sorted(v.passed for v in ben) == [False, True]
    assert any(v.reason == "wrong value named" for v in ben)
    code, out, _ = cli(capsys, "--db", db, "review", "run_test", "--agreement")
    assert code == 0 and "3 decisions" in out and "kappa" in out


def test_bad_input_is_one_line(capsys, db, tmp_path):
    code, _, err = cli(capsys, "--db", db, "validate", "nope")
    assert code == 1 and err.startswith("error:") and "no run matches 'nope'" in err
    bad = tmp_path / "f.yaml"
    bad.write_text("- rule: lenght\n")
    code, _, err = cli(capsys, "--db", db, "validate", "run_test", "--filters", str(bad))
    assert code == 1 and "filters[0].rule: unknown rule 'lenght'" in err
    code, _, err = cli(capsys, "--db", db, "review", "run_test", "--record", "rec_")
    assert code == 1 and "--accept or --reject" in err
    code, _, err = cli(capsys, "--db", db, "review", "run_test", "--record", "zzz", "--accept")
    assert code == 1 and "no record" in err
    code, _, err = cli(capsys, "--db", db, "report", "run_test", "--out", "/proc/no/such/dir")
    assert code == 1 and err.startswith("error:")


def test_a_second_pass_names_what_stays_in_force_and_clean_starts_over(capsys, db, tmp_path):
    assert cli(capsys, "--db", db, "validate", "run_test")[0] == 0
    only = tmp_path / "only.yaml"
    only.write_text("- rule: well_formed\n")
    code, out, err = cli(capsys, "--db", db, "validate", "run_test", "--filters", str(only))
    assert code == 0, err
    assert "still in force from earlier passes" in " ".join(out.split())
    code, out, err = cli(
        capsys, "--db", db, "validate", "run_test", "--filters", str(only), "--clean"
    )
    assert code == 0, err
    assert "earlier automatic verdicts no longer count" in out and "still in force" not in out
    code, out, err = cli(capsys, "--db", db, "validate", "run_test", "--rule", "near_duplicate")
    assert code == 0, err
    table, rest = out.split("still in force", 1)
    assert "near_duplicate" in table and "well_formed" not in table
    assert "well_formed (1)" in " ".join(rest.split())  # its failing verdict still counts
    code, _, err = cli(capsys, "--db", db, "validate", "run_test", "--rule", "nope")
    assert code != 0 and "no filter named nope" in err
