"""What an export reads: a generation run, a rating campaign, or every rating of a study.

``coalign export RUN`` takes a run id (a unique prefix is enough); ``study:SLUG`` takes every
rated item of a study; ``campaign:SLUG`` (or ``campaign:STUDY/SLUG``) the items of one rating
campaign, attention checks left out. Ratings of a run are
those of items whose ``source`` names one of its records (``run:RUN/record:REC``).
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
    store: Store, source: Source, items: dict[str, Item], *, needed_for: str
) -> RatingSet:
    """The source's ratings with every demographic answer, ready for aggregation.

    Args:
        needed_for: what asks for them, named in the error when there are none.

    Raises:
        InputError: the source has no rated items.
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
                )
                for i in range(0, len(ids), _IDS_PER_QUERY)
            ],
            ignore_index=True,
        )
    if frame is None or frame.empty:
        what = {
            "run": f"run {source.run.id if source.run else ''}",
            "study": f"study {source.study.slug!r}",
            "campaign": f"campaign {source.campaign!r}",
        }[source.kind]
        raise InputError(
            f"{needed_for} needs ratings, but {what} has none"
            + (" (no rated items name its records as their source)" if source.kind == "run" else "")
            + ": run a rating campaign on its items first, or export without ratings (--aggregate none "
            "with --format mitigator, sft, dpo or kto)"
        )
    scales = {dim.name: len(dim.scale_labels) for dim in source.study.dimensions}
    return RatingSet(frame=frame, scale_points=scales)


def item_record_ids(items: dict[str, Item], ratings: RatingSet) -> list[str]:
    """Ids of the generated records that the rated items came from (``…/record:ID`` in their source)."""
    rated = set(ratings.frame["item"])
    found = {
        m.group(1)
        for i, item in items.items()
        if i in rated and item.source and (m := _RECORD_IN_SOURCE.search(item.source))
    }
    return sorted(found)
