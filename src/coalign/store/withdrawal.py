"""Withdrawal, read and written: every row of one person's data found, deleted in the caller's
transaction, and the deletion logged.

:func:`erasure_plan` finds the rows (by primary key, table by table) without changing anything,
so the same plan serves the confirmation page ("this will be deleted") and :func:`erase`, which
deletes exactly those rows, clears the JSON lists that name the person, leaves a tombstone for
each of their seeds that a generation run used, and writes the :class:`WithdrawalRow`.

:data:`ERASED` names every table that can hold a person's data and how its rows are found;
``tests/participation/test_withdrawal.py`` fails when a table that points at ``participants``
(directly, or through another table) is missing from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Text, cast, delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from coalign.store.coconstruction_tables import (
    AttributeRow,
    AxisRankingRow,
    AxisRow,
    CodeClusterRow,
    CodeRow,
    ConversationRow,
    DesignProposalRow,
    DiaryEntryRow,
    DiscussionGroupRow,
    DraftUseRow,
    SeedDecisionRow,
    TrainingAttemptRow,
    TurnRow,
    WorkshopDraftRow,
    WorkshopRow,
)
from coalign.store.group_axes_tables import GroupAxisRankingRow
from coalign.store.group_phase_tables import (
    GoalSourceRow,
    GroupDecisionRow,
    GroupShareRow,
    ShareCodeRow,
    ShareWorksheetRow,
)
from coalign.store.participation_tables import (
    DemographicAnswerRow,
    ParticipantRow,
    WithdrawalRow,
    WithdrawnSeedRow,
)
from coalign.store.process_feedback_tables import ProcessFeedbackRow
from coalign.store.rating_tables import (
    AssignmentRow,
    CampaignRow,
    EnrollmentRow,
    QuotaPlaceRow,
    RatingRow,
)
from coalign.store.steer_tables import (
    ConversationForkRow,
    PersonalLimitRow,
    SharedPromptRow,
    SteerCandidateRow,
    SteeredTurnRow,
    SteerFeedbackRow,
)
from coalign.store.tables import (
    ModelCallRow,
    RecordRow,
    RunRow,
    SeedExampleRow,
    SeedQuestionRow,
    VerdictRow,
)
from coalign.store.workshop_tables import ReflectionNoteRow, ReflectionReactionRow


class Erased(NamedTuple):
    """A table that holds people's data: its primary key and how one person's rows are found."""

    key: InstrumentedAttribute[Any]
    how: str


#: Every table a person's data lives in, in the order rows are deleted (what points at a row
#: goes before it).
ERASED: dict[str, Erased] = {
    "verdicts": Erased(
        VerdictRow.id,
        "axis-judge verdicts on the person's steered candidates (unless another person's "
        "candidate has the same text)",
    ),
    "model_calls": Erased(
        ModelCallRow.id,
        "the call log of the answers in the person's chats and steered chats (unless another "
        "person's turn came from the same request)",
    ),
    "goal_sources": Erased(GoalSourceRow.id, "links from a group's goal to the person's shares"),
    "share_codes": Erased(
        ShareCodeRow.id,
        "the person's codes on shared entries, and the codes on the person's shares",
    ),
    "share_worksheets": Erased(
        ShareWorksheetRow.id,
        "the person's worksheets on shared entries, and the worksheets on the person's shares",
    ),
    "group_shares": Erased(
        GroupShareRow.id, "the diary entries and turns the person shared with their group"
    ),
    "codes": Erased(CodeRow.id, "the person's codes, and codes on the person's turns"),
    "code_clusters": Erased(CodeClusterRow.id, "the person's clusters"),
    "steer_feedback": Erased(
        SteerFeedbackRow.id, "the person's feedback, and feedback on the person's turns"
    ),
    "steer_candidates": Erased(
        SteerCandidateRow.id, "the candidates of the person's steered turns"
    ),
    "steered_turns": Erased(SteeredTurnRow.id, "the person's steered turns"),
    "conversation_forks": Erased(
        ConversationForkRow.conversation_id, "rewinds of and into the person's conversations"
    ),
    "turns": Erased(TurnRow.id, "the turns of the person's conversations"),
    "conversations": Erased(
        ConversationRow.id, "the person's conversations (shared baselines belong to nobody)"
    ),
    "axis_rankings": Erased(AxisRankingRow.id, "the person's rankings of a group's axes"),
    "pre_discussion_attributes": Erased(AttributeRow.id, "the person's top-3 attributes"),
    "training_attempts": Erased(
        TrainingAttemptRow.id, "the person's attempts at the training check, with their answers"
    ),
    "diary_entries": Erased(
        DiaryEntryRow.id, "the person's diary entries, screenshots included (kept in the row)"
    ),
    "shared_prompts": Erased(
        SharedPromptRow.id, "the prompts the person shared (other turns lose the link to them)"
    ),
    "steer_personal_limits": Erased(
        PersonalLimitRow.participant_id, "the daily limit the person set for their steered chat"
    ),
    "ratings": Erased(RatingRow.id, "the person's ratings"),
    "assignments": Erased(AssignmentRow.id, "the person's assignments, drafts and answers"),
    "quota_places": Erased(QuotaPlaceRow.id, "the quota cells the person was admitted to"),
    "enrollments": Erased(EnrollmentRow.id, "the person's places in campaigns"),
    "demographic_answers": Erased(DemographicAnswerRow.id, "the person's demographic answers"),
    "process_feedback": Erased(ProcessFeedbackRow.id, "the person's feedback on the process"),
    "design_proposals": Erased(
        DesignProposalRow.id,
        "topics and question types the person proposed in workshops (accepted ones are part "
        "of the study's design and stay there)",
    ),
    "workshop_draft_uses": Erased(
        DraftUseRow.id, "which of the person's seed examples started from a model draft"
    ),
    "workshop_drafts": Erased(WorkshopDraftRow.id, "model drafts given to the person in workshops"),
    "reflection_reactions": Erased(
        ReflectionReactionRow.id, "the person's reactions, and reactions to the person's notes"
    ),
    "reflection_notes": Erased(
        ReflectionNoteRow.id, "the sticky notes the person posted on reflection boards"
    ),
    "seed_decisions": Erased(
        SeedDecisionRow.id, "moderators' decisions on the person's seeds that no run used"
    ),
    "seed_questions": Erased(
        SeedQuestionRow.id, "seed questions the person wrote (author = participant id)"
    ),
    "seed_examples": Erased(
        SeedExampleRow.id, "seed examples the person wrote (author = participant id)"
    ),
    "participants": Erased(ParticipantRow.id, "the person"),
}
#: JSON lists that name the person or their turns: the entries are removed, the rows stay; and
#: a group's decisions and agreed axis rankings, which forget who made or recorded them (the
#: column is set to ``NULL``).
EDITED: dict[str, str] = {
    "discussion_groups": "members",
    "workshops": "groups",
    "axes": "example_turn_ids",
    "group_decisions": "participant_id",
    "group_axis_rankings": "participant_id",
}
#: Tables that name a participant and keep the name on purpose.
KEPT: dict[str, str] = {
    "withdrawals": "the log of deletions itself",
    "withdrawn_seeds": "tombstones: a seed's id and kind and the runs that used it, no text",
}

_CHUNK = 500
_SEED_TABLES: dict[str, type[SeedQuestionRow] | type[SeedExampleRow]] = {
    "question": SeedQuestionRow,
    "example": SeedExampleRow,
}


@dataclass
class ErasurePlan:
    """The rows that hold one person's data, found but not yet deleted.

    Attributes:
        rows: primary keys per table of :data:`ERASED` (every table present, maybe empty).
        used_seeds: the person's seeds that generation runs used, as ``(kind, id)`` → the runs'
            ids and how many of their records name the seed; these leave a tombstone.
        edits: how many rows of each table of :data:`EDITED` name the person (or their turns).
    """

    participant_id: str
    study_id: int
    rows: dict[str, list[Any]]
    used_seeds: dict[tuple[str, str], tuple[list[str], int]] = field(default_factory=dict)
    edits: dict[str, int] = field(default_factory=dict)
    turn_ids: set[int] = field(default_factory=set)
    crowd_id: str | None = None
    campaign_ids: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows per table of :data:`ERASED`, then rows edited per table of :data:`EDITED`."""
        out = {table: len(keys) for table, keys in self.rows.items()}
        out.update({f"{table} (edited)": n for table, n in self.edits.items()})
        if self.used_seeds:
            out["withdrawn_seeds (tombstones)"] = len(self.used_seeds)
        return out


