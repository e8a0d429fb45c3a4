"""Lineage: the chain of people and model calls behind every exported row.

A row of an export goes back, step by step, to the people who shaped it::

    rated items ─► generated records (run, record, field) ─► parent records (stage-1 question)
                ─► seeds shown in-context (``example_ids``) ─► each seed's origin
                   (diary entry, workshop and team, import; the moderator's decision)
                ─► pseudonymous authors;      and, for rated rows, the ratings by demographic group

:class:`LineageResolver` reads what it needs from the store once (seed origins for the whole
study, record summaries in batches) and hands out a :class:`Lineage` per record or item.
``provenance/<format>.jsonl`` carries one per row; the card counts them (:class:`LineageTally`).

Only pseudonymous ids and demographic groups appear: an imported seed's author that is not a
participant id of the study (it may be a name typed in a file) is replaced by a stable
pseudonym, and a group with fewer than :data:`SMALL_CELL` raters on an item shows no means.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from coalign.core.items import Item
from coalign.export.triples import RecordSummary, record_summaries
from coalign.store import Store
from coalign.store.lineage import SeedSources, StoredSeed, seed_sources
from coalign.store.ratings import detail_columns

if TYPE_CHECKING:
    import pandas as pd

SMALL_CELL = 5
Origin = Literal["diary", "workshop", "import", "withdrawn", "unknown"]
#: Origins of seeds that participants wrote in the study itself.
PARTICIPANT_ORIGINS: tuple[Origin, ...] = ("diary", "workshop")
#: Every origin, in the order cards list them.
ORIGINS: tuple[Origin, ...] = ("diary", "workshop", "import", "withdrawn", "unknown")
#: Workshop session in which each kind of seed is written (see ``coconstruct.workshop_seeds``).
WORKSHOP_SESSION = {"question": 1, "example": 2}
_SOURCE = re.compile(r"^run:(?P<run>[^/\s]+)/record:(?P<record>[^/\s]+)(?:/(?P<field>[^/\s]+))?")
_NOT_DEMOGRAPHIC = ("item", "rater", "dimension", "value")


class SeedDecisionFact(BaseModel):
    """One accept/reject decision on a seed: who took it, where, and why."""

    decision: str
    decided_by: str
    reason: str
    workshop: str | None = None
    at: str | None = None


class SeedOrigin(BaseModel):
    """Where one seed shown to the generator came from.

    Attributes:
        origin: ``diary`` (promoted from a diary entry), ``workshop`` (written by a team in a
            seed workshop), ``import`` (from the study's seed files), ``withdrawn`` (its author
            withdrew; only the id is left) or ``unknown`` (no such seed in the store any more).
        author: the author's pseudonymous participant id, or a pseudonym of an imported name.
        diary_entries: ids of the diary entries it was promoted from.
        group_phases: the discussion groups those entries were shared with in the group phase.
        workshop / team / workshop_session: where a workshop seed was written.
        decisions: the decision log on the seed, oldest first.
    """

    seed_id: str
    kind: str
    origin: Origin
    status: str | None = None
    author: str | None = None
    llm_assisted: bool = False
    topic: str | None = None
    question_type: str | None = None
    diary_entries: list[int] = Field(default_factory=list)
    group_phases: list[str] = Field(default_factory=list)
    workshop: str | None = None
    workshop_id: int | None = None
    team: str | None = None
    workshop_session: int | None = None
    decisions: list[SeedDecisionFact] = Field(default_factory=list)


class Step(BaseModel):
    """One generated record in a row's lineage: the model call that wrote it and its inputs."""

    record_id: str
    run_id: str
    stage: str
    model_id: str
    template_name: str
    template_hash: str
    parents: list[str] = Field(default_factory=list)
    example_ids: list[str] = Field(default_factory=list)


class ItemSource(BaseModel):
    """A rated item and the generated record and field it was taken from (if any)."""

    item_id: str
    source: str | None = None
    run_id: str | None = None
    record_id: str | None = None
    field: str | None = None


