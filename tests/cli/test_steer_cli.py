"""``coalign steer`` in the terminal: a steered answer with its bars, feedback, rewind, sharing,
bad lines answered without ending the chat; ``coalign steer limit`` and the participant's own
``/limit`` block with a clear line."""

from __future__ import annotations

import io
import os
import signal
import threading

import pytest

from coalign.cli.main import run
from coalign.cli.steer import _interruptible
from coalign.coconstruct.diary import own_entries
from coalign.coconstruct.interact import conversations_for
from coalign.steer.chat import (
    chat_state,
)
from coalign.steer.limits import daily_limit, usage_of
from coalign.steer.prompt_library import library
from coalign.steer.repair import feedback_on
from coalign.store import open_store
from tests.coconstruct.helpers import people

SMALL = ["--n", "1", "--max-tokens", "12", "--temperature", "0.8", "--seed", "4"]


def chat(capsys, monkeypatch, db: str, lines: list[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    code = run(["--db", db, "steer", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_terminal_chat(capsys, monkeypatch, tmp_path) -> None:
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        (pid,) = people(store, "t1")
    lines = [
        "/set safety=4",
        "/set safety=9 x",
        "How do I save money?",
        "/valid",
        "/flag wanted tips",
        "/share Saving",
        "/rewind 1",
        "/bogus",
        "/quit",
    ]
    code, out, _ = chat(capsys, monkeypatch, db, lines, "--participant", pid, *SMALL)
    assert code == 0
    assert "axes: fairness, safety" in out
    assert "assistant> " in out and "(target 4)" in out and "/5" in out
    assert "error: write AXIS=VALUE, not 'x'" in out  # a bad line is answered, the chat goes on
    assert "error: unknown command /bogus" in out
    with open_store(db) as store:
        first, fork = conversations_for(store, pid)
        answer = chat_state(store, pid, first.id).conversation.turns[1]
        assert [f.kind for f in feedback_on(store, pid, [answer.id])[answer.id]] == [
            "validity",
            "flag",
        ]
        assert own_entries(store, pid)[0].goal == "wanted tips"
        assert library(store, pid)[0].text == "How do I save money?"
        assert [t.content for t in fork.turns] == ["How do I save money?"]


def test_limit_command_and_errors(capsys, monkeypatch, tmp_path) -> None:
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        (pid,) = people(store, "t2")
    assert run(["--db", db, "steer", "limit", "mini", "1"]) == 0
    with open_store(db) as store:
        assert daily_limit(store, "mini") == 1
    code, out, _ = chat(
        capsys, monkeypatch, db, ["Hi", "Again", "/quit"], "--participant", pid, *SMALL
    )
    assert code == 0
    assert "error: you have used all 1 steered turns allowed per day" in out
    assert run(["--db", db, "steer", "limit", "mini", "lots"]) == 1
    assert "error: give a whole number of turns or 'off'" in capsys.readouterr().err
    assert run(["--db", db, "steer", "limit", "mini", "off"]) == 0
    with open_store(db) as store:
        assert daily_limit(store, "mini") is None
    code, _, err = chat(capsys, monkeypatch, db, [], *SMALL)
    assert code == 1 and "error: give --participant ID" in err


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COALIGN_THREADS", "1")


def test_own_limit_in_the_terminal_chat(capsys, monkeypatch, tmp_path) -> None:
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        (pid,) = people(store, "t3")
    lines = ["/limit 0", "/limit many", "/limit 1", "Hi", "Again", "/limit off", "/quit"]
    code, out, _ = chat(capsys, monkeypatch, db, lines, "--participant", pid, *SMALL)
    assert code == 0
    assert "error: your daily limit must be from 1 to 1000 messages, not 0" in out
    assert "error: write /limit N (messages a day) or /limit off" in out
    assert "your limit: 1; the limit that holds: 1 a day; used today: 0" in out
    assert "error: you have reached your own limit of 1 messages a day" in out
    assert "your limit: none; the limit that holds: none; used today: 1" in out
    with open_store(db) as store:
        assert usage_of(store, pid).personal_limit is None


def test_ctrl_c_stops_the_answer_being_written() -> None:
    def work(stop: threading.Event) -> str:
        os.kill(os.getpid(), signal.SIGINT)  # the person presses Ctrl+C while the model writes
        assert stop.wait(30)
        os.kill(os.getpid(), signal.SIGINT)  # and again: the chat goes on all the same
        return "the text so far"

    handler = signal.getsignal(signal.SIGINT)
    assert _interruptible(work) == "the text so far"  # type: ignore[arg-type]
    assert signal.getsignal(signal.SIGINT) is handler  # Ctrl+C ends the chat again at the prompt
    assert _interruptible(lambda stop: "whole") == "whole"  # type: ignore[arg-type,return-value]
