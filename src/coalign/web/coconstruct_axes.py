"""The groups' agreed rankings of their axes, and the comparison of several groups' axes.

A member (``/p/groups/{id}/group-ranking``) or a facilitator
(``/f/studies/{slug}/groups/{id}/group-ranking``) records the group's top 3 or top 5; both come
back to the group page, where the ranking stands beside the individual rankings. Facilitators
compare two or more groups' axes on one map (``/f/studies/{slug}/axes/compare?group=1&group=2``)
and mark suggested overlaps as the same or different (nothing is merged).
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from coalign.coconstruct.axes import study_groups
from coalign.coconstruct.axes_comparison import DEFAULT_THRESHOLD, compare_axes, judge_axis_pair
from coalign.coconstruct.group_ranking import record_group_ranking, record_group_ranking_as_member
from coalign.core.errors import InputError
from coalign.web.dependencies import AppStore, CsrfForm, Facilitator, FacilitatorPage, ParticipantId
from coalign.web.forms import int_list, optional_int, optional_text, required_int, text
from coalign.web.pages import render

router = APIRouter()
facilitator_router = APIRouter(prefix="/f/studies/{slug}")


def _places(form: FormData) -> tuple[int, list[int | None]]:
    """The ranking's ``size`` and the axis chosen for each place ``place.1`` … ``place.<size>``."""
    size = required_int(form, "size")
    return size, [optional_int(form, f"place.{p}") for p in range(1, min(size, 5) + 1)]


@router.post("/p/groups/{group_id}/group-ranking")
async def member_ranking(
    form: CsrfForm, store: AppStore, pid: ParticipantId, group_id: int
) -> Response:
    """A member records the group's agreed top 3 or top 5 on behalf of the group."""
    size, places = _places(form)
    record_group_ranking_as_member(store, pid, group_id, size, places)
    return RedirectResponse(f"/p/groups/{group_id}?grouped={size}#group-ranking", status_code=303)


@facilitator_router.post("/groups/{group_id}/group-ranking")
async def facilitator_ranking(
    form: CsrfForm, account: Facilitator, store: AppStore, slug: str, group_id: int
) -> Response:
    """A facilitator records the group's agreed top 3 or top 5."""
    size, places = _places(form)
    record_group_ranking(store, slug, group_id, size, places, facilitator=account.username)
    return RedirectResponse(
        f"/f/studies/{slug}/groups/{group_id}?grouped={size}#group-ranking", status_code=303
    )


def _threshold(params: FormData) -> float:
    raw = optional_text(params, "threshold")
    if raw is None:
        return DEFAULT_THRESHOLD
    try:
        return float(raw)
    except ValueError:
        raise InputError(f"threshold: {raw[:20]!r} is not a number such as 0.5") from None


def _compare_url(slug: str, group_ids: list[int], threshold: str | None) -> str:
    query = "&".join(f"group={g}" for g in group_ids)
    return f"/f/studies/{slug}/axes/compare?{query}" + (
        f"&threshold={threshold}" if threshold else ""
    )


@facilitator_router.get("/axes/compare", response_class=HTMLResponse)
async def compare_page(
    request: Request, account: FacilitatorPage, store: AppStore, slug: str
) -> Response:
    """Choose groups; with two or more chosen, their axes side by side and on one map."""
    query: list[tuple[str, str | UploadFile]] = list(request.query_params.multi_items())
    params = FormData(query)
    group_ids = int_list(params, "group")
    threshold = _threshold(params)
    result = None
    if group_ids:
        result = await asyncio.to_thread(compare_axes, store, slug, group_ids, threshold=threshold)
    return render(
        request,
        "cf_axes_compare.html",
        account=account,
        slug=slug,
        groups=study_groups(store, slug),
        chosen=group_ids,
        threshold=threshold,
        result=result,
    )


@facilitator_router.post("/axes/compare/judgements")
async def judge_pair(form: CsrfForm, account: Facilitator, store: AppStore, slug: str) -> Response:
    """Mark a pair of axes of different groups as ``same`` or ``different``; nothing is merged."""
    await asyncio.to_thread(
        judge_axis_pair,
        store,
        slug,
        required_int(form, "axis_id"),
        required_int(form, "other_axis_id"),
        text(form, "verdict"),
        facilitator=account.username,
        threshold=_threshold(form),
    )
    url = _compare_url(slug, int_list(form, "group"), optional_text(form, "threshold"))
    return RedirectResponse(f"{url}#pairs", status_code=303)
