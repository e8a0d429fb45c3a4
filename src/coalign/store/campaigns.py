"""Rating campaigns read and written: campaigns, their items, enrolments and assignments.

Every function takes the caller's :class:`~sqlalchemy.orm.Session`, so the stage that calls it
decides what one transaction holds: assigning, for one, locks the campaign row with
:func:`lock_campaign` and keeps the lock while it counts and inserts. Functions named ``*_by_*``
or ``*_of`` return ``None`` when nothing matches; the stage decides what that means.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, case, func, or_, select, union, update
from sqlalchemy.orm import Session

from coalign.core.campaigns import Campaign
from coalign.store.participation_tables import ParticipantRow
from coalign.store.rating_tables import (
    AssignmentRow,
    CampaignItemRow,
    CampaignRow,
    EnrollmentRow,
    ItemRow,
    QuotaPlaceRow,
    RatingRow,
)
from coalign.store.tables import DimensionRow, StudyRow

# --- campaigns ------------------------------------------------------------------------------


def campaign_by_id(session: Session, campaign_id: int) -> CampaignRow | None:
    """The campaign ``campaign_id``, or ``None``."""
    return session.get(CampaignRow, campaign_id)


def campaign_by_slug(session: Session, study_id: int, slug: str) -> CampaignRow | None:
    """The campaign ``slug`` of study ``study_id``, or ``None``."""
    return session.scalars(
        select(CampaignRow).where(CampaignRow.study_id == study_id, CampaignRow.slug == slug)
    ).first()


def campaign_id_by_slug(session: Session, study_id: int, slug: str) -> int | None:
    """The id of campaign ``slug`` of study ``study_id``, or ``None`` when the slug is free."""
    return session.scalar(
        select(CampaignRow.id).where(CampaignRow.study_id == study_id, CampaignRow.slug == slug)
    )


def campaigns_newest_first(session: Session) -> list[CampaignRow]:
    """Every campaign of every study, newest first."""
    return list(session.scalars(select(CampaignRow).order_by(CampaignRow.id.desc())).all())


def lock_campaign(session: Session, campaign_id: int) -> CampaignRow:
    """The campaign row, locked until the transaction ends (PostgreSQL; SQLite needs no lock).

    The lock is ``FOR NO KEY UPDATE``: it serialises the transactions that take it, yet lets
    others insert rows that reference the campaign (their foreign-key checks take KEY SHARE).

    Raises:
        sqlalchemy.exc.NoResultFound: no such campaign.
    """
    return session.execute(
        select(CampaignRow).where(CampaignRow.id == campaign_id).with_for_update(key_share=True)
    ).scalar_one()


def add_campaign(session: Session, study_id: int, campaign: Campaign) -> CampaignRow:
    """Insert a campaign's settings (not its items or checks) and flush, so its id is known."""
    row = CampaignRow(
        study_id=study_id, **campaign.model_dump(exclude={"study_slug", "attention_checks"})
    )
    session.add(row)
    session.flush()
    return row


def study_slug_by_id(session: Session, study_id: int) -> str | None:
    """The slug of the study with primary key ``study_id`` (a campaign's study)."""
    return session.scalar(select(StudyRow.slug).where(StudyRow.id == study_id))


def study_dimensions(session: Session, study_id: int) -> list[DimensionRow]:
    """The value dimensions of study ``study_id``, as stored."""
    return list(session.scalars(select(DimensionRow).where(DimensionRow.study_id == study_id)))


# --- the items of a campaign ----------------------------------------------------------------


class CampaignEntry(NamedTuple):
    """One item placed in a campaign: a real item (``kind="item"``) or an attention check."""

    item_id: str
    position: int
    translations: dict[str, Any]
    kind: str = "item"
    expected_value: int | None = None


def add_campaign_items(
    session: Session, campaign_id: int, entries: Iterable[CampaignEntry]
) -> None:
    """Place stored items in campaign ``campaign_id``, flushed.

    Raises:
        sqlalchemy.exc.IntegrityError: an item is in the campaign already.
    """
    for entry in entries:
        session.add(CampaignItemRow(campaign_id=campaign_id, **entry._asdict()))
    session.flush()


def rateable_item_ids(session: Session, campaign_id: int) -> list[str]:
    """The ids of a campaign's real items (attention checks left out), in no set order."""
    return list(
        session.scalars(
            select(CampaignItemRow.item_id).where(
                CampaignItemRow.campaign_id == campaign_id, CampaignItemRow.kind == "item"
            )
        ).all()
    )