def _ids(session: Session, column: InstrumentedAttribute[Any], *where: Any) -> list[Any]:
    return list(dict.fromkeys(session.scalars(select(column).where(*where))))


def _runs_using(session: Session, study_id: int, seed_id: str) -> tuple[list[str], int]:
    """The study's runs whose records name ``seed_id`` among their examples, and how many records.

    ``LIKE`` on the JSON text narrows the scan portably (SQLite and PostgreSQL); membership is
    then checked on the parsed list.
    """
    escaped = seed_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = session.execute(
        select(RecordRow.run_id, RecordRow.example_ids)
        .join(RunRow, RunRow.id == RecordRow.run_id)
        .where(
            RunRow.study_id == study_id,
            cast(RecordRow.example_ids, Text).like(f'%"{escaped}"%', escape="\\"),
        )
    )
    runs: dict[str, None] = {}
    records = 0
    for run_id, example_ids in rows:
        if seed_id in (example_ids or []):
            runs[run_id] = None
            records += 1
    return sorted(runs), records


def lock_participant(session: Session, participant_id: str) -> ParticipantRow | None:
    """The participant's row, locked until the transaction ends (PostgreSQL; SQLite has one
    writer anyway), so two deletions of one person never run side by side; ``None``: no such row.
    """
    return session.scalars(
        select(ParticipantRow).where(ParticipantRow.id == participant_id).with_for_update()
    ).first()


