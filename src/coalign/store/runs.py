"""Generation runs and their records. Records are written one transaction each, keyed by
content-derived ids, so a killed run can resume with no duplicates and no gaps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from coalign.core.errors import ConflictError, NotFoundError
from coalign.core.records import GenerationRun, Record, RunStatus
from coalign.store.engine import Store
from coalign.store.studies import study_row
from coalign.store.tables import RecordRow, RunRow, StudyRow, utcnow


def _run(row: RunRow, slug: str) -> GenerationRun:
    return GenerationRun(
        id=row.id,
        study_slug=slug,
        recipe_name=row.recipe_name,
        recipe=row.recipe,
        model_id=row.model_id,
        seed=row.seed,
        status=row.status,
        status_reason=row.status_reason,
        planned=row.planned,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def create_run(store: Store, run: GenerationRun) -> GenerationRun:
    """Insert a run unless one with its id exists; returns the stored run either way."""
    with store.session() as session:
        row = session.get(RunRow, run.id)
        if row is None:
            row = RunRow(
                id=run.id,
                study_id=study_row(session, run.study_slug).id,
                recipe_name=run.recipe_name,
                recipe=run.recipe,
                model_id=run.model_id,
                seed=run.seed,
                status=run.status,
                planned=run.planned,
            )
            session.add(row)
            session.flush()
    return get_run(store, run.id)


def get_run(store: Store, run_id: str) -> GenerationRun:
    """The run ``run_id`` (a unique prefix of the id is enough).

    Raises:
        NotFoundError: no run, or the prefix is ambiguous.
    """
    with store.read() as session:
        rows = session.execute(
            select(RunRow, StudyRow.slug)
            .join(StudyRow, StudyRow.id == RunRow.study_id)
            .where(RunRow.id.startswith(run_id, autoescape=True))
            .limit(2)
        ).all()
        if len(rows) != 1:
            what = "no run" if not rows else "more than one run"
            raise NotFoundError(f"{what} matches {run_id!r}; see `coalign runs list`")
        return _run(*rows[0])


def list_runs(store: Store) -> list[GenerationRun]:
    """All runs, newest first."""
    with store.read() as session:
        rows = session.execute(
            select(RunRow, StudyRow.slug)
            .join(StudyRow, StudyRow.id == RunRow.study_id)
            .order_by(RunRow.created_at.desc())
        ).all()
        return [_run(row, slug) for row, slug in rows]


def update_run(
    store: Store,
    run_id: str,
    *,
    status: RunStatus,
    planned: dict[str, int] | None = None,
    reason: str | None = None,
) -> None:
    """Set a run's status, why (for ``paused``/``failed``) and its planned counts.

    ``done`` also stamps the finish time; any status but ``running`` ends the heartbeat.
    """
    with store.session() as session:
        row = session.get(RunRow, run_id)
        if row is None:
            raise NotFoundError(f"no run {run_id!r}")
        row.status = status
        row.status_reason = reason
        if planned is not None:
            row.planned = dict(planned)
        row.finished_at = utcnow() if status == "done" else None
        if status != "running":
            row.heartbeat_at = None


#: A running run whose heartbeat is older than this is taken as abandoned (its process died).
LEASE = timedelta(seconds=60)


def claim_run(store: Store, run_id: str, *, force: bool = False) -> None:
    """Mark the run ``running`` by this process, unless another process is running it.

    Another process is running it when its status is ``running`` and its heartbeat (see
    :func:`beat`) is younger than :data:`LEASE`. ``force`` takes the run over anyway.

    Raises:
        NotFoundError: no such run.
        ConflictError: another process is running it.
    """
    now = utcnow()
    free = or_(
        RunRow.status != "running", RunRow.heartbeat_at.is_(None), RunRow.heartbeat_at < now - LEASE
    )
    with store.session() as session:
        if session.get(RunRow, run_id) is None:
            raise NotFoundError(f"no run {run_id!r}")
        # An UPDATE statement always yields a CursorResult; the stubs only say Result.
        result = cast(
            "CursorResult[Any]",
            session.execute(
                update(RunRow)
                .where(RunRow.id == run_id, *(() if force else (free,)))
                .values(status="running", status_reason=None, finished_at=None, heartbeat_at=now)
            ),
        )
        claimed = result.rowcount
    if not claimed:
        raise ConflictError(
            f"run {run_id} is being generated by another process right now; wait for it to end. "
            f"If that process was killed, the run is free again {LEASE.seconds} s after its last "
            f"sign of life, or take it over now with `coalign runs resume {run_id[:12]} --force`"
        )


def beat(store: Store, run_id: str) -> None:
    """Refresh the heartbeat of a run this process is running."""
    with store.session() as session:
        session.execute(
            update(RunRow)
            .where(RunRow.id == run_id, RunRow.status == "running")
            .values(heartbeat_at=utcnow())
        )


def save_record(store: Store, record: Record) -> bool:
    """Insert one record in its own transaction; returns False if its id already existed."""
    data = record.model_dump(mode="json", exclude={"created_at"})
    try:
        with store.session() as session:
            if session.get(RecordRow, record.id) is not None:
                return False
            session.add(RecordRow(**data))
    except IntegrityError:
        return False
    return True


def record_ids(store: Store, run_id: str, stage: str | None = None) -> set[str]:
    """Ids of the records a run already has (of one stage, or all)."""
    with store.read() as session:
        query = select(RecordRow.id).where(RecordRow.run_id == run_id)
        if stage:
            query = query.where(RecordRow.stage == stage)
        return set(session.scalars(query))


def _record(row: RecordRow) -> Record:
    return Record.model_validate({name: getattr(row, name) for name in Record.model_fields})


def iter_records(
    store: Store, run_id: str, *, stage: str | None = None, only_ok: bool = False, batch: int = 1000
) -> Iterator[Record]:
    """A run's records in id order, streamed in batches so memory stays flat."""
    last = ""
    while True:
        with store.read() as session:
            query = select(RecordRow).where(RecordRow.run_id == run_id, RecordRow.id > last)
            if stage:
                query = query.where(RecordRow.stage == stage)
            if only_ok:
                query = query.where(RecordRow.parse_status == "ok")
            rows = list(session.scalars(query.order_by(RecordRow.id).limit(batch)))
            records = [_record(row) for row in rows]
        if not records:
            return
        yield from records
        last = records[-1].id


def record_counts(store: Store, run_id: str) -> dict[str, dict[str, int]]:
    """Per stage, how many records parsed (``ok``), failed to parse, and stopped at ``max_tokens``."""
    with store.read() as session:
        rows = session.execute(
            select(RecordRow.stage, RecordRow.parse_status, func.count())
            .where(RecordRow.run_id == run_id)
            .group_by(RecordRow.stage, RecordRow.parse_status)
        ).all()
    counts: dict[str, dict[str, int]] = {}
    for stage, status, n in rows:
        counts.setdefault(stage, {"ok": 0, "failed": 0, "truncated": 0})[status] = n
    return counts