def count_rateable_items(session: Session, campaign_id: int) -> int:
    """How many real items (attention checks left out) a campaign holds."""
    return (
        session.scalar(
            select(func.count())
            .select_from(CampaignItemRow)
            .where(CampaignItemRow.campaign_id == campaign_id, CampaignItemRow.kind == "item")
        )
        or 0
    )


def rateable_item_prompts(session: Session, campaign_id: int) -> list[tuple[str, str]]:
    """``(item id, prompt)`` of a campaign's real items, in campaign order."""
    rows = session.execute(
        select(ItemRow.id, ItemRow.prompt)
        .join(CampaignItemRow, CampaignItemRow.item_id == ItemRow.id)
        .where(CampaignItemRow.campaign_id == campaign_id, CampaignItemRow.kind == "item")
        .order_by(CampaignItemRow.position)
    )
    return [(item_id, prompt) for item_id, prompt in rows]


def entries_of(
    session: Session, campaign_id: int, kind: str
) -> list[tuple[CampaignItemRow, ItemRow]]:
    """A campaign's entries of one kind (``item`` or ``attention``) with their items, in order."""
    rows = session.execute(
        select(CampaignItemRow, ItemRow)
        .join(ItemRow, ItemRow.id == CampaignItemRow.item_id)
        .where(CampaignItemRow.campaign_id == campaign_id, CampaignItemRow.kind == kind)
        .order_by(CampaignItemRow.position)
    )
    return [(entry, item) for entry, item in rows]


def attention_checks_of(
    session: Session, campaign_id: int
) -> list[tuple[CampaignItemRow, ItemRow]]:
    """A campaign's attention checks with their items, in the order they were configured."""
    return entries_of(session, campaign_id, "attention")


def entry_of(session: Session, campaign_id: int, item_id: str) -> CampaignItemRow | None:
    """The place of item ``item_id`` in campaign ``campaign_id``, or ``None``."""
    return session.scalars(
        select(CampaignItemRow).where(
            CampaignItemRow.campaign_id == campaign_id, CampaignItemRow.item_id == item_id
        )
    ).first()


def next_item_position(session: Session, campaign_id: int) -> int:
    """The position after the campaign's last real item (0 for a campaign without items)."""
    last = session.scalar(
        select(func.max(CampaignItemRow.position)).where(
            CampaignItemRow.campaign_id == campaign_id, CampaignItemRow.kind == "item"
        )
    )
    return 0 if last is None else last + 1


def attention_check_ids(session: Session, campaign_id: int) -> list[str]:
    """The item ids of a campaign's attention checks, in the order they were configured."""
    return list(
        session.scalars(
            select(CampaignItemRow.item_id)
            .where(CampaignItemRow.campaign_id == campaign_id, CampaignItemRow.kind == "attention")
            .order_by(CampaignItemRow.position)
        ).all()
    )


def campaign_item_translations(session: Session, campaign_id: int, item_id: str) -> dict[str, Any]:
    """The translations of one item as placed in a campaign (``{language: {field: text}}``).

    Raises:
        sqlalchemy.exc.NoResultFound: the item is not in the campaign.
    """
    translations: dict[str, Any] = session.scalars(
        select(CampaignItemRow.translations).where(
            CampaignItemRow.campaign_id == campaign_id, CampaignItemRow.item_id == item_id
        )
    ).one()
    return translations


def expected_value_of(session: Session, campaign_id: int, item_id: str) -> int | None:
    """The scale point an attention check asks for (``None`` for a real item or no such item)."""
    return session.scalar(
        select(CampaignItemRow.expected_value).where(
            CampaignItemRow.campaign_id == campaign_id, CampaignItemRow.item_id == item_id
        )
    )


# --- enrolments -----------------------------------------------------------------------------


def enrollment_of(session: Session, participant_id: str, campaign_id: int) -> EnrollmentRow | None:
    """The participant's enrolment in the campaign, or ``None`` when they are not enrolled."""
    return session.scalars(
        select(EnrollmentRow).where(
            EnrollmentRow.campaign_id == campaign_id,
            EnrollmentRow.participant_id == participant_id,
        )
    ).first()


def existing_enrollment(session: Session, participant_id: str, campaign_id: int) -> EnrollmentRow:
    """The participant's enrolment in the campaign, which the caller knows to exist.

    Raises:
        sqlalchemy.exc.NoResultFound: the participant is not enrolled after all.
    """
    return session.scalars(
        select(EnrollmentRow).where(
            EnrollmentRow.campaign_id == campaign_id,
            EnrollmentRow.participant_id == participant_id,
        )
    ).one()


