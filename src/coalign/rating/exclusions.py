"""Whose ratings analysis and exports leave out, and why: the exclusion policy, a recorded choice.

The store keeps every rating (DESIGN principle 2); what is *used* is a named choice, written into
the analysis report and the dataset card with its counts (principle 8: nobody excluded silently).
By default the ratings of a rater are left out when, in a rating campaign, they

- ``failed-attention``: failed any attention check;
- ``too-fast``: took a median of fewer than ``min_median_seconds`` seconds per rated item
  (default :data:`DEFAULT_MIN_MEDIAN_SECONDS`: nobody reads a prompt and a response and places
  it on several scales in under five seconds; raise it for long responses). A campaign's own
  minimum per item refuses single fast submits already; this catches people who click through;
- ``incomplete``: did not submit every item assigned to them (stopped half-way, or are still
  rating: settle analyses after the campaign is closed).

``include`` keeps raters flagged for the reasons it names (``coalign analyze/export --include
too-fast``). A rater may have several reasons; each is counted once per reason and once in total.
The rules are those the crowd approvals use (:mod:`coalign.rating.approvals`), read from the
same dashboard numbers (:func:`~coalign.rating.dashboard.campaign_progress`). Ratings stored
without a campaign (imported) carry no checks, so no rule applies to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from coalign.core.errors import InputError
from coalign.rating.campaigns import list_campaigns
from coalign.rating.dashboard import ParticipantProgress, campaign_progress
from coalign.store import Store

if TYPE_CHECKING:
    import pandas as pd

ExclusionReason = Literal["failed-attention", "too-fast", "incomplete"]
#: Every reason, in the order reports list them.
EXCLUSION_REASONS: tuple[ExclusionReason, ...] = ("failed-attention", "too-fast", "incomplete")
#: The default floor of a rater's median seconds per item below which they rated too fast.
DEFAULT_MIN_MEDIAN_SECONDS = 5.0
#: Where the analysis loaders put the :class:`Exclusions` of the ratings they return.
EXCLUSIONS_ATTR = "exclusions"


class ExclusionPolicy(BaseModel):
    """The recorded choice of whose ratings are left out.

    Attributes:
        include: reasons whose raters are kept all the same (none by default).
        min_median_seconds: the lowest median seconds per item that is not too fast.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    include: frozenset[ExclusionReason] = frozenset()
    min_median_seconds: float = Field(default=DEFAULT_MIN_MEDIAN_SECONDS, ge=0)

    @classmethod
    def including(
        cls, names: Iterable[str], min_median_seconds: float = DEFAULT_MIN_MEDIAN_SECONDS
    ) -> ExclusionPolicy:
        """The policy that keeps raters flagged for ``names`` (as typed after ``--include``).

        Raises:
            InputError: an unknown reason, or a negative number of seconds.
        """
        names = [name.strip() for name in names]
        unknown = sorted(set(names) - set(EXCLUSION_REASONS))
        if unknown:
            raise InputError(
                f"--include: unknown reason(s) {unknown}; choose from {', '.join(EXCLUSION_REASONS)}"
            )
        if min_median_seconds < 0:
            raise InputError("the minimum median seconds per item cannot be negative")
        return cls.model_validate(
            {"include": frozenset(names), "min_median_seconds": min_median_seconds}
        )

    @property
    def leaves_out(self) -> list[ExclusionReason]:
        """The reasons whose raters this policy leaves out, in report order."""
        return [r for r in EXCLUSION_REASONS if r not in self.include]

    def describe(self) -> str:
        """One line for reports and cards, e.g. ``leaves out raters who failed-attention, …``."""
        leaving = ", ".join(self.leaves_out) or "nobody"
        kept = f"; kept on request: {', '.join(r for r in EXCLUSION_REASONS if r in self.include)}"
        return (
            f"leaves out: {leaving} (too fast: median below {self.min_median_seconds:g} s per item)"
            + (kept if self.include else "")
        )


class ExcludedRater(BaseModel):
    """A rater whose ratings were left out, with the reasons that left them out."""

    rater: str
    reasons: list[ExclusionReason]


class Exclusions(BaseModel):
    """Who a policy left out of a set of ratings, and why.

    Attributes:
        policy: the policy applied.
        raters: raters in the ratings before anyone was left out.
        left_out: the raters left out, each with the policy's reasons that apply to them.
        kept_flagged: per reason the policy includes, how many raters it flags who were kept.
        kept_flagged_raters: raters flagged for any included reason who were kept (each once).
    """

    policy: ExclusionPolicy
    raters: int
    left_out: list[ExcludedRater] = Field(default_factory=list)
    kept_flagged: dict[str, int] = Field(default_factory=dict)
    kept_flagged_raters: int = 0

    @property
    def by_reason(self) -> dict[str, int]:
        """Raters left out per reason (a rater with two reasons counts once under each)."""
        return {
            reason: sum(reason in r.reasons for r in self.left_out)
            for reason in self.policy.leaves_out
        }

    def facts(self) -> dict[str, object]:
        """JSON-ready: the policy, the counts, and who was left out (for the analysis summary)."""
        return {
            "policy": self.policy.describe(),
            "include": sorted(self.policy.include),
            "min_median_seconds": self.policy.min_median_seconds,
            "raters": self.raters,
            "left_out": len(self.left_out),
            "by_reason": self.by_reason,
            "kept_flagged": self.kept_flagged,
            "kept_flagged_raters": self.kept_flagged_raters,
            "raters_left_out": {r.rater: r.reasons for r in self.left_out},
        }


def rater_reasons(
    person: ParticipantProgress, *, max_attention_failures: int = 0, min_median_seconds: float
) -> list[ExclusionReason]:
    """Every reason that applies to one participant's progress in a campaign.

    Args:
        max_attention_failures: failed attention checks allowed before ``failed-attention``.
        min_median_seconds: the median seconds per item below which they rated ``too-fast``.
    """
    reasons: list[ExclusionReason] = []
    if person.status != "completed":  # completed: every assignment submitted
        reasons.append("incomplete")
    if person.attention_failed > max_attention_failures:
        reasons.append("failed-attention")
    if person.median_seconds is not None and person.median_seconds < min_median_seconds:
        reasons.append("too-fast")
    return reasons


def flag_raters(
    store: Store, campaign_ids: Iterable[int], policy: ExclusionPolicy
) -> dict[str, set[ExclusionReason]]:
    """Every reason that applies to each participant of the campaigns (flagged in any of them).

    Raises:
        NotFoundError: no such campaign.
    """
    flags: dict[str, set[ExclusionReason]] = {}
    for campaign_id in campaign_ids:
        for person in campaign_progress(store, campaign_id).participants:
            reasons = rater_reasons(person, min_median_seconds=policy.min_median_seconds)
            if reasons:
                flags.setdefault(person.participant_id, set()).update(reasons)
    return flags


def study_campaign_ids(store: Store, study_slug: str) -> list[int]:
    """The ids of every rating campaign of the study."""
    return [c.id for c in list_campaigns(store) if c.campaign.study_slug == study_slug]


def leave_out(
    store: Store,
    frame: pd.DataFrame,
    policy: ExclusionPolicy | None = None,
    *,
    study_slug: str,
    campaign_id: int | None = None,
) -> tuple[pd.DataFrame, Exclusions]:
    """Long-format ``frame`` without the ratings of raters the policy leaves out, and who and why.

    Args:
        frame: long-format ratings with a ``rater`` column.
        policy: the exclusion policy (default :class:`ExclusionPolicy`).
        study_slug: the study the ratings come from.
        campaign_id: judge raters by this campaign only; by every campaign of the study when
            ``None`` (a rater flagged in any of them is left out).

    Raises:
        NotFoundError: no such campaign.
    """
    policy = policy or ExclusionPolicy()
    campaign_ids = (
        [campaign_id] if campaign_id is not None else study_campaign_ids(store, study_slug)
    )
    flags = flag_raters(store, campaign_ids, policy)
    raters = list(dict.fromkeys(frame["rater"]))
    left_out: list[ExcludedRater] = []
    kept: dict[str, int] = {}
    kept_raters = 0
    for rater in raters:
        reasons = flags.get(rater, set())
        leaving = [r for r in policy.leaves_out if r in reasons]
        if leaving:
            left_out.append(ExcludedRater(rater=rater, reasons=leaving))
            continue
        kept_raters += bool(reasons)
        for reason in reasons:
            kept[reason] = kept.get(reason, 0) + 1
    exclusions = Exclusions(
        policy=policy,
        raters=len(raters),
        left_out=left_out,
        kept_flagged={r: kept[r] for r in EXCLUSION_REASONS if r in kept},
        kept_flagged_raters=kept_raters,
    )
    gone = {r.rater for r in left_out}
    kept_rows = frame[~frame["rater"].isin(gone)].reset_index(drop=True)
    return kept_rows, exclusions


def everyone_left_out(exclusions: Exclusions, what: str) -> InputError:
    """The error for ratings of which the policy left nothing: who was left out and how to keep them."""
    counts = ", ".join(f"{reason} {n}" for reason, n in exclusions.by_reason.items() if n)
    options = " ".join(f"--include {reason}" for reason, n in exclusions.by_reason.items() if n)
    return InputError(
        f"{what}: all {exclusions.raters} raters were left out by the exclusion policy ({counts}); "
        f"pass {options} to keep them"
    )


__all__ = [
    "DEFAULT_MIN_MEDIAN_SECONDS",
    "EXCLUSIONS_ATTR",
    "EXCLUSION_REASONS",
    "ExcludedRater",
    "ExclusionPolicy",
    "ExclusionReason",
    "Exclusions",
    "everyone_left_out",
    "flag_raters",
    "leave_out",
    "rater_reasons",
    "study_campaign_ids",
]
