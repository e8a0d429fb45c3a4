"""Facilitators' rating pages: campaigns, the dashboard, invites, exports, the approvals file,
the analysis report, the review of translations.

Facilitators see progress (with each person's crowd id) and demographic aggregates with small
cells suppressed, and download the approvals file that settles crowd submissions; only admins
may export demographics with the ratings or see the analysis report. Pages send an anonymous
visitor to the login form; actions answer 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from coalign.core.campaigns import AttentionCheck, Campaign, ItemQuestion
from coalign.core.errors import InputError, describe_validation_error
from coalign.participation.access import create_invites
from coalign.participation.accounts import Account
from coalign.participation.demographics import demographic_aggregates, get_survey
from coalign.rating.approvals import ApprovalRules, approvals_file
from coalign.rating.campaigns import (
    create_campaign,
    get_campaign,
    items_from_run,
    list_campaigns,
    read_items,
    set_campaign_status,
)
from coalign.rating.dashboard import campaign_progress
from coalign.rating.exclusions import EXCLUSION_REASONS, ExclusionPolicy
from coalign.rating.exports import Export, export_ratings
from coalign.rating.quotas import quota_fills
from coalign.rating.translations import list_translations, review_translation
from coalign.store.studies import get_study, list_studies
from coalign.web.dependencies import (
    AppStore,
    CsrfForm,
    Facilitator,
    FacilitatorPage,
    admin_only,
)
from coalign.web.forms import int_or, optional_text, text, text_list, upload
from coalign.web.pages import render

router = APIRouter()
AnalysisAdmin = Annotated[
    Account, Depends(admin_only("see the analysis report: it shows results per demographic group"))
]


@router.get("/f", response_class=HTMLResponse)
def dashboard_home(request: Request, account: FacilitatorPage, store: AppStore) -> Response:
    return render(request, "f_home.html", account=account, campaigns=list_campaigns(store))


@router.get("/f/campaigns/new", response_class=HTMLResponse)
def new_campaign_page(request: Request, account: FacilitatorPage, store: AppStore) -> Response:
    studies = [get_study(store, slug) for slug in list_studies(store)]
    return render(request, "f_new.html", account=account, studies=studies)


def _campaign(form: FormData) -> Campaign:
    """The campaign's settings from the form (one optional attention check and question)."""
    study = text(form, "study")
    try:  # the attention check and the question are validated too
        checks, positions = [], []
        if optional_text(form, "attention_response"):
            checks.append(
                AttentionCheck(
                    prompt=text(form, "attention_prompt", "Attention check"),
                    response=text(form, "attention_response"),
                    expected_value=int_or(form, "attention_expected", 1),
                )
            )
            positions.append(int_or(form, "attention_position", 1))
        questions = []
        if optional_text(form, "question_text"):
            questions.append(ItemQuestion(name="question_1", text=text(form, "question_text")))
        dimensions = [
            d.split(":", 1)[1] for d in text_list(form, "dimension") if d.startswith(f"{study}:")
        ]
        return Campaign(
            slug=text(form, "slug"),
            study_slug=study,
            title=text(form, "title"),
            dimensions=dimensions,
            items_per_participant=int_or(form, "items_per_participant", 10),
            target_ratings=int_or(form, "target_ratings", 3),
            min_seconds_per_item=int_or(form, "min_seconds_per_item", 0),
            attention_positions=positions,
            attention_checks=checks,
            questions=questions,
            completion_code=text(form, "completion_code"),
            screened_out_code=text(form, "screened_out_code"),
            full_code=optional_text(form, "full_code"),
            completion_url=optional_text(form, "completion_url"),
        )
    except ValidationError as exc:
        raise InputError("; ".join(describe_validation_error(exc))) from exc


@router.post("/f/campaigns/new")
async def new_campaign(form: CsrfForm, _: Facilitator, store: AppStore) -> Response:
    """Create a campaign from the form and an uploaded CSV/JSONL file of items or a run's
    accepted records."""
    run_id, items_file = optional_text(form, "run_id"), upload(form, "items")
    if run_id:
        items = items_from_run(store, run_id)
    elif items_file is None:
        raise InputError("choose a CSV or JSONL file of items, or name a generation run")
    else:
        items = read_items(items_file.filename or "", await items_file.read())
    stored = create_campaign(store, _campaign(form), items)
    return RedirectResponse(f"/f/campaigns/{stored.id}", status_code=303)


