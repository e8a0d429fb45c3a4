"""Facilitators' pages: login, campaigns, the dashboard, invites, exports.

Facilitators see progress and demographic aggregates with small cells suppressed; only admins
may export demographics with the ratings.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from coalign.core.campaigns import AttentionCheck, Campaign, ItemQuestion
from coalign.core.errors import AccessDeniedError, InputError, describe_validation_error
from coalign.participation.access import create_invites
from coalign.participation.accounts import Account, authenticate, get_account
from coalign.participation.demographics import demographic_aggregates
from coalign.rating.campaigns import (
    create_campaign,
    get_campaign,
    items_from_run,
    list_campaigns,
    read_items,
    set_campaign_status,
)
from coalign.rating.dashboard import campaign_progress
from coalign.rating.exports import export_ratings
from coalign.store.engine import Store
from coalign.store.studies import get_study, list_studies
from coalign.web.pages import CSRF_FIELD, check_csrf, render

router = APIRouter()


def _store(request: Request) -> Store:
    return request.app.state.store


def _account(request: Request) -> Account:
    account_id = request.session.get("account")
    account = get_account(_store(request), account_id) if isinstance(account_id, int) else None
    if account is None:
        raise AccessDeniedError("please log in as a facilitator")
    return account


def _login_redirect(request: Request) -> Response | None:
    if request.session.get("account") is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return None


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/f") -> Response:  # noqa: A002 (the query parameter's name)
    return render(request, "login.html", next=next)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    client = request.client.host if request.client else "unknown"
    account = authenticate(_store(request), str(form.get("username", "")), str(form.get("password", "")), client)
    lang = request.session.get("lang")
    request.session.clear()  # a new session on login: no fixation, no participant seat carried over
    request.session["account"] = account.id
    if lang:
        request.session["lang"] = lang
    target = str(form.get("next") or "/f")
    return RedirectResponse(target if target.startswith("/f") else "/f", status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/f", response_class=HTMLResponse)
def dashboard_home(request: Request) -> Response:
    if (redirect := _login_redirect(request)) is not None:
        return redirect
    return render(request, "f_home.html", account=_account(request), campaigns=list_campaigns(_store(request)))


@router.get("/f/campaigns/new", response_class=HTMLResponse)
def new_campaign_page(request: Request) -> Response:
    if (redirect := _login_redirect(request)) is not None:
        return redirect
    store = _store(request)
    studies = [get_study(store, slug) for slug in list_studies(store)]
    return render(request, "f_new.html", account=_account(request), studies=studies)


def _int(form, name: str, default: int | None = None) -> int | None:  # noqa: ANN001
    raw = str(form.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InputError(f"{name}: {raw[:20]!r} is not a whole number") from None


@router.post("/f/campaigns/new")
async def new_campaign(request: Request) -> Response:
    """Create a campaign from the form and an uploaded CSV/JSONL file of items or a run's accepted records."""
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    _account(request)
    upload, run_id = form.get("items"), str(form.get("run_id") or "").strip()
    if run_id:
        items = items_from_run(_store(request), run_id)
    elif upload is None or isinstance(upload, str) or not upload.filename:
        raise InputError("choose a CSV or JSONL file of items, or name a generation run")
    else:
        items = read_items(upload.filename, await upload.read())
    study = str(form.get("study", ""))
    checks, positions = [], []
    if str(form.get("attention_response") or "").strip():
        checks.append(AttentionCheck(
            prompt=str(form.get("attention_prompt") or "Attention check"),
            response=str(form.get("attention_response")), expected_value=_int(form, "attention_expected", 1),
        ))
        positions.append(_int(form, "attention_position", 1))
    questions = []
    if str(form.get("question_text") or "").strip():
        questions.append(ItemQuestion(name="question_1", text=str(form.get("question_text"))))
    try:
        campaign = Campaign(
            slug=str(form.get("slug", "")), study_slug=study, title=str(form.get("title", "")),
            dimensions=[str(d).split(":", 1)[1] for d in form.getlist("dimension") if str(d).startswith(f"{study}:")],
            items_per_participant=_int(form, "items_per_participant", 10), target_ratings=_int(form, "target_ratings", 3),
            min_seconds_per_item=_int(form, "min_seconds_per_item", 0), attention_positions=positions,
            attention_checks=checks, questions=questions, completion_code=str(form.get("completion_code", "")),
            screened_out_code=str(form.get("screened_out_code", "")),
            completion_url=str(form.get("completion_url") or "").strip() or None,
        )
    except ValidationError as exc:
        raise InputError("; ".join(describe_validation_error(exc))) from exc
    stored = create_campaign(_store(request), campaign, items)
    return RedirectResponse(f"/f/campaigns/{stored.id}", status_code=303)


@router.get("/f/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, campaign_id: int) -> Response:
    if (redirect := _login_redirect(request)) is not None:
        return redirect
    store = _store(request)
    progress = campaign_progress(store, campaign_id)
    aggregates = demographic_aggregates(store, progress.campaign.campaign.study_slug, campaign_id=campaign_id)
    return render(request, "f_campaign.html", account=_account(request), progress=progress, aggregates=aggregates,
                  base_url=str(request.base_url).rstrip("/"))


@router.post("/f/campaigns/{campaign_id}/invites", response_class=HTMLResponse)
async def invites(request: Request, campaign_id: int) -> Response:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    account = _account(request)
    tokens = create_invites(_store(request), campaign_id, _int(form, "count", 1))
    base = str(request.base_url).rstrip("/")
    return render(request, "f_invites.html", account=account, campaign=get_campaign(_store(request), campaign_id),
                  links=[f"{base}/i/{token}" for token in tokens])


@router.post("/f/campaigns/{campaign_id}/status")
async def campaign_status(request: Request, campaign_id: int) -> Response:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    _account(request)
    set_campaign_status(_store(request), campaign_id, str(form.get("status", "")))  # type: ignore[arg-type]
    return RedirectResponse(f"/f/campaigns/{campaign_id}", status_code=303)


@router.get("/f/campaigns/{campaign_id}/analysis", response_class=HTMLResponse)
def analysis_report(request: Request, campaign_id: int) -> Response:
    """The campaign's pluralistic analysis (admins only: it shows results per demographic group)."""
    from coalign.analysis.service import campaign_report

    if not _account(request).is_admin:
        raise AccessDeniedError("only admins may see the analysis report: it shows results per demographic group")
    return HTMLResponse(campaign_report(_store(request), campaign_id))


@router.get("/f/campaigns/{campaign_id}/export")
def export(request: Request, campaign_id: int, format: str = "csv", demographics: bool = False) -> Response:  # noqa: A002
    account = _account(request)
    result = export_ratings(_store(request), campaign_id, format, with_demographics=demographics,
                            is_admin=account.is_admin)
    return Response(result.data, media_type=result.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{result.filename}"'})
