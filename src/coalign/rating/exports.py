"""Exports of a campaign's ratings in long format (one row per item × participant × dimension).

Columns are ``item, rater, crowd_id, dimension, value, context, display_language`` and one
``answer_<question>`` per item question — the shape ``coalign analyze`` reads — where ``rater``
is the participant's pseudonymous id, ``crowd_id`` the crowd platform's id (``PROLIFIC_PID``,
empty for invited people), so ratings can be matched to submissions, ``context`` the item's
context, ``display_language`` the language the item was rated in and ``answer_<question>`` the
rater's answer to that question about the item. Demographic columns are added only for admins.
Attention checks are never exported as ratings. Raters the exclusion policy leaves out (by
default: failed an attention check, rated too fast, did not finish) are not exported; the
approvals file (:mod:`coalign.rating.approvals`) names them for settling.
In CSV, text that a spreadsheet would run as a formula is made inert
(:func:`~coalign.core.spreadsheet.inert_frame`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from coalign.core.errors import AccessDeniedError, InputError
from coalign.core.spreadsheet import inert_frame
from coalign.rating.campaigns import campaign_item_ids, get_campaign
from coalign.rating.exclusions import ExclusionPolicy, leave_out
from coalign.store import Store
from coalign.store.ratings import ratings_long_format

ExportFormat = Literal["csv", "jsonl", "parquet"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


@dataclass(frozen=True)
class Export:
    """A finished export: its bytes, media type and a file name to offer."""

    data: bytes
    media_type: str
    filename: str
    rows: int


def export_ratings(
    store: Store,
    campaign_id: int,
    fmt: str,
    *,
    with_demographics: bool = False,
    is_admin: bool = False,
    policy: ExclusionPolicy | None = None,
) -> Export:
    """A campaign's ratings as CSV, JSONL or Parquet.

    Args:
        policy: whose ratings to leave out (default :class:`ExclusionPolicy`).

    Raises:
        InputError: an unknown format.
        AccessDeniedError: demographics asked for without the admin role.
        NotFoundError: no such campaign.
    """
    if fmt not in MEDIA_TYPES:
        raise InputError(f"export format must be one of {sorted(MEDIA_TYPES)}, not {fmt!r}")
    if with_demographics and not is_admin:
        raise AccessDeniedError("only admins may export demographics")
    stored = get_campaign(store, campaign_id)
    frame = ratings_long_format(
        store,
        stored.campaign.study_slug,
        item_ids=campaign_item_ids(store, campaign_id),
        with_demographics=with_demographics,
        with_crowd_ids=True,
        with_context=True,
        with_display_language=True,
        with_answers=True,
    )
    frame, _ = leave_out(
        store, frame, policy, study_slug=stored.campaign.study_slug, campaign_id=campaign_id
    )
    buffer = io.BytesIO()
    if fmt == "csv":
        buffer.write(inert_frame(frame).to_csv(index=False).encode("utf-8"))
    elif fmt == "jsonl":
        buffer.write(frame.to_json(orient="records", lines=True, force_ascii=False).encode("utf-8"))
    else:
        frame.to_parquet(buffer, index=False)
    name = f"{stored.campaign.study_slug}-{stored.campaign.slug}-ratings{'-demographics' if with_demographics else ''}.{fmt}"
    return Export(buffer.getvalue(), MEDIA_TYPES[fmt], name, len(frame))