def enroll(
    session: Session,
    participant_id: str,
    campaign_id: int,
    *,
    invite_expires_at: datetime | None = None,
) -> EnrollmentRow:
    """Enrol a stored participant in a campaign, flushed.

    Args:
        invite_expires_at: when the personal invite link stops working (``None``: never).

    Raises:
        sqlalchemy.exc.IntegrityError: the participant is enrolled already (e.g. a concurrent
            join of the same person).
    """
    row = EnrollmentRow(
        campaign_id=campaign_id, participant_id=participant_id, invite_expires_at=invite_expires_at
    )
    session.add(row)
    session.flush()
    return row


def enrollment_statuses(session: Session, campaign_id: int) -> list[tuple[str, str]]:
    """``(participant id, enrolment status)`` of everyone in the campaign, in order of joining."""
    rows = session.execute(
        select(EnrollmentRow.participant_id, EnrollmentRow.status)
        .where(EnrollmentRow.campaign_id == campaign_id)
        .order_by(EnrollmentRow.id)
    )
    return [(participant_id, status) for participant_id, status in rows]


def crowd_ids_of(session: Session, campaign_id: int) -> dict[str, str]:
    """``{participant id: crowd-platform id (PROLIFIC_PID)}`` of the campaign's crowd participants.

    People who came by a personal invite link have no crowd id and are left out.
    """
    rows = session.execute(
        select(ParticipantRow.id, ParticipantRow.external_ids)
        .join(EnrollmentRow, EnrollmentRow.participant_id == ParticipantRow.id)
        .where(EnrollmentRow.campaign_id == campaign_id)
    )
    found = {pid: (ids or {}).get("PROLIFIC_PID") for pid, ids in rows}
    return {pid: crowd_id for pid, crowd_id in found.items() if isinstance(crowd_id, str)}


# --- assignments ----------------------------------------------------------------------------


def _mine(participant_id: str, campaign_id: int) -> tuple[Any, Any]:
    return (
        AssignmentRow.campaign_id == campaign_id,
        AssignmentRow.participant_id == participant_id,
    )


def assignment_by_id(
    session: Session, assignment_id: int, *, lock: bool = False
) -> AssignmentRow | None:
    """The assignment ``assignment_id``, or ``None``.

    Args:
        lock: lock the row (``SELECT … FOR UPDATE``) until the transaction ends.
    """
    query = select(AssignmentRow).where(AssignmentRow.id == assignment_id)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def count_assignments(session: Session, participant_id: str, campaign_id: int) -> int:
    """How many assignments the participant has in the campaign (attention checks included)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(AssignmentRow)
            .where(*_mine(participant_id, campaign_id))
        )
        or 0
    )


def count_open_assignments(session: Session, participant_id: str, campaign_id: int) -> int:
    """How many of the participant's assignments in the campaign are not submitted yet."""
    return (
        session.scalar(
            select(func.count())
            .select_from(AssignmentRow)
            .where(*_mine(participant_id, campaign_id), AssignmentRow.status != "submitted")
        )
        or 0
    )


def next_open_assignment(session: Session, participant_id: str, campaign_id: int) -> int | None:
    """The id of the participant's first unsubmitted assignment in the campaign, if any."""
    return session.scalars(
        select(AssignmentRow.id)
        .where(*_mine(participant_id, campaign_id), AssignmentRow.status != "submitted")
        .order_by(AssignmentRow.position)
    ).first()


def items_seen_by(session: Session, participant_id: str) -> set[str]:
    """Every item the participant was given or rated, in any campaign."""
    return set(
        session.scalars(
            union(
                select(AssignmentRow.item_id).where(AssignmentRow.participant_id == participant_id),
                select(RatingRow.item_id).where(RatingRow.participant_id == participant_id),
            )
        )
    )


def item_loads(
    session: Session, campaign_id: int, *, held_since: datetime
) -> list[tuple[str, int]]:
    """``(item id, held assignments)`` for each real item of the campaign.

    An assignment is held when it was submitted, or when its participant joined the campaign
    at or after ``held_since``.
    """
    held = or_(AssignmentRow.submitted_at.is_not(None), EnrollmentRow.created_at >= held_since)
    rows = session.execute(
        select(CampaignItemRow.item_id, func.count(case((held, AssignmentRow.id))))
        .outerjoin(
            AssignmentRow,
            and_(
                AssignmentRow.campaign_id == campaign_id,
                AssignmentRow.item_id == CampaignItemRow.item_id,
            ),
        )
        .outerjoin(
            EnrollmentRow,
            and_(
                EnrollmentRow.campaign_id == campaign_id,
                EnrollmentRow.participant_id == AssignmentRow.participant_id,
            ),
        )
        .where(CampaignItemRow.campaign_id == campaign_id, CampaignItemRow.kind == "item")
        .group_by(CampaignItemRow.item_id)
    )
    return [(item_id, count) for item_id, count in rows]


