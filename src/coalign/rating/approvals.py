"""Settling crowd submissions: approve or reject each crowd participant of a campaign, and why.

One row per crowd participant (everyone who came with a ``PROLIFIC_PID``; people invited by a
personal link are not paid through a platform). The decision follows the dashboard's numbers:

- ``screened-out``: the person declined consent, arrived when the campaign was full, or fell
  in a full quota cell. They were shown the screen-out (or full, or quota-full) code, which
  the platform settles; neither approve nor reject them (withdrawing must cost nobody anything).
- ``reject``, with every reason that applies:

  - ``incomplete``: not every assigned item was submitted (or none was assigned yet). Someone
    still rating is incomplete too, so settle after the campaign is closed or its people done.
  - ``failed attention checks``: more failed checks than ``max_attention_failures``
    (default 0: any failed check).
  - ``too fast``: the median seconds per submitted item is below ``min_median_seconds``
    (default: the campaign's minimum seconds per item). Every submit faster than that minimum
    is refused already, so the default flags nobody; give a stricter threshold to catch people
    who rate at the bare minimum.

- ``approve`` otherwise.
- ``withdrawn``: the person withdrew and their data was deleted (only their crowd id, their
  campaigns and the time are kept, for this file). Neither approve nor reject them here: settle
  their submission as the study's consent text promises (withdrawing must cost nobody anything);
  on Prolific, someone who withdrew before finishing is usually asked to return the submission.

Each row carries its evidence: the counts, the median seconds and the thresholds used. The
rules are those of the exclusion policy that analyses and exports apply
(:func:`~coalign.rating.exclusions.rater_reasons`); only the default too-fast threshold differs.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Literal

from coalign.core.errors import InputError
from coalign.core.spreadsheet import inert_cell
from coalign.rating.dashboard import CampaignProgress, ParticipantProgress, campaign_progress
from coalign.rating.exclusions import ExclusionReason, rater_reasons
from coalign.rating.exports import MEDIA_TYPES, Export
from coalign.store import Store
from coalign.store.withdrawal import campaign_withdrawal_rows

Decision = Literal["approve", "reject", "screened-out", "withdrawn"]
INCOMPLETE = "incomplete"
FAILED_ATTENTION = "failed attention checks"
TOO_FAST = "too fast"
_REASON_TEXT: dict[ExclusionReason, str] = {
    "incomplete": INCOMPLETE,
    "failed-attention": FAILED_ATTENTION,
    "too-fast": TOO_FAST,
}
SCREENED_OUT = {
    "screened_out": "declined consent",
    "full": "study full",
    "quota_full": "quota cell full",
}
COLUMNS = (
    "crowd_id",
    "decision",
    "reasons",
    "participant",
    "status",
    "submitted",
    "assigned",
    "attention_checks",
    "attention_failed",
    "median_seconds",
    "max_attention_failures",
    "min_median_seconds",
)


@dataclass(frozen=True)
class ApprovalRules:
    """The thresholds of the decisions; each row of the approvals file records them.

    Attributes:
        max_attention_failures: failed attention checks a person may have and still be approved.
        min_median_seconds: the lowest median seconds per item that is not too fast;
            ``None`` takes the campaign's minimum seconds per item.

    Raises:
        InputError: a negative threshold.
    """

    max_attention_failures: int = 0
    min_median_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.max_attention_failures < 0:
            raise InputError("the number of attention-check failures allowed cannot be negative")
        if self.min_median_seconds is not None and self.min_median_seconds < 0:
            raise InputError("the minimum median seconds per item cannot be negative")


@dataclass(frozen=True)
class Approval:
    """The decision on one crowd participant, with its reasons and evidence.

    Attributes:
        reasons: why a person is rejected or screened out; empty when approved.
        submitted, assigned: assignments submitted and given, attention checks included.
        attention_checks, attention_failed: attention checks submitted, and failed.
        median_seconds: median seconds per submitted real item (``None``: none submitted).
        max_attention_failures, min_median_seconds: the thresholds the decision used.
    """

    crowd_id: str
    decision: Decision
    reasons: tuple[str, ...]
    participant_id: str
    status: str
    submitted: int
    assigned: int
    attention_checks: int
    attention_failed: int
    median_seconds: float | None
    max_attention_failures: int
    min_median_seconds: float


def decide(
    person: ParticipantProgress, max_attention_failures: int, min_median_seconds: float
) -> tuple[Decision, tuple[str, ...]]:
    """The decision on one participant's progress, with its reasons (see the module docstring)."""
    if person.status in SCREENED_OUT:
        return "screened-out", (SCREENED_OUT[person.status],)
    reasons = rater_reasons(
        person,
        max_attention_failures=max_attention_failures,
        min_median_seconds=min_median_seconds,
    )
    return ("reject" if reasons else "approve"), tuple(_REASON_TEXT[r] for r in reasons)