class Lineage(BaseModel):
    """The whole chain behind one exported row.

    Attributes:
        items: the rated items the row holds (rows built from ratings).
        records: the generated records, each before its parents.
        seeds: the seeds any of those records showed the generator, with their origins.
        ratings_by_group: per item, per demographic question, per answer: ``raters`` and the
            per-dimension ``means`` (no means, and ``"<5"`` raters, for a group under 5 raters).
    """

    items: list[ItemSource] = Field(default_factory=list)
    records: list[Step] = Field(default_factory=list)
    seeds: list[SeedOrigin] = Field(default_factory=list)
    ratings_by_group: dict[str, dict[str, dict[str, dict[str, Any]]]] = Field(default_factory=dict)

    @property
    def origins(self) -> list[Origin]:
        """The distinct origins of the row's seeds, in :data:`ORIGINS` order."""
        found = {s.origin for s in self.seeds}
        return [o for o in ORIGINS if o in found]

    @property
    def participant_written(self) -> bool:
        """True when a seed in the chain was written by a participant in the study."""
        return any(o in PARTICIPANT_ORIGINS for o in self.origins)

    def merged(self, other: Lineage) -> Lineage:
        """This lineage and ``other`` together (a preference pair holds two items), each part once."""

        def union(a: Sequence[Any], b: Sequence[Any], key: str) -> list[Any]:
            seen = {getattr(x, key) for x in a}
            return [*a, *(x for x in b if getattr(x, key) not in seen)]

        return Lineage(
            items=union(self.items, other.items, "item_id"),
            records=union(self.records, other.records, "record_id"),
            seeds=union(self.seeds, other.seeds, "seed_id"),
            ratings_by_group={**self.ratings_by_group, **other.ratings_by_group},
        )

    def document(self) -> dict[str, Any]:
        """The JSON written under ``lineage`` in ``provenance/<format>.jsonl``."""
        return {
            **self.model_dump(exclude_defaults=True),
            "origins": list(self.origins),
            "participant_written": self.participant_written,
        }


def pseudonym(author: str | None, participants: set[str]) -> str | None:
    """A participant id as it is; any other author (an imported name) as a stable pseudonym."""
    if author is None or author in participants:
        return author
    return "author-" + hashlib.sha256(author.encode("utf-8")).hexdigest()[:10]


def seed_origin(sources: SeedSources, seed_id: str) -> SeedOrigin:
    """The origin of seed ``seed_id`` from what the store holds about it."""
    seed: StoredSeed | None = sources.seeds.get(seed_id)
    decisions = [
        SeedDecisionFact(
            decision=d.decision,
            decided_by=d.decided_by,
            reason=d.reason,
            workshop=sources.workshops.get(d.workshop_id, (None, None))[0]
            if d.workshop_id is not None
            else None,
            at=d.created_at.isoformat() if d.created_at else None,
        )
        for d in sources.decisions.get(seed_id, [])
    ]
    if seed is None:
        kind = sources.withdrawn.get(seed_id)
        return SeedOrigin(
            seed_id=seed_id,
            kind=kind or ("question" if seed_id.startswith("sq") else "example"),
            origin="withdrawn" if kind else "unknown",
            decisions=decisions,
        )
    out = SeedOrigin(
        seed_id=seed.id,
        kind=seed.kind,
        origin="import",
        status=seed.status,
        author=pseudonym(seed.author, sources.participants),
        llm_assisted=seed.llm_assisted,
        topic=seed.topic,
        question_type=seed.question_type,
        decisions=decisions,
    )
    workshop_ids = [
        d.workshop_id for d in sources.decisions.get(seed_id, []) if d.workshop_id is not None
    ]
    by_slug = {slug: wid for wid, (slug, _) in sources.workshops.items()}
    slug, _, team = (seed.group or "").partition(":")
    if seed_id in sources.diary_entries:
        out.origin = "diary"
        out.diary_entries = sources.diary_entries[seed_id]
        out.group_phases = sorted(
            {g for e in out.diary_entries for g in sources.group_phases.get(e, [])}
        )
    elif workshop_ids or (team and slug in by_slug):
        out.origin = "workshop"
        out.workshop_id = workshop_ids[0] if workshop_ids else by_slug[slug]
        out.workshop = sources.workshops[out.workshop_id][0]
        out.team = team or None
        out.workshop_session = WORKSHOP_SESSION.get(seed.kind)
    return out