def add_assignments(
    session: Session, participant_id: str, campaign_id: int, sequence: Sequence[tuple[str, str]]
) -> None:
    """Give the participant ``sequence`` of ``(kind, item id)``, at positions 1, 2, …; flushed.

    Raises:
        sqlalchemy.exc.IntegrityError: the participant already holds an item or position.
    """
    for position, (kind, item_id) in enumerate(sequence, start=1):
        session.add(
            AssignmentRow(
                campaign_id=campaign_id,
                participant_id=participant_id,
                item_id=item_id,
                position=position,
                kind=kind,
            )
        )
    session.flush()


def mark_shown(session: Session, assignment_id: int, at: datetime) -> None:
    """Record when an assignment was first shown; a later call leaves the first time alone."""
    session.execute(
        update(AssignmentRow)
        .where(AssignmentRow.id == assignment_id, AssignmentRow.shown_at.is_(None))
        .values(shown_at=at)
    )


def record_submission(
    session: Session,
    assignment: AssignmentRow,
    answers: dict[str, Any],
    *,
    at: datetime,
    seconds_taken: float,
    display_language: str | None = None,
) -> None:
    """Mark an assignment submitted with its final answers and the language it was shown in,
    flushed (so counts see it)."""
    assignment.answers = answers
    assignment.display_language = display_language
    assignment.status, assignment.submitted_at, assignment.seconds_taken = (
        "submitted",
        at,
        seconds_taken,
    )
    session.flush()


class AssignmentSummary(NamedTuple):
    """What the dashboard needs of one assignment."""

    participant_id: str
    item_id: str
    kind: str
    status: str
    seconds_taken: float | None
    attention_passed: bool | None


def assignment_summaries(session: Session, campaign_id: int) -> list[AssignmentSummary]:
    """Every assignment of the campaign, in no set order."""
    rows = session.execute(
        select(
            AssignmentRow.participant_id,
            AssignmentRow.item_id,
            AssignmentRow.kind,
            AssignmentRow.status,
            AssignmentRow.seconds_taken,
            AssignmentRow.attention_passed,
        ).where(AssignmentRow.campaign_id == campaign_id)
    )
    return [AssignmentSummary(*row) for row in rows]


# --- quota places ---------------------------------------------------------------------------


def has_quota_place(session: Session, participant_id: str, campaign_id: int) -> bool:
    """Whether the participant was admitted to the campaign's quotas."""
    return (
        session.scalar(
            select(QuotaPlaceRow.id).where(
                QuotaPlaceRow.campaign_id == campaign_id,
                QuotaPlaceRow.participant_id == participant_id,
            )
        )
        is not None
    )


def add_quota_places(
    session: Session, participant_id: str, campaign_id: int, cells: dict[str, str]
) -> None:
    """Admit the participant: one row per ``{quota name: cell key}``, flushed.

    Raises:
        sqlalchemy.exc.IntegrityError: the participant holds a place in one of the quotas already.
    """
    session.add_all(
        QuotaPlaceRow(campaign_id=campaign_id, participant_id=participant_id, quota=q, cell=cell)
        for q, cell in cells.items()
    )
    session.flush()


def quota_cell_counts(
    session: Session, campaign_id: int, *, held_since: datetime
) -> dict[tuple[str, str], int]:
    """``{(quota, cell key): people holding a place}`` in the campaign.

    A place is held while its person's enrolment is completed, or is active and began at or
    after ``held_since`` (people who walked away stop counting, as their items do).
    """
    held = or_(
        EnrollmentRow.status == "completed",
        and_(EnrollmentRow.status == "active", EnrollmentRow.created_at >= held_since),
    )
    rows = session.execute(
        select(QuotaPlaceRow.quota, QuotaPlaceRow.cell, func.count())
        .join(
            EnrollmentRow,
            and_(
                EnrollmentRow.campaign_id == QuotaPlaceRow.campaign_id,
                EnrollmentRow.participant_id == QuotaPlaceRow.participant_id,
            ),
        )
        .where(QuotaPlaceRow.campaign_id == campaign_id, held)
        .group_by(QuotaPlaceRow.quota, QuotaPlaceRow.cell)
    )
    return {(quota, cell): count for quota, cell, count in rows}
