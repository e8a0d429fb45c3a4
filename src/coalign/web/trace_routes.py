"""The facilitator's trace page: where a generated record or a rated item came from.

``/f/trace/{slug}/record/ID`` or ``/f/trace/{slug}/item/ID`` shows the chain that ``coalign trace`` prints for an
exported row (:mod:`coalign.export.trace`), read live from the store: items and the ratings by
demographic group, the records and their parent records with model and template, the seeds
shown in-context and their origins (diary entry, workshop, import) with links. Only
pseudonymous ids and demographic groups are shown.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from coalign.export.trace import links, trace_in_store
from coalign.web.dependencies import AppStore, FacilitatorPage
from coalign.web.pages import render

router = APIRouter()


@router.get("/f/trace/{slug}/record/{record_id}", response_class=HTMLResponse)
def record_trace(
    request: Request, account: FacilitatorPage, store: AppStore, slug: str, record_id: str
) -> Response:
    """The chain behind one generated record of study ``slug``."""
    found = trace_in_store(store, slug, record_id=record_id)
    return render(request, "f_trace.html", account=account, trace=found, links=links(found))


@router.get("/f/trace/{slug}/item/{item_id}", response_class=HTMLResponse)
def item_trace(
    request: Request, account: FacilitatorPage, store: AppStore, slug: str, item_id: str
) -> Response:
    """The chain behind one rated item of study ``slug``, with its ratings by group."""
    found = trace_in_store(store, slug, item_id=item_id)
    return render(request, "f_trace.html", account=account, trace=found, links=links(found))
