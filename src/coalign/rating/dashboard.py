"""What facilitators see of a campaign: progress per item and per participant (with their crowd
id, to settle submissions on the platform), attention-check failures and time per item. Nothing
here reads demographics."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from coalign.rating.campaigns import StoredCampaign, campaign_row, get_campaign
from coalign.store import Store
from coalign.store.campaigns import (
    AssignmentSummary,
    assignment_summaries,
    crowd_ids_of,
    enrollment_statuses,
    rateable_item_prompts,
)


@dataclass(frozen=True)
class ItemProgress:
    """One item: how many people were given it, how many submitted, against the target."""

    item_id: str
    prompt: str
    assigned: int
    rated: int
    target: int
    median_seconds: float | None


@dataclass(frozen=True)
class ParticipantProgress:
    """One participant's progress.

    Attributes:
        crowd_id: the crowd platform's id (``PROLIFIC_PID``); ``None`` for invited people.
        status: the enrolment's: ``active``, ``completed``, ``screened_out``, ``full`` or
            ``quota_full``.
        assigned, submitted: assignments given and submitted, attention checks included.
        attention_checked, attention_failed: attention checks submitted, and failed of those.
        median_seconds: median time per submitted real item.
    """

    participant_id: str
    crowd_id: str | None
    status: str
    assigned: int
    submitted: int
    attention_checked: int
    attention_failed: int
    median_seconds: float | None


@dataclass
class CampaignProgress:
    """The dashboard of one campaign."""

    campaign: StoredCampaign
    items: list[ItemProgress] = field(default_factory=list)
    participants: list[ParticipantProgress] = field(default_factory=list)

    @property
    def items_at_target(self) -> int:
        return sum(i.rated >= i.target for i in self.items)

    @property
    def attention_failures(self) -> int:
        return sum(p.attention_failed for p in self.participants)

    @property
    def completed(self) -> int:
        return sum(p.status == "completed" for p in self.participants)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def campaign_progress(store: Store, campaign_id: int) -> CampaignProgress:
    """Progress per item and per participant.

    Raises:
        NotFoundError: no such campaign.
    """
    stored = get_campaign(store, campaign_id)
    progress = CampaignProgress(stored)
    with store.read() as session:
        campaign_row(session, campaign_id)
        assignments = assignment_summaries(session, campaign_id)
        items = rateable_item_prompts(session, campaign_id)
        enrollments = enrollment_statuses(session, campaign_id)
        crowd_ids = crowd_ids_of(session, campaign_id)
    by_item: dict[str, list[AssignmentSummary]] = {}
    by_person: dict[str, list[AssignmentSummary]] = {}
    for row in assignments:
        by_person.setdefault(row.participant_id, []).append(row)
        if row.kind == "item":
            by_item.setdefault(row.item_id, []).append(row)
    for item_id, prompt in items:
        rows = by_item.get(item_id, [])
        done = [r for r in rows if r.status == "submitted"]
        progress.items.append(
            ItemProgress(
                item_id,
                prompt[:120],
                len(rows),
                len(done),
                stored.campaign.target_ratings,
                _median([r.seconds_taken for r in done if r.seconds_taken is not None]),
            )
        )
    for participant_id, status in enrollments:
        rows = by_person.get(participant_id, [])
        done = [r for r in rows if r.status == "submitted"]
        progress.participants.append(
            ParticipantProgress(
                participant_id,
                crowd_ids.get(participant_id),
                status,
                len(rows),
                len(done),
                sum(r.kind == "attention" for r in done),
                sum(r.attention_passed is False for r in rows),
                _median(
                    [
                        r.seconds_taken
                        for r in done
                        if r.kind == "item" and r.seconds_taken is not None
                    ]
                ),
            )
        )
    return progress