def erasure_plan(session: Session, participant_id: str) -> ErasurePlan | None:
    """Find every row of the person's data; ``None`` when there is no such participant."""
    person = session.get(ParticipantRow, participant_id)
    if person is None:
        return None
    pid, study_id = person.id, person.study_id
    conversations = _ids(session, ConversationRow.id, ConversationRow.participant_id == pid)
    turns = session.execute(
        select(TurnRow.id, TurnRow.request_hash).where(TurnRow.conversation_id.in_(conversations))
    ).all()
    turn_ids = [t.id for t in turns]
    steered = _ids(
        session,
        SteeredTurnRow.id,
        (SteeredTurnRow.participant_id == pid) | SteeredTurnRow.conversation_id.in_(conversations),
    )
    candidates = session.execute(
        select(
            SteerCandidateRow.id, SteerCandidateRow.record_id, SteerCandidateRow.request_hash
        ).where(SteerCandidateRow.steered_turn_id.in_(steered))
    ).all()
    rows: dict[str, list[Any]] = {}

    # Verdicts and calls are shared by content: keep those another person's turns still name.
    record_ids = {c.record_id for c in candidates}
    still_judged = set(
        session.scalars(
            select(SteerCandidateRow.record_id).where(
                SteerCandidateRow.record_id.in_(record_ids),
                SteerCandidateRow.steered_turn_id.not_in(steered),
            )
        )
    )
    rows["verdicts"] = _ids(
        session, VerdictRow.id, VerdictRow.record_id.in_(record_ids - still_judged)
    )
    hashes = {t.request_hash for t in turns if t.request_hash} | {
        c.request_hash for c in candidates
    }
    still_used = set(
        session.scalars(
            select(TurnRow.request_hash).where(
                TurnRow.request_hash.in_(hashes), TurnRow.conversation_id.not_in(conversations)
            )
        )
    ) | set(
        session.scalars(
            select(SteerCandidateRow.request_hash).where(
                SteerCandidateRow.request_hash.in_(hashes),
                SteerCandidateRow.steered_turn_id.not_in(steered),
            )
        )
    )
    rows["model_calls"] = _ids(
        session, ModelCallRow.id, ModelCallRow.request_hash.in_(hashes - still_used)
    )
    rows["codes"] = _ids(
        session, CodeRow.id, (CodeRow.participant_id == pid) | CodeRow.turn_id.in_(turn_ids)
    )
    rows["code_clusters"] = _ids(session, CodeClusterRow.id, CodeClusterRow.participant_id == pid)
    shares = _ids(session, GroupShareRow.id, GroupShareRow.participant_id == pid)
    rows["group_shares"] = shares
    rows["goal_sources"] = _ids(session, GoalSourceRow.id, GoalSourceRow.share_id.in_(shares))
    rows["share_codes"] = _ids(
        session,
        ShareCodeRow.id,
        (ShareCodeRow.participant_id == pid) | ShareCodeRow.share_id.in_(shares),
    )
    rows["share_worksheets"] = _ids(
        session,
        ShareWorksheetRow.id,
        (ShareWorksheetRow.participant_id == pid) | ShareWorksheetRow.share_id.in_(shares),
    )
    rows["steer_feedback"] = _ids(
        session,
        SteerFeedbackRow.id,
        (SteerFeedbackRow.participant_id == pid) | SteerFeedbackRow.turn_id.in_(turn_ids),
    )
    rows["steer_candidates"] = [c.id for c in candidates]
    rows["steered_turns"] = steered
    rows["conversation_forks"] = _ids(
        session,
        ConversationForkRow.conversation_id,
        ConversationForkRow.conversation_id.in_(conversations)
        | ConversationForkRow.parent_id.in_(conversations),
    )
    rows["turns"] = turn_ids
    rows["conversations"] = conversations
    rows["axis_rankings"] = _ids(session, AxisRankingRow.id, AxisRankingRow.participant_id == pid)
    rows["pre_discussion_attributes"] = _ids(
        session, AttributeRow.id, AttributeRow.participant_id == pid
    )
    rows["training_attempts"] = _ids(
        session, TrainingAttemptRow.id, TrainingAttemptRow.participant_id == pid
    )
    rows["diary_entries"] = _ids(session, DiaryEntryRow.id, DiaryEntryRow.participant_id == pid)
    rows["shared_prompts"] = _ids(
        session, SharedPromptRow.id, SharedPromptRow.participant_id == pid
    )
    rows["steer_personal_limits"] = _ids(
        session, PersonalLimitRow.participant_id, PersonalLimitRow.participant_id == pid
    )
    rows["ratings"] = _ids(session, RatingRow.id, RatingRow.participant_id == pid)
    rows["assignments"] = _ids(session, AssignmentRow.id, AssignmentRow.participant_id == pid)
    rows["quota_places"] = _ids(session, QuotaPlaceRow.id, QuotaPlaceRow.participant_id == pid)
    rows["enrollments"] = _ids(session, EnrollmentRow.id, EnrollmentRow.participant_id == pid)
    campaign_ids = _ids(session, EnrollmentRow.campaign_id, EnrollmentRow.participant_id == pid)
    crowd_id = (person.external_ids or {}).get("PROLIFIC_PID")
    rows["demographic_answers"] = _ids(
        session, DemographicAnswerRow.id, DemographicAnswerRow.participant_id == pid
    )
    rows["process_feedback"] = _ids(
        session, ProcessFeedbackRow.id, ProcessFeedbackRow.participant_id == pid
    )
    rows["design_proposals"] = _ids(
        session, DesignProposalRow.id, DesignProposalRow.participant_id == pid
    )
    used: dict[tuple[str, str], tuple[list[str], int]] = {}
    unused: list[str] = []
    for kind, table in _SEED_TABLES.items():
        seed_ids = _ids(session, table.id, table.study_id == study_id, table.author == pid)
        rows[table.__tablename__] = seed_ids
        for seed_id in seed_ids:
            runs, records = _runs_using(session, study_id, seed_id)
            if runs:
                used[(kind, seed_id)] = (runs, records)
            else:
                unused.append(seed_id)
    rows["workshop_drafts"] = _ids(
        session, WorkshopDraftRow.id, WorkshopDraftRow.participant_id == pid
    )
    rows["workshop_draft_uses"] = _ids(
        session,
        DraftUseRow.id,
        DraftUseRow.draft_id.in_(rows["workshop_drafts"])
        | DraftUseRow.seed_example_id.in_(rows["seed_examples"]),
    )
    rows["reflection_notes"] = _ids(
        session, ReflectionNoteRow.id, ReflectionNoteRow.participant_id == pid
    )
    rows["reflection_reactions"] = _ids(
        session,
        ReflectionReactionRow.id,
        (ReflectionReactionRow.participant_id == pid)
        | ReflectionReactionRow.note_id.in_(rows["reflection_notes"]),
    )
    rows["seed_decisions"] = _ids(
        session,
        SeedDecisionRow.id,
        SeedDecisionRow.study_id == study_id,
        SeedDecisionRow.seed_id.in_(unused),
    )
    rows["participants"] = [pid]
    in_order = {name: rows[name] for name in ERASED}  # a KeyError here: a table without a query
    plan = ErasurePlan(
        pid,
        study_id,
        in_order,
        used,
        turn_ids=set(turn_ids),
        crowd_id=crowd_id if isinstance(crowd_id, str) else None,
        campaign_ids=campaign_ids,
    )
    plan.edits = {
        table: len(changed) for table, changed in _edits(session, plan).items() if changed
    }
    return plan


