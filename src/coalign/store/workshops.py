"""Seed workshops, read and written: the workshops, the topics and question types proposed in
them, and the model drafts participants were given with the seed examples that came from them.

Like :mod:`coalign.store.coconstruction`, every function takes the caller's
:class:`~sqlalchemy.orm.Session`; ``*_by_id`` functions return ``None`` when nothing matches,
and ``add_*`` functions flush so the new row has its id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalign.store.coconstruction_tables import (
    DesignProposalRow,
    DraftUseRow,
    WorkshopDraftRow,
    WorkshopRow,
)

# --- workshops ----------------------------------------------------------------------------------


def add_workshop(
    session: Session,
    study_id: int,
    slug: str,
    title: str,
    groups: dict[str, Any],
    *,
    session_minutes: int,
    break_every_minutes: int,
) -> WorkshopRow:
    """Insert a workshop with its breakout groups and timer settings, and flush it.

    Raises:
        sqlalchemy.exc.IntegrityError: the study has a workshop with that slug.
    """
    row = WorkshopRow(
        study_id=study_id,
        slug=slug,
        title=title,
        groups=groups,
        session_minutes=session_minutes,
        break_every_minutes=break_every_minutes,
    )
    session.add(row)
    session.flush()
    return row


def workshop_by_id(session: Session, workshop_id: int) -> WorkshopRow | None:
    """The workshop ``workshop_id``, or ``None`` if there is none."""
    return session.get(WorkshopRow, workshop_id)


def study_workshop_rows(session: Session, study_id: int) -> list[WorkshopRow]:
    """Every workshop of a study, oldest first."""
    return list(
        session.scalars(
            select(WorkshopRow).where(WorkshopRow.study_id == study_id).order_by(WorkshopRow.id)
        )
    )


# --- design proposals ---------------------------------------------------------------------------


def add_design_proposal(
    session: Session,
    study_id: int,
    workshop_id: int,
    participant_id: str,
    group: str,
    *,
    what: str,
    name: str,
    description: str,
    kind: str,
) -> DesignProposalRow:
    """Insert a ``proposed`` topic or question type (``what``) from a workshop and flush it."""
    row = DesignProposalRow(
        study_id=study_id,
        workshop_id=workshop_id,
        participant_id=participant_id,
        group=group,
        what=what,
        name=name,
        description=description,
        kind=kind,
        status="proposed",
    )
    session.add(row)
    session.flush()
    return row


def design_proposal_by_id(session: Session, proposal_id: int) -> DesignProposalRow | None:
    """The design proposal ``proposal_id``, or ``None`` if there is none."""
    return session.get(DesignProposalRow, proposal_id)


def open_design_proposal(
    session: Session, study_id: int, what: str, name: str
) -> DesignProposalRow | None:
    """A study's undecided proposal of a ``what`` called ``name``, or ``None``."""
    return session.scalars(
        select(DesignProposalRow).where(
            DesignProposalRow.study_id == study_id,
            DesignProposalRow.what == what,
            DesignProposalRow.name == name,
            DesignProposalRow.status == "proposed",
        )
    ).first()


def workshop_design_proposals(session: Session, workshop_id: int) -> list[DesignProposalRow]:
    """Every design proposal made in a workshop, oldest first."""
    return list(
        session.scalars(
            select(DesignProposalRow)
            .where(DesignProposalRow.workshop_id == workshop_id)
            .order_by(DesignProposalRow.id)
        )
    )


# --- model drafts -------------------------------------------------------------------------------


def add_workshop_draft(
    session: Session,
    workshop_id: int,
    participant_id: str,
    *,
    question: str,
    dimension: str,
    parts: dict[str, str],
    model_id: str,
) -> WorkshopDraftRow:
    """Insert a model draft given to a participant and flush it.

    Args:
        parts: the model's ``misaligned_response``, ``critique`` and ``aligned_response``.
    """
    row = WorkshopDraftRow(
        workshop_id=workshop_id,
        participant_id=participant_id,
        question=question,
        dimension=dimension,
        misaligned_response=parts["misaligned_response"],
        critique=parts["critique"],
        aligned_response=parts["aligned_response"],
        model_id=model_id,
    )
    session.add(row)
    session.flush()
    return row


def workshop_draft_rows(session: Session, workshop_id: int) -> list[WorkshopDraftRow]:
    """Every model draft given in a workshop, newest first."""
    return list(
        session.scalars(
            select(WorkshopDraftRow)
            .where(WorkshopDraftRow.workshop_id == workshop_id)
            .order_by(WorkshopDraftRow.id.desc())
        )
    )


def add_draft_use(session: Session, draft_id: int, seed_example_id: str, used: str) -> None:
    """Record that seed example ``seed_example_id`` came from a draft (``kept`` or ``edited``)."""
    session.add(DraftUseRow(draft_id=draft_id, seed_example_id=seed_example_id, used=used))


def workshop_draft_uses(session: Session, workshop_id: int) -> dict[str, str]:
    """How each seed example that came from a draft of this workshop used it, by example id
    (the latest finding per example)."""
    rows = session.execute(
        select(DraftUseRow.seed_example_id, DraftUseRow.used)
        .join(WorkshopDraftRow, WorkshopDraftRow.id == DraftUseRow.draft_id)
        .where(WorkshopDraftRow.workshop_id == workshop_id)
        .order_by(DraftUseRow.id)
    ).all()
    return {seed_id: used for seed_id, used in rows}
