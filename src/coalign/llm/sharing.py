"""Fair sharing of the CPU between coalign processes that run the embedded model.

llama.cpp runs one generation on as many threads as there are cores, and its threads spin
while they wait for each other. Two processes that generate at the same time therefore starve
each other: on 2 cores every call became 4-44× slower. Only one process on a machine may
generate at a time: each call to the embedded model holds the machine's *model slot*, a pair
of file locks, for the length of that call only.

Turns alternate: a process that waits for the slot first takes the *gate*, and keeps it until
it has the slot. The process that just released the slot must pass the gate to take it again,
so it cannot jump ahead of a process already waiting. With two processes each call waits for
at most one call of the other; two jobs together finish about as fast as one after the other.
Locks held by a process that dies are released by the kernel, so nobody waits for the dead.

Settings (environment):
    ``COALIGN_MODEL_SLOT``: ``off`` disables the slot, for machines where each process is pinned
        to cores of its own (``taskset``) with ``COALIGN_THREADS`` set to match.
    ``COALIGN_MODEL_SLOT_DIR``: where the lock files live (default: a folder per user in the
        system's temporary directory). Processes share the slot when they share this folder.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; calls are then not shared
    fcntl = None  # type: ignore[assignment]  # a module or None; slot_enabled() checks


def slot_dir() -> Path:
    """The folder of the machine's model slot.

    ``COALIGN_MODEL_SLOT_DIR``, or a per-user folder in the system's temporary directory.
    """
    configured = os.environ.get("COALIGN_MODEL_SLOT_DIR")
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"coalign-{os.getuid() if hasattr(os, 'getuid') else 0}"


def slot_enabled() -> bool:
    """Whether calls take the machine's model slot (``COALIGN_MODEL_SLOT`` is not ``off``)."""
    return fcntl is not None and os.environ.get("COALIGN_MODEL_SLOT", "on").lower() not in {
        "off",
        "0",
        "false",
        "no",
    }


@contextmanager
def model_slot() -> Iterator[None]:
    """Hold the machine's model slot for the body: one process generates at a time, in turns.

    Each entry opens the lock files anew, so threads of one process take turns as well.
    """
    if not slot_enabled():
        yield
        return
    folder = slot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        gate = stack.enter_context(open(folder / "model.gate", "a+b"))
        slot = stack.enter_context(open(folder / "model.slot", "a+b"))
        fcntl.flock(gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(slot, fcntl.LOCK_EX)
        finally:
            fcntl.flock(gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(slot, fcntl.LOCK_UN)
