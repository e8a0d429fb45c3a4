"""Stopping a run the hard ways: Ctrl-C, SIGKILL mid-stage, and a model server that goes away."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coalign.core.errors import ConflictError, ModelUnavailableError
from coalign.store import open_store
from coalign.store.runs import get_run, iter_records, list_runs, record_counts
from coalign.store.tables import RecordRow
from coalign.synth import generate, resume

from .conftest import import_test_study, write_recipe

pytestmark = pytest.mark.model


def stored(db: str) -> int:
    with open_store(db, migrate=False) as store, store.read() as session:
        return session.scalar(select(func.count()).select_from(RecordRow))


def start(db: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "COALIGN_THREADS": os.environ.get("COALIGN_THREADS", "1")}
    return subprocess.Popen(
        [sys.executable, "-m", "coalign", "--db", db, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_for(db: str, process: subprocess.Popen, records: int, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while stored(db) < records:
        assert process.poll() is None, f"the run ended early: {process.communicate()}"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)


def assert_complete(store, run_id: str) -> None:
    run = get_run(store, run_id)
    records = list(iter_records(store, run_id))
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids))
    counts = record_counts(store, run_id)
    for stage, planned in run.planned.items():
        assert sum(counts.get(stage, {}).values()) == planned, stage
    questions = [r for r in records if r.stage == "questions"]
    assert run.planned["responses"] == sum(r.parse_status == "ok" for r in questions)
    cells = [(r.attributes["topic"], r.attributes["question_type"]) for r in questions]
    assert len(cells) == len(set(cells)) == 3, "each cell exactly once: no duplicates, no gaps"
    known = set(ids)
    assert all(parent in known for r in records for parent in r.parents), "no orphan records"
    assert run.status == "done"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return (
        str(tmp_path / "crash.db")
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )


def test_ctrl_c_pauses_and_sigkill_mid_stage_resumes_exactly(db_url, tmp_path):
    db = db_url
    with open_store(db) as store:
        import_test_study(store)
    recipe = write_recipe(
        tmp_path,
        stages__questions__question_types=None,
        stages__questions__params={"temperature": 0.9, "max_tokens": 40},
        stages__responses__params={"temperature": 0.8, "max_tokens": 60},
    )
    first = start(db, "generate", str(recipe))
    wait_for(db, first, 1)
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=120)
    assert first.returncode != 0
    assert "paused" in err and "coalign runs resume" in err
    with open_store(db) as store:
        (run,) = list_runs(store)
        assert run.status == "paused" and run.planned["questions"] == 3
        assert run.status_reason == "interrupted (Ctrl-C)"
    second = start(db, "runs", "resume", run.id[:12])
    wait_for(db, second, stored(db) + 2)
    second.send_signal(signal.SIGKILL)
    second.wait(timeout=30)
    assert stored(db) < 6
    with open_store(db) as store:
        assert get_run(store, run.id).status == "running"  # killed: nobody could mark it
        with pytest.raises(ConflictError, match="another process.*--force"):
            resume(store, run.id)  # its heartbeat is fresh: it could still be alive
        resume(store, run.id, force=True)
        assert_complete(store, run.id)
        assert get_run(store, run.id).status_reason is None


class Gate:
    """A TCP forwarder in front of the real model server that can be shut and reopened on one port."""

    def __init__(self, target: int) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.connections: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def open(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen()
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def shut(self) -> None:
        if self.listener:
            self.listener.shutdown(
                socket.SHUT_RDWR
            )  # wakes the accepting thread (close alone does not)
            self.listener.close()
            self.listener = None
        for conn in self.connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self.connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


class ShutAfterFirstRecord:
    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    def stage_started(self, stage: str, total: int, done: int) -> None:
        pass

    def task_done(self, stage: str, ok: bool) -> None:
        self.gate.shut()


def test_server_going_away_pauses_the_run_and_resume_finishes_it(
    model_server, sqlite_store, tmp_path
):
    gate = Gate(int(model_server.rsplit(":", 1)[1].split("/")[0]))
    gate.open()
    import_test_study(sqlite_store)
    recipe = write_recipe(
        tmp_path,
        concurrency=1,
        stages__questions__params={"temperature": 0.9, "max_tokens": 40},
        stages__responses=None,
    )
    model = f"openai:http://127.0.0.1:{gate.port}/v1#smollm2"
    with pytest.raises(
        ModelUnavailableError, match=r"paused, every record so far kept.*coalign runs resume"
    ):
        generate(sqlite_store, recipe, model=model, progress=ShutAfterFirstRecord(gate))
    (run,) = list_runs(sqlite_store)
    assert run.status == "paused" and run.model_id == model
    assert run.status_reason.startswith("model unreachable:")
    assert sum(record_counts(sqlite_store, run.id)["questions"].values()) == 1
    gate.open()
    try:
        summary = resume(sqlite_store, run.id)
    finally:
        gate.shut()
    assert summary.run.status == "done"
    assert [(s.stage, s.planned, s.ok + s.failed, s.written) for s in summary.stages] == [
        ("questions", 2, 2, 1)
    ]