def ratings_by_group(frame: pd.DataFrame) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
    """Per item, per demographic question and answer: how many raters, and their mean per dimension.

    A group with fewer than :data:`SMALL_CELL` raters on the item shows ``"<5"`` and no means, so
    that no one's rating can be read off their group.
    """
    details = set(detail_columns(frame))  # the item's context and per-rating details: no groups
    columns = [str(c) for c in frame.columns if c not in _NOT_DEMOGRAPHIC and c not in details]
    raters: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    totals: dict[tuple[str, str, str], dict[str, list[float]]] = defaultdict(dict)
    for item, rater, dimension, value, *answers in frame[
        ["item", "rater", "dimension", "value", *columns]
    ].itertuples(index=False, name=None):
        for column, answer in zip(columns, answers, strict=True):
            group = "(not answered)" if answer is None or answer != answer else str(answer)
            key = (str(item), column, group)
            raters[key].add(str(rater))
            total = totals[key].setdefault(str(dimension), [0.0, 0.0])
            total[0] += float(value)
            total[1] += 1
    out: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    for (item, column, group), who in sorted(raters.items()):
        n = len(who)
        cell: dict[str, Any] = {"raters": n if n >= SMALL_CELL else f"<{SMALL_CELL}"}
        if n >= SMALL_CELL:
            cell["means"] = {
                dim: round(total / count, 3)
                for dim, (total, count) in totals[(item, column, group)].items()
            }
        out.setdefault(item, {}).setdefault(column, {})[group] = cell
    return out


class LineageResolver:
    """Resolves lineage for records and items of one study, reading each thing once."""

    def __init__(self, store: Store, slug: str) -> None:
        self.store = store
        self.sources = seed_sources(store, slug)
        self._records: dict[str, RecordSummary] = {}
        self._origins: dict[str, SeedOrigin] = {}
        self._groups: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}

    def load_records(self, record_ids: Iterable[str]) -> None:
        """Fetch the records ``record_ids`` and, round by round, all their ancestors."""
        wanted = {r for r in record_ids if r not in self._records}
        while wanted:
            found = record_summaries(self.store, sorted(wanted))
            self._records.update(found)
            parents = {p for s in found.values() for p in s.parents}
            wanted = {p for p in parents if p not in self._records and p not in wanted}

    def forget_records(self) -> None:
        """Drop the records read so far (a run export streams in batches; memory stays flat)."""
        self._records.clear()

    def load_ratings(self, frame: pd.DataFrame | None) -> None:
        """Keep the ratings by demographic group of every item in ``frame`` (long format)."""
        if frame is not None and not frame.empty:
            self._groups = ratings_by_group(frame)

    def origin(self, seed_id: str) -> SeedOrigin:
        """The origin of one seed (cached)."""
        if seed_id not in self._origins:
            self._origins[seed_id] = seed_origin(self.sources, seed_id)
        return self._origins[seed_id]

    def steps(self, record_ids: Iterable[str]) -> list[Step]:
        """The records and their ancestors, each once, every record before its parents."""
        out: list[Step] = []
        seen: set[str] = set()
        stack = list(reversed(list(record_ids)))
        missing = [r for r in stack if r not in self._records]
        if missing:
            self.load_records(missing)
        while stack:
            rid = stack.pop()
            if rid in seen or rid not in self._records:
                continue
            seen.add(rid)
            s = self._records[rid]
            out.append(
                Step(
                    record_id=s.id,
                    run_id=s.run_id,
                    stage=s.stage,
                    model_id=s.model_id,
                    template_name=s.template_name,
                    template_hash=s.template_hash,
                    parents=list(s.parents),
                    example_ids=list(s.example_ids),
                )
            )
            stack.extend(reversed(s.parents))
        return out

    def for_records(self, record_ids: Iterable[str]) -> Lineage:
        """The lineage of generated records (a run export's row)."""
        steps = self.steps(record_ids)
        seed_ids = list(dict.fromkeys(e for s in steps for e in s.example_ids))
        return Lineage(records=steps, seeds=[self.origin(e) for e in seed_ids])

    def for_items(self, items: Iterable[Item]) -> Lineage:
        """The lineage of rated items: their records (from each item's ``source``) and groups."""
        sources = [item_source(item) for item in items]
        lineage = self.for_records(s.record_id for s in sources if s.record_id)
        lineage.items = sources
        lineage.ratings_by_group = {
            s.item_id: self._groups[s.item_id] for s in sources if s.item_id in self._groups
        }
        return lineage


