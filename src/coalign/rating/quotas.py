"""Quotas per demographic cell: how many people with given answers a campaign takes.

A campaign may set target counts per cell of one or more demographic questions (e.g. country ×
gender). After the demographics survey and before any item is assigned, :func:`admit` places
the person in the cell of each quota that their answers fall in (a skipped question counts as
"prefer not to say"); when one of those cells already holds its target, the person is screened
out with the campaign's quota-full code and never rates. Cells a quota does not list take
anyone.

A place is held while its person's enrolment is completed, or active and younger than
:data:`~coalign.rating.assignment.HOLD` (people who walk away free their place, as they free
their items). Admission locks the campaign row, as assignment does, so people arriving at the
same moment cannot over-fill a cell; each person is admitted once (a unique constraint on
campaign, person and quota).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from coalign.core.campaigns import Quota
from coalign.participation.access import Seat
from coalign.participation.demographics import MIN_CELL
from coalign.rating.assignment import HOLD
from coalign.rating.campaigns import campaign_row
from coalign.store import Store
from coalign.store.campaigns import (
    add_quota_places,
    has_quota_place,
    lock_campaign,
    quota_cell_counts,
)
from coalign.store.participation import demographic_answers_of
from coalign.store.rating_tables import CampaignRow
from coalign.store.tables import utcnow


def quotas_of(campaign: CampaignRow) -> list[Quota]:
    """A stored campaign's quotas as typed objects."""
    return [Quota.model_validate(q) for q in campaign.quotas]


def is_admitted(session: Session, seat: Seat) -> bool:
    """Whether the person holds places in the campaign's quotas (always true without quotas)."""
    campaign = campaign_row(session, seat.campaign_id)
    return not campaign.quotas or has_quota_place(session, seat.participant_id, campaign.id)


def admit(session: Session, seat: Seat, now: datetime | None = None) -> bool:
    """Place the person in their quota cells, or say that one of those cells is full.

    Runs inside the caller's transaction and locks the campaign row until it ends, so the
    counts it reads stay true until its places are written. A person admitted before stays
    admitted. ``now`` (default: the clock) decides which places are still held.

    Returns:
        ``True`` when admitted (now or before), ``False`` when a cell is full (nothing written).
    """
    campaign = lock_campaign(session, seat.campaign_id)
    if is_admitted(session, seat):
        return True
    answers = demographic_answers_of(session, [seat.participant_id]).get(seat.participant_id, {})
    counts = quota_cell_counts(session, campaign.id, held_since=(now or utcnow()) - HOLD)
    cells: dict[str, str] = {}
    for quota in quotas_of(campaign):
        cell = quota.cell_of(answers)
        target = quota.targets().get(cell)
        if target is not None and counts.get((quota.name, cell), 0) >= target:
            return False
        cells[quota.name] = cell
    add_quota_places(session, seat.participant_id, campaign.id, cells)
    return True


@dataclass(frozen=True)
class CellFill:
    """How full one listed cell is.

    Attributes:
        answers: the cell's answer to each of the quota's questions, in the quota's order.
        held: people holding a place; ``None`` when 0 < held < MIN_CELL (too few to show).
        full: whether the cell takes nobody more.
    """

    answers: list[str]
    target: int
    held: int | None
    full: bool


@dataclass(frozen=True)
class QuotaFill:
    """One quota's listed cells with their fill, for the facilitator's campaign page."""

    name: str
    questions: list[str]
    cells: list[CellFill]


def quota_fills(store: Store, campaign_id: int, now: datetime | None = None) -> list[QuotaFill]:
    """The fill of every listed cell of the campaign's quotas (empty without quotas).

    Raises:
        NotFoundError: no such campaign.
    """
    with store.read() as session:
        campaign = campaign_row(session, campaign_id)
        quotas = quotas_of(campaign)
        counts = quota_cell_counts(session, campaign.id, held_since=(now or utcnow()) - HOLD)
    fills = []
    for quota in quotas:
        cells = []
        for cell in quota.cells:
            held = counts.get((quota.name, quota.cell_of(cell.answers)), 0)
            cells.append(
                CellFill(
                    answers=[cell.answers[q] for q in quota.questions],
                    target=cell.target,
                    held=held if held == 0 or held >= MIN_CELL else None,
                    full=held >= cell.target,
                )
            )
        fills.append(QuotaFill(quota.name, list(quota.questions), cells))
    return fills


__all__ = ["CellFill", "QuotaFill", "admit", "is_admitted", "quota_fills"]
