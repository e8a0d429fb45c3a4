"""Check that a model answers at all, in a child process, so that a crash becomes a message.

A llama.cpp build with the wrong CPU kernels does not raise: it kills the process with a
segmentation fault before anything is printed. :func:`check_model` runs one tiny completion in
a child process and turns a crash, a hang or an error there into one
:class:`~coalign.core.errors.ModelUnavailableError` that says what to do.

Run as ``python -m coalign.llm.probe MODEL`` the module is that child: it prints one JSON line.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from coalign.core.errors import ModelUnavailableError
from coalign.llm.spec import parse_model

#: How to rebuild llama-cpp-python without the kernels that crash
#: (see scripts/install-llama-cpp.sh).
REBUILD_HINT = (
    "rebuild llama-cpp-python without llama.cpp's native CPU detection and AMX kernels: "
    "`make clean && make demo` in a coalign checkout, or "
    'CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF '
    '-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" '
    "pip install --force-reinstall --no-cache-dir --no-binary llama-cpp-python llama-cpp-python "
    "(--no-cache-dir: pip would otherwise reuse a wheel built earlier with other flags)"
)

PROBE_PROMPT = "Say hello."


@dataclass(frozen=True)
class ProbeResult:
    """A model that answered: its id, the text and how long the child took in all."""

    model_id: str
    text: str
    seconds: float


def check_model(model: str | None = None, *, timeout: float = 300.0) -> ProbeResult:
    """Load ``model`` in a child process and ask it for a few tokens.

    Args:
        model: a model string (default ``COALIGN_MODEL`` or the embedded model).
        timeout: seconds before the child is given up on.

    Raises:
        InputError: ``model`` is not a model string.
        ModelUnavailableError: the child crashed, hung or could not use the model; the message
            says why and, for a crash of the embedded model, how to rebuild llama.cpp.
    """
    spec = parse_model(model)
    started = time.perf_counter()
    try:
        child = subprocess.run(
            [sys.executable, "-m", "coalign.llm.probe", spec.model_id],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ModelUnavailableError(
            f"{spec.model_id} did not answer a {len(PROBE_PROMPT)}-character prompt within "
            f"{timeout:.0f} s"
        ) from exc
    seconds = time.perf_counter() - started
    if child.returncode < 0:
        name = signal.Signals(-child.returncode).name
        advice = REBUILD_HINT if spec.backend == "llama-cpp" else "check the model server"
        raise ModelUnavailableError(
            f"{spec.model_id} crashed the process that loaded it ({name}); {advice}"
        )
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    if child.returncode != 0 or not lines:
        said = (child.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelUnavailableError(
            f"{spec.model_id} could not answer (exit code {child.returncode}): {said}"
        )
    answer = json.loads(lines[-1])
    return ProbeResult(spec.model_id, answer["text"], seconds)


def _child(model: str) -> int:
    from coalign.core.calls import SamplingParams
    from coalign.core.errors import CoalignError
    from coalign.llm import load_model

    try:
        llm = load_model(model, cache=False)
        completion = llm.ask(
            PROBE_PROMPT, params=SamplingParams(temperature=0.0, max_tokens=8, seed=0), purpose=None
        )
    except CoalignError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(json.dumps({"text": completion.text}))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