def _edits(session: Session, plan: ErasurePlan) -> dict[str, list[tuple[Any, Any]]]:
    """The study's group, workshop, axis, group-decision and group-ranking rows that name the
    person or their turns, each with the value it should get."""
    pid = plan.participant_id
    out: dict[str, list[tuple[Any, Any]]] = {table: [] for table in EDITED}
    for group in session.scalars(
        select(DiscussionGroupRow).where(DiscussionGroupRow.study_id == plan.study_id)
    ):
        if pid in group.members:
            out["discussion_groups"].append((group, [m for m in group.members if m != pid]))
    for workshop in session.scalars(
        select(WorkshopRow).where(WorkshopRow.study_id == plan.study_id)
    ):
        if any(pid in members for members in workshop.groups.values()):
            groups = {g: [m for m in ms if m != pid] for g, ms in workshop.groups.items()}
            out["workshops"].append((workshop, groups))
    if plan.turn_ids:
        for axis in session.scalars(
            select(AxisRow)
            .join(DiscussionGroupRow, DiscussionGroupRow.id == AxisRow.group_id)
            .where(DiscussionGroupRow.study_id == plan.study_id)
        ):
            kept = [t for t in axis.example_turn_ids if t not in plan.turn_ids]
            if len(kept) != len(axis.example_turn_ids):
                out["axes"].append((axis, kept))
    for decision in session.scalars(
        select(GroupDecisionRow).where(GroupDecisionRow.participant_id == pid)
    ):
        out["group_decisions"].append((decision, None))
    for place in session.scalars(
        select(GroupAxisRankingRow).where(GroupAxisRankingRow.participant_id == pid)
    ):
        out["group_axis_rankings"].append((place, None))
    return out