def item_source(item: Item) -> ItemSource:
    """The run, record and field an item's ``source`` names (``run:RUN/record:REC/FIELD``)."""
    match = _SOURCE.match(item.source or "")
    if match is None:
        return ItemSource(item_id=item.id, source=item.source)
    return ItemSource(
        item_id=item.id,
        source=item.source,
        run_id=match.group("run"),
        record_id=match.group("record"),
        field=match.group("field"),
    )


#: Provenance keys that name the items a rated row holds.
_ITEM_KEYS = ("item", "chosen_item", "rejected_item")


def with_lineage(
    rows: Iterable[tuple[dict[str, Any], dict[str, Any]]],
    resolver: LineageResolver,
    items: Mapping[str, Item],
    tally: LineageTally,
    format_name: str,
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Add each row's lineage to its provenance, and count it in ``tally``.

    A row built from a generated triple names its ``record_id``; a row built from ratings names
    its item(s) (``item``, or ``chosen_item`` and ``rejected_item``).
    """
    for row, provenance in rows:
        if "record_id" in provenance:
            lineage = resolver.for_records([provenance["record_id"]])
        else:
            wanted = [items[provenance[k]] for k in _ITEM_KEYS if provenance.get(k) in items]
            lineage = resolver.for_items(wanted)
        tally.add(format_name, lineage)
        yield row, {**provenance, "lineage": lineage.document()}


class LineageTally:
    """Counts, per format, the rows that trace to participant-written seeds, by origin.

    Args:
        on_new_record: called once with every generated record first seen in a row's lineage
            (the card counts the models and templates of those records).
    """

    def __init__(self, on_new_record: Callable[[Step], None] | None = None) -> None:
        self.on_new_record = on_new_record
        self.rows: Counter[str] = Counter()
        self.participant_written: Counter[str] = Counter()
        self.by_origin: dict[str, Counter[str]] = {}
        self.without_seed: Counter[str] = Counter()
        self.record_ids: set[str] = set()
        self.stages: Counter[str] = Counter()
        self.runs: set[str] = set()
        self.seeds: dict[str, SeedOrigin] = {}
        self.items: set[str] = set()
        self.diary_entries: set[int] = set()

    def add(self, format_name: str, lineage: Lineage) -> None:
        """Count one exported row of ``format_name``."""
        self.rows[format_name] += 1
        origins = self.by_origin.setdefault(format_name, Counter())
        for origin in lineage.origins:
            origins[origin] += 1
        if lineage.participant_written:
            self.participant_written[format_name] += 1
        if not lineage.seeds:
            self.without_seed[format_name] += 1
        for step in lineage.records:
            if step.record_id in self.record_ids:
                continue
            self.record_ids.add(step.record_id)
            self.stages[step.stage] += 1
            self.runs.add(step.run_id)
            if self.on_new_record is not None:
                self.on_new_record(step)
        for seed in lineage.seeds:
            self.seeds.setdefault(seed.seed_id, seed)
            self.diary_entries.update(seed.diary_entries)
        self.items.update(i.item_id for i in lineage.items)

    def facts(self) -> dict[str, Any]:
        """The card's and Croissant's lineage summary."""
        seeds_by_origin = Counter(s.origin for s in self.seeds.values())
        return {
            "rows": {
                name: {
                    "rows": n,
                    "participant_written": self.participant_written[name],
                    "by_origin": {
                        o: self.by_origin[name][o] for o in ORIGINS if self.by_origin[name][o]
                    },
                    "without_seed": self.without_seed[name],
                }
                for name, n in self.rows.items()
            },
            "runs": sorted(self.runs),
            "records": len(self.record_ids),
            "records_by_stage": dict(sorted(self.stages.items())),
            "items": len(self.items),
            "seeds": {o: seeds_by_origin[o] for o in ORIGINS if seeds_by_origin[o]},
            "diary_entries": len(self.diary_entries),
            "workshops": sorted({s.workshop for s in self.seeds.values() if s.workshop}),
            "group_phases": sorted({g for s in self.seeds.values() for g in s.group_phases}),
        }
