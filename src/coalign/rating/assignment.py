"""Which items each participant rates, and what the rating page of one assignment shows.

Assignment balances ratings per item and never goes beyond the campaign's target (r,
``target_ratings``): every participant gets the items with the fewest held assignments so far
(ties broken at random), never an item they have seen before in any campaign, and only items
still below r. When few such items are left a person gets fewer than ``items_per_participant``;
when none are left they get none, and :func:`has_room` says so before they consent, so the
campaign can tell them it is full. An assignment is held while it is submitted or its
participant joined less than :data:`HOLD` ago; the unsubmitted items of people who walked away
stop counting after that and go to the next people who join (if the first person comes back,
their answers are still taken, so an item may then end with more than r ratings). Attention
checks are placed at the configured positions. Assigning locks the campaign row
(``SELECT … FOR NO KEY UPDATE`` on PostgreSQL; SQLite writes are serialised anyway), so
concurrent joins cannot over-fill an item or give one person two sets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from coalign.core.errors import NotFoundError
from coalign.participation.access import Seat, require_open
from coalign.rating.campaigns import campaign_row
from coalign.store import Store
from coalign.store.campaigns import (
    add_assignments,
    assignment_by_id,
    attention_check_ids,
    campaign_item_translations,
    count_assignments,
    item_loads,
    items_seen_by,
    lock_campaign,
    mark_shown,
    study_dimensions,
)
from coalign.store.rating_tables import AssignmentRow, CampaignRow
from coalign.store.ratings import item_by_id
from coalign.store.tables import utcnow

_random = random.SystemRandom()

#: How long the unsubmitted items of a participant count towards their items' targets.
HOLD = timedelta(hours=3)


def _open_items(
    session: Session, campaign: CampaignRow, participant_id: str, now: datetime | None
) -> list[str]:
    """The items this participant may still be given: below the target and never seen by them,
    least-assigned first (ties at random)."""
    seen = items_seen_by(session, participant_id)
    load = item_loads(session, campaign.id, held_since=(now or utcnow()) - HOLD)
    ranked = sorted(
        (count, _random.random(), item_id)
        for item_id, count in load
        if count < campaign.target_ratings and item_id not in seen
    )
    return [item_id for _, _, item_id in ranked]


def has_room(session: Session, seat: Seat, now: datetime | None = None) -> bool:
    """Whether the campaign still has an item this participant could be given.

    Only a forecast for someone without assignments yet: others may take the last items
    before this person reaches them, and :func:`assign` decides under the campaign's lock.

    Raises:
        NotFoundError: no such campaign.
    """
    campaign = campaign_row(session, seat.campaign_id)
    return bool(_open_items(session, campaign, seat.participant_id, now))


def assign(session: Session, seat: Seat, now: datetime | None = None) -> int:
    """Give the participant their sequence of items, once; returns how many assignments they have.

    Runs inside the caller's transaction. Calling it again returns the existing count; ``0``
    means every item the person has not seen has reached the campaign's target (nothing is
    written then). ``now`` (default: the clock) decides which unsubmitted assignments are held.

    Raises:
        ConflictError: the campaign is closed and the person has no assignments yet.
    """
    # The campaign row stays locked until the transaction ends: assigners take turns, and each
    # counts the loads only after the one before it has committed its assignments.
    campaign = lock_campaign(session, seat.campaign_id)
    existing = count_assignments(session, seat.participant_id, campaign.id)
    if existing:
        return existing
    require_open(campaign)
    chosen = _open_items(session, campaign, seat.participant_id, now)
    sequence = [("item", item_id) for item_id in chosen[: campaign.items_per_participant]]
    if not sequence:
        return 0
    checks = attention_check_ids(session, campaign.id)
    for check, position in zip(checks, sorted(campaign.attention_positions)):
        sequence.insert(min(position - 1, len(sequence)), ("attention", check))
    add_assignments(session, seat.participant_id, campaign.id, sequence)
    return len(sequence)


@dataclass(frozen=True)
class DimensionView:
    """A value dimension as shown next to its scale (in the page's language where translated).

    Attributes:
        name: the dimension's name in the study, which the rating form posts.
        shown_name: the name the page shows (the campaign's translation, else ``name``).
    """

    name: str
    definition: str
    labels: list[str]
    shown_name: str


@dataclass(frozen=True)
class QuestionView:
    """A per-item question with its options as ``(value, label)`` pairs."""

    name: str
    text: str
    options: list[tuple[str, str]]


@dataclass
class RatingPage:
    """Everything the page for one assignment shows; attention checks look like any other item.

    An item's ``context`` (e.g. the system prompt it was generated under) is never shown: it
    would tell raters what to look for.
    """

    assignment_id: int
    item_id: str
    position: int
    total: int
    prompt: str
    response: str
    dimensions: list[DimensionView]
    questions: list[QuestionView]
    min_seconds: float
    submitted: bool
    draft: dict[str, Any] = field(default_factory=dict)


def owned_assignment(
    session: Session, seat: Seat, assignment_id: int, *, lock: bool = False
) -> AssignmentRow:
    """The assignment, if it belongs to this seat.

    Raises:
        NotFoundError: no such assignment for this participant (another person's looks the same).
    """
    row = assignment_by_id(session, assignment_id, lock=lock)
    if (
        row is None
        or row.participant_id != seat.participant_id
        or row.campaign_id != seat.campaign_id
    ):
        raise NotFoundError("this item is not one of yours")
    return row


def campaign_dimensions(
    session: Session, campaign: CampaignRow, language: str
) -> list[DimensionView]:
    """The campaign's dimensions with names, definitions and scale labels, translated where the
    campaign says."""
    rows = {d.name: d for d in study_dimensions(session, campaign.study_id)}
    texts = campaign.translations.get(language, {})
    views = []
    for name in campaign.dimensions:
        row, text = rows[name], texts.get(name, {})
        labels = text.get("scale_labels") or row.scale_labels
        definition = text.get("definition") or row.definition
        views.append(DimensionView(name, definition, list(labels), text.get("name") or name))
    return views


def campaign_questions(campaign: CampaignRow, language: str) -> list[QuestionView]:
    """The campaign's per-item questions, translated where they carry a translation."""
    views = []
    for q in campaign.questions:
        text = q.get("translations", {}).get(language, {})
        labels = text.get("options") or q["options"]
        views.append(
            QuestionView(q["name"], text.get("text") or q["text"], list(zip(q["options"], labels)))
        )
    return views


def rating_page(store: Store, seat: Seat, assignment_id: int, language: str = "en") -> RatingPage:
    """The page of one assignment; the first view starts its clock (for time per item).

    Raises:
        NotFoundError: the assignment is not this participant's (or its campaign or item is gone).
    """
    with store.read() as session:
        row = owned_assignment(session, seat, assignment_id)
        start_clock = row.shown_at is None
        campaign = campaign_row(session, row.campaign_id)
        item = item_by_id(session, row.item_id)
        if item is None:
            raise NotFoundError(f"no item {row.item_id!r}")
        extra = campaign_item_translations(session, row.campaign_id, row.item_id)
        total = count_assignments(session, seat.participant_id, row.campaign_id)
        text = extra.get(language, {})
        page = RatingPage(
            assignment_id=row.id,
            item_id=row.item_id,
            position=row.position,
            total=total,
            prompt=text.get("prompt") or item.prompt,
            response=text.get("response") or item.response,
            dimensions=campaign_dimensions(session, campaign, language),
            questions=campaign_questions(campaign, language),
            min_seconds=campaign.min_seconds_per_item,
            submitted=row.status == "submitted",
            draft=dict(row.draft or {}),
        )
    # A short write of its own, after the read session is closed: holding a pooled connection
    # while waiting for the writer could starve the writer of connections. Reloads only read.
    if start_clock:
        with store.session() as session:
            mark_shown(session, assignment_id, utcnow())
    return page


__all__ = [
    "DimensionView",
    "QuestionView",
    "RatingPage",
    "assign",
    "campaign_dimensions",
    "campaign_questions",
    "has_room",
    "owned_assignment",
    "rating_page",
]
