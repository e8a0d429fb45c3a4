"""``coalign account add``, ``coalign serve`` and ``coalign demo --serve`` end to end (real uvicorn)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from coalign.cli.main import run
from coalign.demo import example_study_file, prepare_web_demo
from coalign.participation.accounts import authenticate
from coalign.store import Store, open_store
from coalign.study import import_study
from tests.web.serving import serving

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_account_add(
    capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "c.db")
    monkeypatch.setenv("COALIGN_PASSWORD", "correct horse")
    assert run(["--db", db, "account", "add", "ada", "--role", "admin"]) == 0
    assert "created admin account 'ada'" in capsys.readouterr().out
    assert run(["--db", db, "account", "add", "ada"]) == 1
    assert "error: an account 'ada' exists already" in capsys.readouterr().err
    monkeypatch.setenv("COALIGN_PASSWORD", "short")
    assert run(["--db", db, "account", "add", "bob"]) == 1
    assert "at least 8 characters" in capsys.readouterr().err
    with open_store(db) as store:
        assert authenticate(store, "ada", "correct horse", "test").is_admin


def test_serve_runs_the_app(tmp_path: Path) -> None:
    db, log = str(tmp_path / "s.db"), tmp_path / "serve.log"
    with serving(["--db", db, "serve"], log) as (base, _):
        assert "Log in" in httpx.get(f"{base}/login").text
        assert httpx.get(f"{base}/static/htmx.min.js").status_code == 200
    assert f"{base}/" in log.read_text()


def test_several_workers_are_refused_on_sqlite(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    db = str(tmp_path / "s.db")
    assert run(["--db", db, "serve", "--workers", "2"]) == 1
    err = capsys.readouterr().err
    assert "--workers 2 needs PostgreSQL" in err and "one worker" in err
    assert run(["--db", db, "serve", "--workers", "0"]) == 1
    assert "--workers takes 1 to 64" in capsys.readouterr().err


@pytest.mark.postgres
def test_several_workers_share_sessions_and_logins_on_postgresql(
    pg_url: str, tmp_path: Path
) -> None:
    """Four worker processes: a login made by one is honoured by all, a crowd seat by all."""
    with open_store(pg_url) as store:
        import_study(store, example_study_file())
        web = prepare_web_demo(store, "bank-assistant")
    log = tmp_path / "serve.log"
    with serving(["--db", pg_url, "serve", "--workers", "4"], log) as (base, process):
        workers = subprocess.run(
            ["pgrep", "-P", str(process.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(workers) >= 4, log.read_text()
        with httpx.Client(base_url=base) as facilitator:
            token = CSRF.search(facilitator.get("/login").text).group(1)
            form = {"csrf_token": token, "username": web.username, "password": web.password}
            assert facilitator.post("/login", data=form).status_code == 303
            # New connections land on any worker; every one must know the session.
            for _ in range(12):
                with httpx.Client(base_url=base, cookies=facilitator.cookies) as again:
                    page = again.get("/f")
                    assert page.status_code == 200 and "/login" not in str(page.url)
        with httpx.Client(base_url=base) as participant:
            first = participant.get(web.crowd_path, follow_redirects=True)
            assert "consent" in str(first.url)
            for _ in range(8):
                with httpx.Client(base_url=base, cookies=participant.cookies) as again:
                    assert "consent" in str(again.get("/p/next", follow_redirects=True).url)
    assert "4 workers" in log.read_text()


def test_prepare_web_demo(sqlite_store: Store) -> None:
    import_study(sqlite_store, example_study_file())
    web = prepare_web_demo(sqlite_store, "bank-assistant")
    assert authenticate(sqlite_store, web.username, web.password, "test").is_admin
    assert web.crowd_path.startswith("/s/bank-assistant/demo-ratings?PROLIFIC_PID=")
    assert web.invite_path.startswith("/i/")


@pytest.mark.model
def test_demo_serve_prints_a_login_and_working_links(tmp_path: Path) -> None:
    log = tmp_path / "demo.log"
    env = {**os.environ, "COALIGN_THREADS": "1", "NO_COLOR": "1", "COLUMNS": "200"}
    demo = ["demo", "--out", str(tmp_path / "demo"), "--questions", "0", "--generate", "0"]
    with serving([*demo, "--serve"], log, env) as (base, _):
        text = log.read_text()
        password = re.search(r"user admin\s+password (\S+)", text).group(1)
        crowd = re.search(r"participant \(crowd link\) (\S+)", text).group(1)
        with httpx.Client(base_url=base) as facilitator:
            token = CSRF.search(facilitator.get("/login").text).group(1)
            assert (
                facilitator.post(
                    "/login", data={"csrf_token": token, "username": "admin", "password": password}
                ).status_code
                == 303
            )
            assert "rate the assistant" in facilitator.get("/f").text
        with httpx.Client() as participant:
            assert "consent" in str(participant.get(crowd, follow_redirects=True).url)


def test_survey_set_and_show(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    assert run(["--db", db, "study", "import", "tests/fixtures/mini_study.yaml"]) == 0
    assert run(["--db", db, "survey", "show", "mini"]) == 0
    assert "name: gender" in capsys.readouterr().out
    good = tmp_path / "survey.yaml"
    good.write_text(
        "- name: region\n  label: Where do you live?\n  options: [north, south]\n"
        "- name: occupation\n  label: What is your job?\n  kind: text\n"
    )
    assert run(["--db", db, "survey", "set", "mini", str(good)]) == 0
    capsys.readouterr()
    assert run(["--db", db, "survey", "show", "mini"]) == 0
    shown = capsys.readouterr().out
    assert "name: region" in shown and "name: gender" not in shown
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {name: region, label: Where}\n")
    assert run(["--db", db, "survey", "set", "mini", str(bad)]) == 1
    assert "a choice question needs options" in capsys.readouterr().err
    bad.write_text("region: north\n")
    assert run(["--db", db, "survey", "set", "mini", str(bad)]) == 1
    assert "expected a YAML list" in capsys.readouterr().err
    bad.write_text("- {name: x, label: Where?}\n")
    assert run(["--db", db, "survey", "set", "mini", str(bad)]) == 1
    assert "line 1, column" in (err := capsys.readouterr().err) and "not valid YAML" in err