def _floor(progress: CampaignProgress, rules: ApprovalRules) -> float:
    """The lowest median seconds per item that is not too fast."""
    if rules.min_median_seconds is None:
        return progress.campaign.campaign.min_seconds_per_item
    return rules.min_median_seconds


def _settle(progress: CampaignProgress, rules: ApprovalRules) -> list[Approval]:
    floor = _floor(progress, rules)
    approvals = []
    for person in progress.participants:
        if person.crowd_id is None:
            continue
        decision, reasons = decide(person, rules.max_attention_failures, floor)
        approvals.append(
            Approval(
                crowd_id=person.crowd_id,
                decision=decision,
                reasons=reasons,
                participant_id=person.participant_id,
                status=person.status,
                submitted=person.submitted,
                assigned=person.assigned,
                attention_checks=person.attention_checked,
                attention_failed=person.attention_failed,
                median_seconds=person.median_seconds,
                max_attention_failures=rules.max_attention_failures,
                min_median_seconds=floor,
            )
        )
    return approvals


def _withdrawn(
    store: Store, campaign_id: int, rules: ApprovalRules, floor: float
) -> list[Approval]:
    """The crowd participants of the campaign who withdrew, from the withdrawal log."""
    with store.read() as session:
        rows = campaign_withdrawal_rows(session, campaign_id)
        return [
            Approval(
                crowd_id=row.crowd_id,
                decision="withdrawn",
                reasons=(f"withdrew on {row.created_at:%Y-%m-%d %H:%M}; their data was deleted",),
                participant_id=row.participant_id,
                status="withdrawn",
                submitted=0,
                assigned=0,
                attention_checks=0,
                attention_failed=0,
                median_seconds=None,
                max_attention_failures=rules.max_attention_failures,
                min_median_seconds=floor,
            )
            for row in rows
            if row.crowd_id
        ]


def _all(
    store: Store, campaign_id: int, rules: ApprovalRules
) -> tuple[CampaignProgress, list[Approval]]:
    progress = campaign_progress(store, campaign_id)
    settled = _settle(progress, rules)
    floor = _floor(progress, rules)
    return progress, settled + _withdrawn(store, campaign_id, rules, floor)


def crowd_approvals(
    store: Store, campaign_id: int, rules: ApprovalRules | None = None
) -> list[Approval]:
    """The decision on every crowd participant of the campaign, in order of joining; those who
    withdrew come last.

    Raises:
        NotFoundError: no such campaign.
    """
    return _all(store, campaign_id, rules or ApprovalRules())[1]


def approvals_file(store: Store, campaign_id: int, rules: ApprovalRules | None = None) -> Export:
    """The approvals of :func:`crowd_approvals` as a CSV file, ``reasons`` joined by ``"; "``.

    Raises:
        NotFoundError: no such campaign.
    """
    progress, approvals = _all(store, campaign_id, rules or ApprovalRules())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for a in approvals:
        row = (
            a.crowd_id,
            a.decision,
            "; ".join(a.reasons),
            a.participant_id,
            a.status,
            a.submitted,
            a.assigned,
            a.attention_checks,
            a.attention_failed,
            a.median_seconds,
            a.max_attention_failures,
            a.min_median_seconds,
        )
        writer.writerow([inert_cell(cell) for cell in row])
    campaign = progress.campaign.campaign
    name = f"{campaign.study_slug}-{campaign.slug}-approvals.csv"
    return Export(buffer.getvalue().encode("utf-8"), MEDIA_TYPES["csv"], name, len(approvals))


__all__ = [
    "COLUMNS",
    "Approval",
    "ApprovalRules",
    "Decision",
    "approvals_file",
    "crowd_approvals",
    "decide",
]
