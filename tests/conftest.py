"""Shared fixtures: fresh SQLite and PostgreSQL stores, the embedded model, a real model server.

PostgreSQL: ``COALIGN_TEST_PG_URL`` names a server to use; otherwise a throwaway cluster is
started from Debian's postgresql binaries for the test session. Where neither is possible the
PostgreSQL tests skip locally and fail under CI (``CI`` set), so CI can never pass without them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from coalign.llm.spec import gguf_path
from coalign.store import Store, open_store


def unavailable(reason: str) -> None:
    """Skip locally, fail in CI: a part that CI installs must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser() -> Iterator[object]:
    """Debian's chromium, headless, driven by Playwright (skips locally without it, fails in CI)."""
    try:
        from playwright.sync_api import sync_playwright
    except ModuleNotFoundError:
        unavailable("playwright is not installed")
    if not Path(CHROMIUM).exists():
        unavailable(f"chromium is not installed at {CHROMIUM}")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's database or model settings."""
    monkeypatch.delenv("COALIGN_DB", raising=False)
    monkeypatch.delenv("COALIGN_MODEL", raising=False)
    monkeypatch.setenv("COALIGN_HOME", str(tmp_path))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    with open_store(str(tmp_path / "test.db")) as store:
        yield store


def _pg_bindir() -> Path | None:
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists():
            return Path(folder)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A URL of a PostgreSQL server's maintenance database."""
    url = os.environ.get("COALIGN_TEST_PG_URL")
    if url:
        yield url
        return
    bindir = _pg_bindir()
    if bindir is None:
        unavailable("PostgreSQL is not installed")
    base = Path(tempfile.mkdtemp(prefix="coalign-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root; run the cluster as the postgres user
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
    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
    )
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
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            prefix + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL of a new, empty PostgreSQL database for one test."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_url(pg_server).set(drivername="postgresql")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, migrated store on each engine."""
    if request.param == "sqlite":
        url = str(tmp_path / "test.db")
    else:
        url = request.getfixturevalue("pg_url")
    with open_store(url) as opened:
        yield opened


@pytest.fixture(scope="session")
def gguf() -> Path:
    """The bundled SmolLM2 GGUF file."""
    return gguf_path("smollm2-135m")


@pytest.fixture(scope="session")
def model_server(gguf: Path) -> Iterator[str]:
    """A real OpenAI-compatible server (llama-cpp-python's) on loopback; yields its base URL."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (open while the server runs)
        prefix="coalign-llama-server-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_threads",
            str(max(1, len(os.sched_getaffinity(0)))),
            "--n_ctx",
            "2048",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                unavailable("llama_cpp.server exited: " + Path(log.name).read_text()[-500:])
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not start within 120 s")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
