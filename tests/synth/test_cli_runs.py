"""``coalign generate`` and ``coalign runs``: thin doors with one-line errors."""

from __future__ import annotations

import json

import pytest

from coalign.cli.main import run

from .conftest import STUDY, write_recipe


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_bad_input_is_one_line_and_nothing_is_written(capsys, tmp_path):
    db = str(tmp_path / "c.db")
    recipe = write_recipe(tmp_path)
    code, _, err = cli(capsys, "--db", db, "generate", str(recipe))
    assert code == 1 and err.startswith("error: no study 'synth-mini'")
    assert cli(capsys, "--db", db, "study", "import", str(STUDY))[0] == 0
    bad = write_recipe(tmp_path, "bad.yaml", stages__questions__per_cell=-1)
    code, _, err = cli(capsys, "--db", db, "generate", str(bad))
    assert (
        code == 1 and "stages.questions.per_cell: Input should be greater than or equal to 1" in err
    )
    assert err.count("\n") == 1
    code, _, err = cli(capsys, "--db", db, "runs", "show", "run_nothing")
    assert code == 1 and "no run matches 'run_nothing'" in err
    code, out, _ = cli(capsys, "--db", db, "runs", "list")
    assert code == 0 and "no runs yet" in out


def test_dry_run_prints_calls_tokens_and_time(capsys, tmp_path):
    db = str(tmp_path / "c.db")
    cli(capsys, "--db", db, "study", "import", str(STUDY))
    code, out, _ = cli(capsys, "--db", db, "generate", str(write_recipe(tmp_path)), "--dry-run")
    assert code == 0
    assert "calls: 4 (2 questions, 2 responses" in out and "tokens: about" in out and "time:" in out
    assert "no runs yet" in cli(capsys, "--db", db, "runs", "list")[1]


@pytest.mark.model
def test_generate_list_show_records_jsonl(capsys, tmp_path):
    db = str(tmp_path / "c.db")
    cli(capsys, "--db", db, "study", "import", str(STUDY))
    recipe = write_recipe(tmp_path, stages__responses=None)
    code, out, err = cli(capsys, "--db", db, "generate", str(recipe), "--limit", "1")
    assert code == 0, err
    assert "questions" in out and "status done" in out
    code, out, _ = cli(capsys, "--db", db, "runs", "list")
    assert code == 0 and "synth-test" in out and "done" in out
    run_id = out.split("run_", 1)[1].split()[0][:8]
    code, out, _ = cli(capsys, "--db", db, "runs", "show", f"run_{run_id}")
    assert code == 0 and '"name": "synth-test"' in out and '"limit": 1' in out
    code, out, _ = cli(
        capsys, "--db", db, "runs", "records", f"run_{run_id}", "--stage", "questions"
    )
    assert code == 0 and "questions" in out
    target = tmp_path / "records.jsonl"
    code, out, _ = cli(
        capsys, "--db", db, "runs", "records", f"run_{run_id}", "--jsonl", str(target)
    )
    assert code == 0 and "wrote 1 records" in out
    (line,) = target.read_text().splitlines()
    record = json.loads(line)
    assert (
        record["stage"] == "questions"
        and record["template_name"] == "questions.j2"
        and record["prompt"]
    )