@router.get("/f/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(
    request: Request, account: FacilitatorPage, store: AppStore, campaign_id: int
) -> Response:
    progress = campaign_progress(store, campaign_id)
    study_slug = progress.campaign.campaign.study_slug
    aggregates = demographic_aggregates(store, study_slug, campaign_id=campaign_id)
    return render(
        request,
        "f_campaign.html",
        account=account,
        progress=progress,
        aggregates=aggregates,
        quotas=quota_fills(store, campaign_id),
        questions={q.name: q for q in get_survey(store, study_slug)},
        base_url=str(request.base_url).rstrip("/"),
        everyone="".join(f"&include={reason}" for reason in EXCLUSION_REASONS),
    )


@router.post("/f/campaigns/{campaign_id}/invites", response_class=HTMLResponse)
async def invites(
    request: Request, form: CsrfForm, account: Facilitator, store: AppStore, campaign_id: int
) -> Response:
    tokens = create_invites(store, campaign_id, int_or(form, "count", 1))
    base = str(request.base_url).rstrip("/")
    return render(
        request,
        "f_invites.html",
        account=account,
        campaign=get_campaign(store, campaign_id),
        links=[f"{base}/i/{token}" for token in tokens],
    )


@router.post("/f/campaigns/{campaign_id}/status")
async def campaign_status(
    form: CsrfForm, _: Facilitator, store: AppStore, campaign_id: int
) -> Response:
    set_campaign_status(store, campaign_id, text(form, "status"))  # type: ignore[arg-type]  # the service refuses other statuses
    return RedirectResponse(f"/f/campaigns/{campaign_id}", status_code=303)


@router.get("/f/campaigns/{campaign_id}/analysis", response_class=HTMLResponse)
def analysis_report(_: AnalysisAdmin, store: AppStore, campaign_id: int) -> Response:
    """The campaign's pluralistic analysis (admins only: it shows results per demographic group)."""
    from coalign.analysis.service import campaign_report

    return HTMLResponse(campaign_report(store, campaign_id))


@router.get("/f/campaigns/{campaign_id}/export")
def export(
    account: Facilitator,
    store: AppStore,
    campaign_id: int,
    format: str = "csv",
    demographics: bool = False,
    include: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The campaign's ratings; ``include`` keeps raters the exclusion policy would leave out."""
    result = export_ratings(
        store,
        campaign_id,
        format,
        with_demographics=demographics,
        is_admin=account.is_admin,
        policy=ExclusionPolicy.including(include or []),
    )
    return _download(result)


@router.get("/f/campaigns/{campaign_id}/approvals")
def approvals(
    _: Facilitator,
    store: AppStore,
    campaign_id: int,
    max_attention_failures: int = 0,
    min_median_seconds: float | None = None,
) -> Response:
    """The approvals file (CSV): approve, reject, screened-out or withdrawn per crowd id, with evidence."""
    rules = ApprovalRules(max_attention_failures, min_median_seconds)
    return _download(approvals_file(store, campaign_id, rules))


@router.get("/f/campaigns/{campaign_id}/translations", response_class=HTMLResponse)
def translations_page(
    request: Request,
    account: FacilitatorPage,
    store: AppStore,
    campaign_id: int,
    status: str = "pending",
) -> Response:
    """Translations to review (``status=pending``) or reviewed (``status=accepted``), each with
    its source text."""
    return render(
        request,
        "f_translations.html",
        account=account,
        campaign=get_campaign(store, campaign_id),
        status=status,
        translations=list_translations(store, campaign_id, status=status),
    )


@router.post("/f/campaigns/{campaign_id}/translations/{translation_id}")
async def review(
    form: CsrfForm, account: Facilitator, store: AppStore, campaign_id: int, translation_id: int
) -> Response:
    """Accept a translation with the text in the form (as proposed or edited by the reviewer)."""
    review_translation(store, campaign_id, translation_id, account.username, text(form, "text"))
    return RedirectResponse(f"/f/campaigns/{campaign_id}/translations", status_code=303)


def _download(result: Export) -> Response:
    return Response(
        result.data,
        media_type=result.media_type,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )
