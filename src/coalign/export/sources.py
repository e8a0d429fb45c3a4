"""What an export reads: a generation run, a rating campaign, or every rating of a study.

``coalign export RUN`` takes a run id (a unique prefix is enough); ``study:SLUG`` takes every
rated item of a study; ``campaign:SLUG`` (or ``campaign:STUDY/SLUG``) the items of one rating
campaign, attention checks left out. Ratings of a run are
those of items whose ``source`` names one of its records (``run:RUN/record:REC``). Ratings of
raters the exclusion policy leaves out are not read (:mod:`coalign.rating.exclusions`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from coalign.core.errors import InputError
from coalign.core.items import Item
from coalign.core.records import GenerationRun
from coalign.core.study import Study
from coalign.export.aggregate import RatingSet
from coalign.rating.campaigns import resolve_campaign
from coalign.rating.exclusions import ExclusionPolicy, everyone_left_out, leave_out
from coalign.store import Store
from coalign.store.rating_tables import CampaignItemRow, CampaignRow, ItemRow
from coalign.store.ratings import ratings_long_format
from coalign.store.runs import get_run
from coalign.store.studies import get_study, study_row

SourceKind = Literal["run", "study", "campaign"]
_IDS_PER_QUERY = 5000
_RECORD_IN_SOURCE = re.compile(r"(?:^|/)record:([^/\s]+)")


@dataclass
class Source:
    """A resolved export source.

    Attributes:
        name: how the user named it, normalised (``run:…``, ``study:…``, ``campaign:…``).
        item_ids: the items whose ratings belong to it; ``None`` for a run until looked up.
    """

    kind: SourceKind
    name: str
    study: Study
    run: GenerationRun | None = None
    campaign: str | None = None


def resolve_source(store: Store, name: str) -> Source:
    """Turn ``RUN``, ``study:SLUG`` or ``campaign:SLUG`` into a :class:`Source`.

    Raises:
        InputError: an empty name or unknown prefix.
        NotFoundError: no such run, study or campaign.
    """
    name = name.strip()
    prefix, sep, rest = name.partition(":")
    if not name or (sep and not rest):
        raise InputError("name what to export: a run id, study:SLUG or campaign:SLUG")
    if sep and prefix == "study":
        return Source("study", f"study:{rest}", get_study(store, rest))
    if sep and prefix == "campaign":
        stored = resolve_campaign(store, rest)
        return Source(
            "campaign",
            f"campaign:{rest}",
            get_study(store, stored.campaign.study_slug),
            campaign=stored.campaign.slug,
        )
    if sep and prefix not in ("run",):
        raise InputError(
            f"unknown source prefix {prefix!r}: use a run id, study:SLUG or campaign:SLUG"
        )
    run = get_run(store, rest if sep else name)
    return Source("run", f"run:{run.id}", get_study(store, run.study_slug), run=run)


def source_items(store: Store, source: Source) -> dict[str, Item]:
    """The rateable items of the source (attention checks left out), by id."""
    with store.read() as session:
        study_id = study_row(session, source.study.slug).id
        query = select(ItemRow).where(ItemRow.study_id == study_id)
        checks = select(CampaignItemRow.item_id).where(CampaignItemRow.kind != "item")
        if source.kind == "run" and source.run is not None:
            query = query.where(ItemRow.source.startswith(f"run:{source.run.id}/"))
        elif source.kind == "campaign":
            campaign = select(CampaignRow.id).where(
                CampaignRow.slug == source.campaign, CampaignRow.study_id == study_id
            )
            query = query.where(
                ItemRow.id.in_(
                    select(CampaignItemRow.item_id).where(
                        CampaignItemRow.campaign_id.in_(campaign), CampaignItemRow.kind == "item"
                    )
                )
            )
        rows = session.scalars(query.where(ItemRow.id.not_in(checks)).order_by(ItemRow.id)).all()
        return {
            row.id: Item(
                id=row.id,
                study_slug=source.study.slug,
                prompt=row.prompt,
                response=row.response,
                context=row.context,
                source=row.source,
                language=row.language,
            )
            for row in rows
        }


def load_ratings(
    store: Store,
    source: Source,
    items: dict[str, Item],
    *,
    needed_for: str,
    policy: ExclusionPolicy | None = None,
) -> RatingSet:
    """The source's ratings with the item's context, the display language, the per-item answers
    and every demographic answer, ready for aggregation.

    Raters that ``policy`` leaves out (by default: failed an attention check, rated too fast, did
    not finish) are dropped; the set's ``exclusions`` says who and why, for the card. A campaign's
    raters are judged by that campaign, a study's or run's by every campaign of the study.

    Args:
        needed_for: what asks for them, named in the error when there are none.
        policy: whose ratings to leave out (default :class:`ExclusionPolicy`).

    Raises:
        InputError: the source has no rated items, or the policy left out every rater.
    """
    frame = None
    if items:
        import pandas as pd

        ids = list(
            items
        )  # in chunks: one IN (…) list must stay under the databases' parameter limits
        frame = pd.concat(
            [
                ratings_long_format(
                    store,
                    source.study.slug,
                    item_ids=ids[i : i + _IDS_PER_QUERY],
                    with_demographics=True,
                    with_context=True,
                    with_display_language=True,
                    with_answers=True,
                )
                for i in range(0, len(ids), _IDS_PER_QUERY)
            ],
            ignore_index=True,
        )
    what = {
        "run": f"run {source.run.id if source.run else ''}",
        "study": f"study {source.study.slug!r}",
        "campaign": f"campaign {source.campaign!r}",
    }[source.kind]
    exclusions = None
    if frame is not None and not frame.empty:
        campaign_id = (
            resolve_campaign(store, f"{source.study.slug}/{source.campaign}").id
            if source.kind == "campaign"
            else None
        )
        kept, exclusions = leave_out(
            store, frame, policy, study_slug=source.study.slug, campaign_id=campaign_id
        )
        if kept.empty:
            raise everyone_left_out(exclusions, f"{needed_for}: {what}")
        frame = kept
    if frame is None or frame.empty:
        raise InputError(
            f"{needed_for} needs ratings, but {what} has none"
            + (" (no rated items name its records as their source)" if source.kind == "run" else "")
            + ": run a rating campaign on its items first, or export without ratings (--aggregate none "
            "with --format mitigator, sft, dpo or kto)"
        )
    scales = {dim.name: len(dim.scale_labels) for dim in source.study.dimensions}
    return RatingSet(frame=frame, scale_points=scales, exclusions=exclusions)


def item_record_ids(items: dict[str, Item], ratings: RatingSet) -> list[str]:
    """Ids of the generated records that the rated items came from (``…/record:ID`` in their source)."""
    rated = set(ratings.frame["item"])
    found = {
        m.group(1)
        for i, item in items.items()
        if i in rated and item.source and (m := _RECORD_IN_SOURCE.search(item.source))
    }
    return sorted(found)
