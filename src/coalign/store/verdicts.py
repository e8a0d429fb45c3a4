"""Verdicts about records and the validation passes that wrote them.

One *current* verdict per record × rule: saving a verdict for a pair that already has one
marks the old row no longer current and keeps it (nothing is deleted, and nothing is ever
removed from ``records``). The accepted set of a run is derived, never stored: records whose
output parsed and that have no current failing verdict.

Other stages (export, rating campaigns) take validated data from :func:`accepted_records`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from coalign.core.errors import NotFoundError
from coalign.core.ids import stable_id
from coalign.core.records import Record, Verdict
from coalign.core.validations import ValidationKind, ValidationPass
from coalign.store.engine import Store
from coalign.store.runs import get_run, iter_records
from coalign.store.tables import RecordRow, ValidationRow, VerdictRow, utcnow

_CHUNK = 500  # ids per IN (…) clause: well under SQLite's and PostgreSQL's parameter limits


def _verdict(row: VerdictRow) -> Verdict:
    return Verdict(
        record_id=row.record_id,
        rule=row.rule,
        passed=row.passed,
        score=row.score,
        reason=row.reason,
        judge=row.judge,
        created_at=row.created_at,
    )


def save_validation(
    store: Store,
    run_id: str,
    kind: ValidationKind,
    *,
    config: dict[str, Any] | None = None,
    judge_model: str | None = None,
    warnings: Sequence[str] = (),
    summary: dict[str, Any] | None = None,
) -> ValidationPass:
    """Record one validation pass of run ``run_id`` (a unique prefix is enough).

    Raises:
        NotFoundError: no such run.
    """
    run = get_run(store, run_id)
    created = utcnow()
    validation = ValidationPass(
        id=stable_id("val", run.id, kind, created.isoformat()),
        run_id=run.id,
        kind=kind,
        config=config or {},
        judge_model=judge_model,
        warnings=list(warnings),
        summary=summary or {},
        created_at=created,
    )
    with store.session() as session:
        session.add(ValidationRow(**validation.model_dump()))
    return validation


def update_validation_summary(store: Store, validation_id: str, summary: dict[str, Any]) -> None:
    """Replace the summary of a pass once its verdicts are saved."""
    with store.session() as session:
        row = session.get(ValidationRow, validation_id)
        if row is None:
            raise NotFoundError(f"no validation {validation_id!r}")
        row.summary = dict(summary)


def list_validations(store: Store, run_id: str) -> list[ValidationPass]:
    """Every validation pass of a run, oldest first."""
    run = get_run(store, run_id)
    with store.read() as session:
        rows = session.scalars(
            select(ValidationRow)
            .where(ValidationRow.run_id == run.id)
            .order_by(ValidationRow.created_at)
        )
        return [
            ValidationPass.model_validate(
                {name: getattr(row, name) for name in ValidationPass.model_fields}
            )
            for row in rows
        ]


def save_verdicts(
    store: Store, run_id: str, verdicts: Iterable[Verdict], validation_id: str | None = None
) -> int:
    """Store verdicts of run ``run_id`` in one transaction, superseding earlier ones.

    For every record × rule in ``verdicts`` the previous current verdict stays in the table
    with ``current`` False; the new one becomes current. If the same record × rule appears
    more than once in ``verdicts``, the last one is current.

    Returns:
        How many verdicts were written.
    """
    with store.session() as session:
        return _write(session, run_id, verdicts, validation_id)


def save_clean_pass(
    store: Store, run_id: str, verdicts: Iterable[Verdict], validation_id: str | None = None
) -> tuple[int, int]:
    """Retire every current automatic verdict of the run, then store ``verdicts``, in one
    transaction: a clean validation pass. Human reviews (``judge`` ``human:…``) stay in force;
    retired verdicts stay in the table with ``current`` False.

    Returns:
        How many verdicts were written, and how many were retired.
    """
    with store.session() as session:
        retired: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(VerdictRow)
            .where(
                VerdictRow.run_id == run_id,
                VerdictRow.current.is_(True),
                or_(VerdictRow.judge.is_(None), ~VerdictRow.judge.startswith("human:")),
            )
            .values(current=False)
            .execution_options(synchronize_session=False)
        )
        return _write(session, run_id, verdicts, validation_id), retired.rowcount


def _write(
    session: Session, run_id: str, verdicts: Iterable[Verdict], validation_id: str | None
) -> int:
    latest: dict[tuple[str, str], Verdict] = {}
    for v in verdicts:
        latest[(v.record_id, v.rule)] = v
    if not latest:
        return 0
    by_rule: dict[str, list[str]] = {}
    for record_id, rule in latest:
        by_rule.setdefault(rule, []).append(record_id)
    now = utcnow()
    rows = [
        {
            "record_id": v.record_id,
            "rule": v.rule,
            "passed": v.passed,
            "score": v.score,
            "reason": v.reason,
            "judge": v.judge,
            "created_at": v.created_at or now,
            "run_id": run_id,
            "current": True,
            "validation_id": validation_id,
        }
        for v in latest.values()
    ]
    for rule, ids in by_rule.items():
        for start in range(0, len(ids), _CHUNK):
            session.execute(
                update(VerdictRow)
                .where(
                    VerdictRow.rule == rule,
                    VerdictRow.current.is_(True),
                    VerdictRow.record_id.in_(ids[start : start + _CHUNK]),
                )
                .values(current=False)
            )
    for start in range(0, len(rows), 5000):
        session.execute(insert(VerdictRow), rows[start : start + 5000])
    return len(rows)


def list_verdicts(
    store: Store,
    run_id: str,
    *,
    rule: str | None = None,
    record_id: str | None = None,
    include_superseded: bool = False,
) -> list[Verdict]:
    """Verdicts of a run, current ones only unless ``include_superseded``; oldest first."""
    run = get_run(store, run_id)
    with store.read() as session:
        query = select(VerdictRow).where(VerdictRow.run_id == run.id)
        if not include_superseded:
            query = query.where(VerdictRow.current.is_(True))
        if rule is not None:
            query = query.where(VerdictRow.rule == rule)
        if record_id is not None:
            query = query.where(VerdictRow.record_id == record_id)
        return [_verdict(row) for row in session.scalars(query.order_by(VerdictRow.id))]


def rejected_record_ids(
    store: Store, run_id: str, *, exclude_judges: Sequence[str] = ()
) -> set[str]:
    """Ids of records of the run with at least one current failing verdict.

    Args:
        exclude_judges: leave out verdicts whose ``judge`` starts with one of these (e.g.
            ``("human:",)`` for the automatic decision alone).
    """
    run = get_run(store, run_id)
    with store.read() as session:
        rows = session.execute(
            select(VerdictRow.record_id, VerdictRow.judge).where(
                VerdictRow.run_id == run.id,
                VerdictRow.current.is_(True),
                VerdictRow.passed.is_(False),
            )
        ).all()
    return {rid for rid, judge in rows if not (judge and judge.startswith(tuple(exclude_judges)))}


def unkept_record_ids(store: Store, run_id: str) -> set[str]:
    """Ids of records of the run that are not kept: a current failing verdict of their own, or a
    parent (the stage-1 question of a stage-2 record) with one.

    Raises:
        NotFoundError: no such run.
    """
    rejected = rejected_record_ids(store, run_id)
    return rejected | {
        rid
        for rid, _, parents in parsed_children(store, run_id)
        if any(p in rejected for p in parents)
    }


def accepted_records(store: Store, run_id: str, *, stage: str | None = None) -> Iterator[Record]:
    """The accepted set of a run: parsed records with no current failing verdict and no parent
    with one, in id order.

    This is what later stages (exports, rating campaigns) should read. A run that was never
    validated has no failing verdicts, so every parsed record is accepted; check
    :func:`list_validations` when that matters.

    Raises:
        NotFoundError: no such run.
    """
    run = get_run(store, run_id)
    unkept = unkept_record_ids(store, run.id)
    for record in iter_records(store, run.id, stage=stage, only_ok=True):
        if record.id not in unkept:
            yield record


def verdict_counts(store: Store, run_id: str) -> dict[str, dict[str, int]]:
    """Per rule, how many current verdicts passed and failed."""
    run = get_run(store, run_id)
    with store.read() as session:
        rows = session.execute(
            select(VerdictRow.rule, VerdictRow.passed, func.count())
            .where(VerdictRow.run_id == run.id, VerdictRow.current.is_(True))
            .group_by(VerdictRow.rule, VerdictRow.passed)
        ).all()
    counts: dict[str, dict[str, int]] = {}
    for rule, passed, n in rows:
        counts.setdefault(rule, {"passed": 0, "failed": 0})["passed" if passed else "failed"] = n
    return dict(sorted(counts.items()))


def stage_verdict_counts(store: Store, run_id: str) -> dict[str, dict[str, dict[str, int]]]:
    """Per stage, then per rule, how many current verdicts passed and failed."""
    run = get_run(store, run_id)
    with store.read() as session:
        rows = session.execute(
            select(RecordRow.stage, VerdictRow.rule, VerdictRow.passed, func.count())
            .join(RecordRow, RecordRow.id == VerdictRow.record_id)
            .where(VerdictRow.run_id == run.id, VerdictRow.current.is_(True))
            .group_by(RecordRow.stage, VerdictRow.rule, VerdictRow.passed)
        ).all()
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for stage, rule, passed, n in rows:
        entry = counts.setdefault(stage, {}).setdefault(rule, {"passed": 0, "failed": 0})
        entry["passed" if passed else "failed"] = n
    return counts


def mean_scores(store: Store, run_id: str, prefix: str) -> dict[str, tuple[int, float]]:
    """``{rule: (verdicts, mean score)}`` of the current scored verdicts whose rule starts with
    ``prefix`` (an LLM judge's dimensions: ``relevance:``)."""
    run = get_run(store, run_id)
    with store.read() as session:
        rows = session.execute(
            select(VerdictRow.rule, func.count(), func.avg(VerdictRow.score))
            .where(
                VerdictRow.run_id == run.id,
                VerdictRow.current.is_(True),
                VerdictRow.score.is_not(None),
                VerdictRow.rule.startswith(prefix, autoescape=True),
            )
            .group_by(VerdictRow.rule)
        ).all()
    return {rule: (n, float(mean)) for rule, n, mean in sorted(rows)}


def parsed_children(store: Store, run_id: str) -> list[tuple[str, str, list[str]]]:
    """``(record id, stage, parent ids)`` of the run's parsed records that have parents."""
    run = get_run(store, run_id)
    with store.read() as session:
        rows = session.execute(
            select(RecordRow.id, RecordRow.stage, RecordRow.parents).where(
                RecordRow.run_id == run.id, RecordRow.parse_status == "ok"
            )
        ).all()
    return [(rid, stage, list(parents)) for rid, stage, parents in rows if parents]


def failing_rules(store: Store, run_id: str) -> dict[str, tuple[str, set[str]]]:
    """``{record id: (stage, rules of its current failing verdicts)}`` of the run's parsed
    records that fail at least one verdict."""
    run = get_run(store, run_id)
    with store.read() as session:
        rows = session.execute(
            select(VerdictRow.record_id, RecordRow.stage, VerdictRow.rule)
            .join(RecordRow, RecordRow.id == VerdictRow.record_id)
            .where(
                VerdictRow.run_id == run.id,
                VerdictRow.current.is_(True),
                VerdictRow.passed.is_(False),
                RecordRow.parse_status == "ok",
            )
        ).all()
    failing: dict[str, tuple[str, set[str]]] = {}
    for record_id, stage, rule in rows:
        failing.setdefault(record_id, (stage, set()))[1].add(rule)
    return failing


def resolve_record_id(store: Store, run_id: str, record_id: str) -> str:
    """The full id of the run's record ``record_id`` (a unique prefix is enough).

    Raises:
        NotFoundError: no record, or the prefix is ambiguous.
    """
    run = get_run(store, run_id)
    with store.read() as session:
        ids = list(
            session.scalars(
                select(RecordRow.id)
                .where(RecordRow.run_id == run.id, RecordRow.id.startswith(record_id))
                .limit(2)
            )
        )
    if len(ids) != 1:
        what = "no record" if not ids else "more than one record"
        raise NotFoundError(f"{what} of run {run.id} matches {record_id!r}")
    return ids[0]


def current_verdicts_of(store: Store, record_ids: Sequence[str], *, prefix: str) -> list[Verdict]:
    """Current verdicts of these records whose rule starts with ``prefix``, whatever their run.

    For verdicts about things that are not records of a generation run (e.g. candidate chat
    answers scored by axis judges), which :func:`list_verdicts` cannot reach by run.
    """
    ids = sorted(set(record_ids))
    out: list[Verdict] = []
    with store.read() as session:
        for start in range(0, len(ids), _CHUNK):
            rows = session.scalars(
                select(VerdictRow)
                .where(
                    VerdictRow.record_id.in_(ids[start : start + _CHUNK]),
                    VerdictRow.current.is_(True),
                    VerdictRow.rule.startswith(prefix),
                )
                .order_by(VerdictRow.id)
            )
            out.extend(_verdict(row) for row in rows)
    return out
