"""The machine's model slot: one process generates at a time, and waiting processes get turns."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from coalign.llm.sharing import model_slot, slot_enabled

WORKER = textwrap.dedent(
    """
    import sys, time
    from coalign.llm.sharing import model_slot
    name, rounds, hold, log = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    for _ in range(rounds):
        with model_slot():
            with open(log, "a") as out:
                out.write(name + "+\\n")
            time.sleep(hold)
            with open(log, "a") as out:
                out.write(name + "-\\n")
    """
)


def worker(name: str, rounds: int, hold: float, log: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, name, str(rounds), str(hold), str(log)], env=env
    )


@pytest.fixture
def slot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("COALIGN_MODEL_SLOT_DIR", str(tmp_path / "slot"))
    monkeypatch.delenv("COALIGN_MODEL_SLOT", raising=False)
    import os

    return dict(os.environ)


def test_two_processes_never_hold_the_slot_at_once_and_take_turns(tmp_path, slot_env):
    log = tmp_path / "log"
    first = worker("A", 12, 0.05, log, slot_env)
    time.sleep(0.3)  # A is well into its rounds when B starts asking
    second = worker("B", 6, 0.05, log, slot_env)
    assert first.wait(60) == 0 and second.wait(60) == 0
    events = log.read_text().split()
    holders = [e[0] for e in events if e.endswith("+")]
    # never two holders: every "+" is followed by the same name's "-"
    assert all(
        events[i][0] == events[i + 1][0] and events[i + 1].endswith("-")
        for i in range(0, len(events), 2)
    )
    # once B waits, A cannot take the slot twice in a row while B still has rounds to go
    start = holders.index("B")
    b_done = len(holders) - 1 - holders[::-1].index("B")
    stretch = "".join(holders[start - 1 : b_done + 1])
    assert "AA" not in stretch, stretch


def test_threads_of_one_process_take_the_slot_one_at_a_time(slot_env):
    import threading

    inside, most = [0], [0]
    guard = threading.Lock()

    def call() -> None:
        with model_slot():
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.02)
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1


def test_the_slot_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("COALIGN_MODEL_SLOT", "off")
    assert not slot_enabled()
    with model_slot(), model_slot():  # no lock taken, so nesting does not wait
        pass
