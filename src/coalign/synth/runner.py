"""Executing a stage's tasks against the store: resumable, concurrent, and nothing half-written.

Each task yields one record, saved in its own transaction under an id derived from the task's
inputs. Before a stage starts, the ids already stored are skipped, so a run killed at any point
(SIGKILL included) resumes with no duplicates and no gaps.

Concurrency uses threads: ``Model`` and its backends are synchronous and thread-safe. Against a
server, ``concurrency`` requests are in flight at once; the embedded model serialises calls
itself, so there ``concurrency: 1`` runs tasks inline with no pool at all. On an unreachable
model or Ctrl-C no new task starts, tasks already running finish and are saved, and the error
propagates to the caller, which marks the run paused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

from coalign.llm import Model
from coalign.store import Store
from coalign.store.runs import record_ids, save_record
from coalign.synth.plan import Task
from coalign.synth.stages import Stage


class Progress(Protocol):
    """Told what the runner does, e.g. to draw a progress bar."""

    def stage_started(self, stage: str, total: int, done: int) -> None:
        """A stage begins with ``total`` tasks, ``done`` of them already stored."""
        ...

    def task_done(self, stage: str, ok: bool) -> None:
        """One record was saved; ``ok`` is False when its output did not parse."""
        ...


class NoProgress:
    """A :class:`Progress` that ignores everything."""

    def stage_started(self, stage: str, total: int, done: int) -> None:
        pass

    def task_done(self, stage: str, ok: bool) -> None:
        pass


@dataclass
class StageResult:
    """What one pass over a stage did."""

    planned: int
    skipped: int
    written: int
    failed: int


def run_stage(
    store: Store,
    stage: Stage,
    tasks: Sequence[Task],
    model: Model,
    *,
    concurrency: int = 1,
    progress: Progress | None = None,
) -> StageResult:
    """Run the tasks of one stage whose records are not stored yet.

    Raises:
        ModelUnavailableError: the model could not be reached; records saved so far are kept.
        KeyboardInterrupt: after the running tasks finished and were saved.
    """
    progress = progress or NoProgress()
    existing = record_ids(store, tasks[0].run_id, stage.name) if tasks else set()
    todo = [task for task in tasks if task.id not in existing]
    result = StageResult(planned=len(tasks), skipped=len(tasks) - len(todo), written=0, failed=0)
    progress.stage_started(stage.name, len(tasks), result.skipped)

    def work(task: Task) -> bool:
        record = stage.run(task, model)
        save_record(store, record)
        return record.parse_status == "ok"

    for ok in _execute(work, todo, concurrency):
        result.written += 1
        result.failed += not ok
        progress.task_done(stage.name, ok)
    return result


def _execute(
    work: Callable[[Task], bool], tasks: Sequence[Task], concurrency: int
) -> Iterator[bool]:
    if concurrency <= 1:
        for task in tasks:
            yield work(task)
        return
    queue = iter(tasks)
    pending: set[Future[bool]] = set()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="coalign-synth") as pool:
        try:
            while True:
                for task in queue:
                    pending.add(pool.submit(work, task))
                    if len(pending) >= concurrency:
                        break
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        except BaseException:
            # Start nothing new; let running tasks finish so their records are saved.
            for future in pending:
                future.cancel()
            wait(pending)
            raise
