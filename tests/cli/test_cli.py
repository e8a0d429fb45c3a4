"""The command line: commands work end to end, and bad input is one clear line with exit code ≠ 0."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coalign.cli.main import run
from coalign.store import open_store
from coalign.store.calls import call_stats

MINI = Path(__file__).parents[1] / "fixtures" / "mini_study.yaml"


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_lists_commands(capsys):
    code, out, _ = cli(capsys, "--help")
    assert code == 0
    for command in ("init", "study", "models", "ask", "demo", "db"):
        assert command in out


def test_console_script_is_installed():
    exe = shutil.which("coalign", path=str(Path(sys.executable).parent))
    assert exe, "the coalign console script is installed with the package"
    result = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("coalign ")


def test_init_import_show_export(capsys, tmp_path):
    db = str(tmp_path / "c.db")
    assert cli(capsys, "--db", db, "init")[0] == 0
    code, out, _ = cli(capsys, "--db", db, "study", "import", str(MINI))
    assert code == 0 and "3 seed questions" in out
    code, out, _ = cli(capsys, "--db", db, "study", "show")
    assert code == 0 and "fairness" in out and "seed questions: 3 (accepted 2)" in out
    code, out, _ = cli(capsys, "--db", db, "study", "export", "mini", str(tmp_path / "exp"))
    assert code == 0 and (tmp_path / "exp" / "study.yaml").exists()
    code, out, _ = cli(capsys, "--db", db, "db", "upgrade")
    assert code == 0 and "already at" in out


@pytest.mark.model
def test_ask_logs_one_call(capsys, tmp_path):
    db = str(tmp_path / "c.db")
    code, out, _ = cli(
        capsys, "--db", db, "ask", "Name a currency.", "--max-tokens", "12", "--seed", "1"
    )
    assert code == 0 and "1 calls logged" in out
    with open_store(db) as store:
        assert call_stats(store).total == 1


def test_models_lists_the_embedded_model(capsys):
    code, out, _ = cli(capsys, "models")
    assert code == 0 and "llama-cpp:smollm2-135m" in out and "available" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--db", "mysql://h/db", "init"], "unsupported database"),
        (["--db", "postgresql://nobody@127.0.0.1:1/x", "init"], "cannot open database"),
        (["--model", "gpt-4", "models"], "not a model string"),
        (["--model", "llama-cpp:/no/such.gguf", "ask", "hi"], "model file not found"),
        (["study", "show", "nope"], "no study 'nope'"),
    ],
)
def test_bad_input_is_one_clear_line(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, *args)
    assert code == 1
    assert message in err and err.startswith("error:")
    assert "Traceback" not in err + out


def test_malformed_study_file(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("study:\n  title: no slug\n")
    code, _, err = cli(capsys, "--db", str(tmp_path / "c.db"), "study", "import", str(bad))
    assert code == 1 and "study.slug: Field required" in err


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(Exception, match="unsupported database"):
        run(["--debug", "--db", "mysql://h/db", "init"])


@pytest.mark.model
def test_demo_prints_summary_and_fills_the_db(capsys, tmp_path):
    code, out, _ = cli(
        capsys, "demo", "--out", str(tmp_path / "demo"), "--questions", "2", "--generate", "0"
    )
    assert code == 0
    assert "bank-assistant" in out and "seed questions" in out and "calls logged" in out
    with open_store(str(tmp_path / "demo" / "coalign.db")) as store:
        from coalign.store.studies import list_studies

        assert list_studies(store) == ["bank-assistant"]
        assert call_stats(store).total == 2
