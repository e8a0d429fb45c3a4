"""A real ``coalign`` web server in a child process, for tests that talk to it over HTTP."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port


def wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    """Wait (up to 2 minutes) until ``/healthz`` answers; fail with the log if the server died."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("server exited: " + log.read_text()[-2000:])
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    pytest.fail("server did not start: " + log.read_text()[-2000:])


def stop(process: subprocess.Popen) -> None:
    """Ctrl+C the server, as a person would; kill it if it does not stop within 15 s."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serving(
    arguments: list[str], log: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``python -m coalign ARGUMENTS --port P`` until the block ends; yields its base URL and
    process. Its output goes to ``log``."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "coalign", *arguments, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, log)
        yield base, process
    finally:
        stop(process)
