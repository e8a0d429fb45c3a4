"""``coalign campaign …``: rating campaigns from files, their links, opening or closing them, and
the approvals file that settles crowd submissions."""

from __future__ import annotations

from pathlib import Path

import typer

from coalign.cli.state import console, err_console, state
from coalign.core.errors import InputError
from coalign.participation.access import create_invites
from coalign.rating.approvals import ApprovalRules, approvals_file
from coalign.rating.campaign_files import create_campaign_from_files
from coalign.rating.campaigns import list_campaigns, resolve_campaign, set_campaign_status

app = typer.Typer(
    help="Rating campaigns: create from files, list, invite, open, close, settle crowd submissions.",
    no_args_is_help=True,
)

BASE_URL = typer.Option(
    "http://127.0.0.1:8000", "--base-url", help="Where `coalign serve` is reached."
)


@app.command("create")
def create(
    ctx: typer.Context,
    settings: Path = typer.Argument(
        ..., help="Campaign settings (YAML): slug, study_slug, dimensions, …"
    ),
    items: Path = typer.Option(
        None, "--items", help="Items to rate, a CSV or JSONL file (prompt, response, …)."
    ),
    run: str = typer.Option(
        None, "--run", help="Or: a generation run whose accepted records are the items."
    ),
    base_url: str = BASE_URL,
) -> None:
    """Create a rating campaign from a settings file and its items."""
    stored = create_campaign_from_files(state(ctx).store(), settings, items=items, run_id=run)
    c = stored.campaign
    console.print(
        f"campaign {c.study_slug}/{c.slug} (id {stored.id}): {stored.item_count} items, "
        f"{len(c.dimensions)} dimensions, r = {c.target_ratings}\n"
        f"crowd link: {base_url.rstrip('/')}/s/{c.study_slug}/{c.slug}"
        "?PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List rating campaigns."""
    campaigns = list_campaigns(state(ctx).store())
    if not campaigns:
        console.print("no campaigns yet: coalign campaign create FILE --items ITEMS")
    for stored in campaigns:
        c = stored.campaign
        console.print(
            f"{stored.id:>4}  {c.study_slug}/{c.slug}  [bold]{c.status}[/]  {stored.item_count} items  {c.title}",
            highlight=False,
            soft_wrap=True,
        )


@app.command("invites")
def invites(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="SLUG or STUDY/SLUG."),
    count: int = typer.Option(1, "--count", "-n", help="How many personal links."),
    base_url: str = BASE_URL,
) -> None:
    """Print personal invite links (each token is shown once and stored only hashed)."""
    store = state(ctx).store()
    for token in create_invites(store, resolve_campaign(store, campaign).id, count):
        console.print(f"{base_url.rstrip('/')}/i/{token}", highlight=False, soft_wrap=True)


@app.command("close")
def close(
    ctx: typer.Context, campaign: str = typer.Argument(..., help="SLUG or STUDY/SLUG.")
) -> None:
    """Close a campaign: no new joins, drafts or submits; what was submitted stays."""
    _set_status(ctx, campaign, "closed")


@app.command("open")
def open_(
    ctx: typer.Context, campaign: str = typer.Argument(..., help="SLUG or STUDY/SLUG.")
) -> None:
    """Open a closed campaign again."""
    _set_status(ctx, campaign, "open")


@app.command("approvals")
def approvals(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="SLUG or STUDY/SLUG."),
    out: Path = typer.Option(
        None, "--out", "-o", help="Write the CSV file here (default: print it)."
    ),
    max_attention_failures: int = typer.Option(
        0, "--max-attention-failures", help="Failed attention checks still approved."
    ),
    min_median_seconds: float = typer.Option(
        None,
        "--min-median-seconds",
        help="Median seconds per item below which a person is too fast "
        "(default: the campaign's minimum seconds per item).",
    ),
) -> None:
    """The approvals file: approve, reject, screened-out or withdrawn per crowd id, with reasons and
    evidence."""
    store = state(ctx).store()
    rules = ApprovalRules(max_attention_failures, min_median_seconds)
    result = approvals_file(store, resolve_campaign(store, campaign).id, rules)
    if out is None:
        typer.echo(result.data.decode("utf-8"), nl=False)
        return
    try:
        out.write_bytes(result.data)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror}") from exc
    err_console.print(f"{result.rows} crowd participants: {out}", highlight=False, soft_wrap=True)


def _set_status(ctx: typer.Context, campaign: str, status: str) -> None:
    store = state(ctx).store()
    stored = resolve_campaign(store, campaign)
    set_campaign_status(store, stored.id, status)  # type: ignore[arg-type]
    console.print(f"campaign {stored.campaign.study_slug}/{stored.campaign.slug} is {status}")