def _delete(session: Session, key: Any, ids: Sequence[Any]) -> int:
    deleted = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        result = session.execute(
            delete(key.class_).where(key.in_(chunk)).execution_options(synchronize_session=False)
        )
        deleted += getattr(result, "rowcount", 0) or 0
    return deleted


def erase(
    session: Session,
    plan: ErasurePlan,
    *,
    requested_by: str,
    account: str | None,
    channel: str,
) -> WithdrawalRow:
    """Delete the rows of ``plan``, edit the lists that name the person, leave tombstones for
    their seeds that runs used, and log the withdrawal, all in the caller's transaction.

    Args:
        requested_by: ``participant`` or ``admin``.
        account: the admin's name (``None`` when the person asked).
        channel: how the request came: ``page``, ``link``, ``web`` (an admin's page) or ``cli``.

    Returns:
        The logged withdrawal, flushed (its ``deleted`` holds rows per table).
    """
    for table, changes in _edits(session, plan).items():
        column = EDITED[table]
        for row, value in changes:
            setattr(row, column, value)
    session.flush()
    session.execute(
        update(SteeredTurnRow)
        .where(SteeredTurnRow.shared_prompt_id.in_(plan.rows["shared_prompts"]))
        .values(shared_prompt_id=None)
        .execution_options(synchronize_session=False)
    )
    deleted = {name: _delete(session, table.key, plan.rows[name]) for name, table in ERASED.items()}
    deleted.update({f"{table} (edited)": n for table, n in plan.edits.items()})
    if plan.used_seeds:
        deleted["withdrawn_seeds (tombstones)"] = len(plan.used_seeds)
    log = WithdrawalRow(
        study_id=plan.study_id,
        participant_id=plan.participant_id,
        requested_by=requested_by,
        account=account,
        channel=channel,
        deleted=deleted,
        crowd_id=plan.crowd_id,
        campaign_ids=sorted(plan.campaign_ids),
    )
    session.add(log)
    session.flush()
    session.add_all(
        WithdrawnSeedRow(
            study_id=plan.study_id,
            withdrawal_id=log.id,
            seed_kind=kind,
            seed_id=seed_id,
            run_ids=runs,
            records=records,
        )
        for (kind, seed_id), (runs, records) in sorted(plan.used_seeds.items())
    )
    session.flush()
    return log


