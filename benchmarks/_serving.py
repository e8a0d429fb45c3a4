"""What the web benchmarks share: a throwaway PostgreSQL database, a real ``coalign serve`` in a
subprocess, its CPU time, and percentiles in milliseconds."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import func, select

from coalign.store import open_store
from coalign.store.participation_tables import ParticipantRow
from coalign.store.rating_tables import RatingRow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgres(url: str | None) -> Iterator[str]:
    """A new database on the given server, or on a throwaway cluster started for this run."""
    if url:
        with fresh_database(url) as db:
            yield db
        return
    bindir = next(
        (
            Path(f)
            for f in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
            if Path(f, "initdb").exists()
        ),
        None,
    )
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed; pass --pg-url or --engine sqlite")
    base = Path(tempfile.mkdtemp(prefix="coalign-bench-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", free_port()
    subprocess.run(
        prefix
        + [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c max_connections=300"
    subprocess.run(
        prefix
        + [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        with fresh_database(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres") as db:
            yield db
    finally:
        subprocess.run(
            prefix + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"coalign_bench_{os.getpid()}"
    admin = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its worker processes (Linux)."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    total = 0.0
    for each in [pid, *map(int, children.split())]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@contextmanager
def server(db: str, folder: Path, workers: int) -> Iterator[tuple[str, int]]:
    port, log = free_port(), folder / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "coalign", "--db", db, "serve", "--port", str(port)]
            + ["--workers", str(workers)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit("server did not start: " + log.read_text()[-2000:])
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000
        if len(values) > 1
        else values[0] * 1000
    )


def verify(db: str, sent: dict[tuple[str, str, str], int]) -> tuple[int, int, int]:
    """(lost, duplicated, wrong value) ratings, read back from the database."""
    with open_store(db) as store, store.read() as session:
        rows = session.execute(
            select(
                RatingRow.participant_id, RatingRow.item_id, RatingRow.dimension, RatingRow.value
            )
        ).all()
        pid_of = {}
        for pid, ids in session.execute(
            select(ParticipantRow.id, ParticipantRow.external_ids)
        ).all():
            pid_of[pid] = ids.get("PROLIFIC_PID")
        duplicates = (
            session.scalar(
                select(func.count()).select_from(
                    select(RatingRow.participant_id)
                    .group_by(RatingRow.participant_id, RatingRow.item_id, RatingRow.dimension)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
            or 0
        )
    stored = {(pid_of[p], i, d): v for p, i, d, v in rows}
    lost = len(set(sent) - set(stored))
    wrong = sum(1 for key, value in sent.items() if key in stored and stored[key] != value)
    return lost, duplicates + (len(rows) - len(stored)), wrong
