"""``coalign models --check``: a tiny completion in a child process; a crash becomes one clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coalign.core.errors import ModelUnavailableError
from coalign.llm.probe import check_model

# A llama_cpp that dies the way a build with broken CPU kernels does: a segmentation fault while
# the model runs. The real library cannot be made to crash on demand, so this stands in for it.
CRASHING_LLAMA = """
import ctypes


class Llama:
    def __init__(self, *args, **kwargs):
        self._input_ids = []

    def _init_sampler(self, **kwargs):
        return None

    def generate(self, tokens, **kwargs):
        yield from ()

    def create_chat_completion(self, **kwargs):
        ctypes.string_at(0)  # SIGSEGV

    def close(self):
        pass
"""


@pytest.fixture
def crashing_llama(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    package = tmp_path / "shim" / "llama_cpp"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(CRASHING_LLAMA)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(package.parent), os.environ.get("PYTHONPATH", "")])
    )
    return package.parent


def test_a_crash_in_the_child_becomes_one_clear_error(crashing_llama):
    with pytest.raises(ModelUnavailableError) as caught:
        check_model(None, timeout=120)
    message = str(caught.value)
    assert "crashed" in message and "SIGSEGV" in message
    assert "GGML_NATIVE=OFF" in message and "--no-cache-dir" in message


def test_the_cli_check_exits_non_zero_without_a_traceback(crashing_llama, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "coalign", "--db", str(tmp_path / "c.db"), "models", "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "crashed" in done.stderr and "SIGSEGV" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_an_unreachable_server_is_reported_not_raised_as_a_traceback():
    with pytest.raises(ModelUnavailableError) as caught:
        check_model("openai:http://127.0.0.1:9/v1#none", timeout=120)
    assert "could not answer" in str(caught.value)


@pytest.mark.model
def test_the_embedded_model_passes_the_check(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "coalign", "--db", str(tmp_path / "c.db"), "models", "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "ok llama-cpp:smollm2-135m answered" in done.stdout