# --- the log ------------------------------------------------------------------------------------


def withdrawal_by_id(session: Session, withdrawal_id: int) -> WithdrawalRow | None:
    """The logged withdrawal ``withdrawal_id``, or ``None``."""
    return session.get(WithdrawalRow, withdrawal_id)


def withdrawals_of(session: Session, participant_id: str) -> list[WithdrawalRow]:
    """The logged withdrawals of one participant id, oldest first."""
    return list(
        session.scalars(
            select(WithdrawalRow)
            .where(WithdrawalRow.participant_id == participant_id)
            .order_by(WithdrawalRow.id)
        )
    )


def study_withdrawal_rows(session: Session, study_id: int | None = None) -> list[WithdrawalRow]:
    """The logged withdrawals of one study (or of every study), newest first."""
    query = select(WithdrawalRow).order_by(WithdrawalRow.id.desc())
    if study_id is not None:
        query = query.where(WithdrawalRow.study_id == study_id)
    return list(session.scalars(query))


def campaign_withdrawal_rows(session: Session, campaign_id: int) -> list[WithdrawalRow]:
    """The logged withdrawals of people who were in campaign ``campaign_id``, oldest first."""
    study_id = select(CampaignRow.study_id).where(CampaignRow.id == campaign_id).scalar_subquery()
    rows = session.scalars(
        select(WithdrawalRow).where(WithdrawalRow.study_id == study_id).order_by(WithdrawalRow.id)
    )
    return [row for row in rows if campaign_id in (row.campaign_ids or [])]


def withdrawn_count(session: Session, study_id: int) -> int:
    """How many different people's data was deleted from the study."""
    return (
        session.scalar(
            select(func.count(WithdrawalRow.participant_id.distinct())).where(
                WithdrawalRow.study_id == study_id
            )
        )
        or 0
    )


def tombstones_of(
    session: Session, study_id: int, withdrawal_ids: Iterable[int] | None = None
) -> list[WithdrawnSeedRow]:
    """The study's tombstones of withdrawn seeds (optionally of some withdrawals), oldest first."""
    query = select(WithdrawnSeedRow).where(WithdrawnSeedRow.study_id == study_id)
    if withdrawal_ids is not None:
        query = query.where(WithdrawnSeedRow.withdrawal_id.in_(list(withdrawal_ids)))
    return list(session.scalars(query.order_by(WithdrawnSeedRow.id)))
