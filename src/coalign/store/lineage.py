"""Where a study's seeds came from, read in one go: the seeds, the diary entries that point at
them, the decision log, the workshops, and the tombstones of seeds whose authors withdrew.

Exports and ``coalign trace`` turn this into each seed's origin (diary, workshop, import); the
reading lives here so that the SQL stays in the store.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select

from coalign.store.coconstruction_tables import (
    DiaryEntryRow,
    DiscussionGroupRow,
    SeedDecisionRow,
    WorkshopRow,
)
from coalign.store.engine import Store
from coalign.store.group_phase_tables import GroupShareRow
from coalign.store.participation_tables import ParticipantRow, WithdrawalRow, WithdrawnSeedRow
from coalign.store.studies import study_row
from coalign.store.tables import SeedExampleRow, SeedQuestionRow

#: How :mod:`coalign.coconstruct.diary` words the decision of a promotion.
_PROMOTED = re.compile(r"promoted from diary entry (\d+)")


@dataclass(frozen=True)
class StoredSeed:
    """The lineage-relevant columns of one seed question or seed example."""

    id: str
    kind: str
    author: str | None
    group: str | None
    status: str
    llm_assisted: bool
    topic: str | None
    question_type: str | None


@dataclass(frozen=True)
class StoredDecision:
    """One entry of the seed decision log."""

    decision: str
    reason: str
    decided_by: str
    workshop_id: int | None
    created_at: datetime | None


@dataclass
class SeedSources:
    """Everything that says where a study's seeds came from.

    Attributes:
        seeds: every seed question and seed example, by id.
        diary_entries: per seed id, the diary entries it was promoted from (the entry's link or
            the decision log's "promoted from diary entry N").
        decisions: per seed id, its decisions, oldest first.
        workshops: per workshop id, its ``(slug, title)``.
        withdrawn: per seed id whose author withdrew, the seed's kind.
        participants: the pseudonymous ids of the study's participants, withdrawn ones included.
        group_phases: per diary entry shared with a discussion group, the groups' names.
    """

    seeds: dict[str, StoredSeed] = field(default_factory=dict)
    diary_entries: dict[str, list[int]] = field(default_factory=dict)
    decisions: dict[str, list[StoredDecision]] = field(default_factory=dict)
    workshops: dict[int, tuple[str, str]] = field(default_factory=dict)
    withdrawn: dict[str, str] = field(default_factory=dict)
    participants: set[str] = field(default_factory=set)
    group_phases: dict[int, list[str]] = field(default_factory=dict)


def seed_sources(store: Store, slug: str) -> SeedSources:
    """Read where every seed of study ``slug`` came from (see :class:`SeedSources`).

    Raises:
        NotFoundError: no such study.
    """
    out = SeedSources()
    entries: dict[str, set[int]] = defaultdict(set)
    with store.read() as session:
        study_id = study_row(session, slug).id
        for row in session.scalars(
            select(SeedQuestionRow).where(SeedQuestionRow.study_id == study_id)
        ):
            out.seeds[row.id] = StoredSeed(
                row.id,
                "question",
                row.author,
                row.group,
                row.status,
                False,
                row.topic,
                row.question_type,
            )
        for ex in session.scalars(
            select(SeedExampleRow).where(SeedExampleRow.study_id == study_id)
        ):
            out.seeds[ex.id] = StoredSeed(
                ex.id,
                "example",
                ex.author,
                ex.group,
                ex.status,
                bool(ex.llm_assisted),
                ex.topic,
                ex.question_type,
            )
        linked = session.execute(
            select(DiaryEntryRow.id, DiaryEntryRow.seed_question_id, DiaryEntryRow.seed_example_id)
            .where(DiaryEntryRow.study_id == study_id)
            .where(
                or_(
                    DiaryEntryRow.seed_question_id.is_not(None),
                    DiaryEntryRow.seed_example_id.is_not(None),
                )
            )
        ).all()
        for entry_id, question_id, example_id in linked:
            for seed_id in (question_id, example_id):
                if seed_id:
                    entries[seed_id].add(entry_id)
        decisions: dict[str, list[StoredDecision]] = defaultdict(list)
        for d in session.scalars(
            select(SeedDecisionRow)
            .where(SeedDecisionRow.study_id == study_id)
            .order_by(SeedDecisionRow.id)
        ):
            decisions[d.seed_id].append(
                StoredDecision(d.decision, d.reason, d.decided_by, d.workshop_id, d.created_at)
            )
            if match := _PROMOTED.search(d.reason or ""):
                entries[d.seed_id].add(int(match.group(1)))
        out.decisions = dict(decisions)
        out.workshops = {
            w.id: (w.slug, w.title)
            for w in session.scalars(select(WorkshopRow).where(WorkshopRow.study_id == study_id))
        }
        out.withdrawn = dict(
            session.execute(
                select(WithdrawnSeedRow.seed_id, WithdrawnSeedRow.seed_kind).where(
                    WithdrawnSeedRow.study_id == study_id
                )
            ).all()
        )
        out.participants = set(
            session.scalars(select(ParticipantRow.id).where(ParticipantRow.study_id == study_id))
        ) | set(
            session.scalars(
                select(WithdrawalRow.participant_id).where(WithdrawalRow.study_id == study_id)
            )
        )
        shared = session.execute(
            select(GroupShareRow.diary_entry_id, DiscussionGroupRow.name)
            .join(DiscussionGroupRow, DiscussionGroupRow.id == GroupShareRow.group_id)
            .where(
                DiscussionGroupRow.study_id == study_id, GroupShareRow.diary_entry_id.is_not(None)
            )
            .order_by(DiscussionGroupRow.name)
        ).all()
    for shared_entry, group in shared:
        if shared_entry is not None:  # a shared turn has none (the query leaves those out)
            out.group_phases.setdefault(shared_entry, []).append(group)
    out.diary_entries = {seed_id: sorted(ids) for seed_id, ids in entries.items()}
    return out
