"""The accepted mitigator triples of a run, streamed: question, misaligned response, critique, rewrite.

A triple is an accepted record (parsed, no current failing verdict) whose data holds a
misaligned response, a critique and an aligned response. Its question is its own ``question``
field or, when the response stage kept it apart, the question of its parent record; a triple
whose parent question was rejected is left out too, so nothing rejected leaks in through lineage.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import select

from coalign.core.records import Record
from coalign.store import Store
from coalign.store.runs import iter_records, record_counts
from coalign.store.tables import RecordRow
from coalign.store.verdicts import accepted_records

TRIPLE_FIELDS = ("misaligned_response", "critique", "aligned_response")
_BATCH = 1000


class RecordSummary(NamedTuple):
    """The fields of a record that the export and its card use when the whole record is not needed."""

    id: str
    stage: str
    model_id: str
    template_name: str
    template_hash: str
    example_ids: list[str]
    question: str | None
    run_id: str = ""
    parents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Triple:
    """One accepted record with its question resolved, and the record that asked it (if apart)."""

    record: Record
    question: str
    parent: RecordSummary | None = None

    @property
    def dimensions(self) -> list[str]:
        """The value dimension(s) the misaligned response violates."""
        attrs = self.record.attributes
        value = attrs.get("dimensions", attrs.get("dimension"))
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def is_triple(record: Record) -> bool:
    """True when the record's data holds all three response fields as non-empty text."""
    return all(
        isinstance(record.data.get(f), str) and record.data[f].strip() for f in TRIPLE_FIELDS
    )


def record_summaries(store: Store, ids: Sequence[str]) -> dict[str, RecordSummary]:
    """The records ``ids`` (those that exist), by id, read column by column rather than whole."""
    if not ids:
        return {}
    columns = (
        RecordRow.id,
        RecordRow.stage,
        RecordRow.model_id,
        RecordRow.template_name,
        RecordRow.template_hash,
        RecordRow.example_ids,
        RecordRow.data,
        RecordRow.run_id,
        RecordRow.parents,
    )
    rows: list[Any] = []
    with store.read() as session:
        for start in range(0, len(ids), _BATCH):
            chunk = list(ids[start : start + _BATCH])
            rows += session.execute(select(*columns).where(RecordRow.id.in_(chunk))).all()
    out: dict[str, RecordSummary] = {}
    for rid, stage, model_id, template_name, template_hash, example_ids, data, run, parents in rows:
        question = data.get("question") if isinstance(data, dict) else None
        out[rid] = RecordSummary(
            rid,
            stage,
            model_id,
            template_name,
            template_hash,
            example_ids,
            question if isinstance(question, str) else None,
            run,
            tuple(parents or ()),
        )
    return out


def triple_stages(store: Store, run_id: str) -> list[str]:
    """The run's stages whose first parsed record is a triple (questions-only stages are skipped)."""
    stages = []
    for stage in record_counts(store, run_id):
        first = next(iter_records(store, run_id, stage=stage, only_ok=True, batch=1), None)
        if first is not None and is_triple(first):
            stages.append(stage)
    return sorted(stages)


def accepted_triples(store: Store, run_id: str) -> Iterator[Triple]:
    """Stream the run's accepted triples, stage by stage in record-id order; memory stays flat.

    Records without a resolvable question (no field, no parent with one) are skipped: they
    cannot make a training row.
    """
    for stage in triple_stages(store, run_id):
        records = (r for r in accepted_records(store, run_id, stage=stage) if is_triple(r))
        while batch := list(islice(records, _BATCH)):
            wanted = {r.parents[0] for r in batch if not r.data.get("question") and r.parents}
            parents = record_summaries(store, sorted(wanted))
            for record in batch:
                parent = (
                    parents.get(record.parents[0])
                    if record.parents and not record.data.get("question")
                    else None
                )
                question = record.data.get("question") or (parent.question if parent else None)
                if isinstance(question, str) and question.strip():
                    yield Triple(record=record, question=question, parent=parent)
