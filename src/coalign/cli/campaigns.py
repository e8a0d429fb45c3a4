"""``coalign campaign …``: rating campaigns from files, items from prompts × interventions,
reviewed translations, their links, opening or closing them, and the approvals file that
settles crowd submissions."""

from __future__ import annotations

from pathlib import Path

import typer

from coalign.cli.runs import StageBar, stage_progress
from coalign.cli.state import console, err_console, state
from coalign.core.calls import SamplingParams
from coalign.core.errors import InputError
from coalign.llm import load_model
from coalign.participation.access import create_invites
from coalign.rating.approvals import ApprovalRules, approvals_file
from coalign.rating.campaign_files import create_campaign_from_files
from coalign.rating.campaigns import list_campaigns, resolve_campaign, set_campaign_status
from coalign.rating.interventions import (
    generate_items,
    load_interventions,
    read_keywords,
    read_prompts,
)
from coalign.rating.translations import (
    LIST_FIELDS,
    list_translations,
    paste_translations,
    review_translation,
    translate_campaign,
    translation_template,
)

app = typer.Typer(
    help="Rating campaigns: create from files, add generated items, translate and review, list, "
    "invite, open, close, settle crowd submissions.",
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
        None,
        "--items",
        help="Items to rate, a CSV or JSONL file (prompt, response, …); without --items or "
        "--run the campaign starts empty (add items with `coalign campaign items`).",
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


CAMPAIGN = typer.Argument(..., help="SLUG or STUDY/SLUG.")


@app.command("items")
def items_(
    ctx: typer.Context,
    campaign: str = CAMPAIGN,
    prompts: Path = typer.Option(
        ..., "--prompts", help="Prompts, one per row: CSV (a 'prompt' column), JSONL or TXT."
    ),
    interventions: Path = typer.Option(
        ...,
        "--interventions",
        help="Interventions (YAML): a list of {name, system_prompt: {en: …, de: …}}.",
    ),
    keyword: list[str] = typer.Option(
        [], "--keyword", "-k", help="Keep prompts containing this whole word (repeatable)."
    ),
    keyword_file: Path = typer.Option(
        None,
        "--keyword-file",
        help="Keep prompts containing a keyword from this file (one a line).",
    ),
    language: str = typer.Option(
        "en", "--language", help="Which system prompt to use; also the items' language."
    ),
    temperature: float = typer.Option(0.7, min=0.0, max=2.0),
    max_tokens: int = typer.Option(512, min=1, help="Answers cut off here are not used."),
    seed: int = typer.Option(0, help="Sampling seed; the same seed gives the same answers."),
) -> None:
    """Add items to a campaign: the model (global --model) answers every prompt under every
    intervention; the intervention's name becomes the item's context."""
    cli = state(ctx)
    words = keyword + (read_keywords(keyword_file) if keyword_file else [])
    selection = read_prompts(prompts, words)
    chosen = load_interventions(interventions)
    if words:
        console.print(
            f"{len(selection.prompts)} of {selection.total} prompts contain a keyword",
            highlight=False,
            soft_wrap=True,
        )
    with cli.store() as store:
        stored = resolve_campaign(store, campaign)
        model = load_model(cli.model, log=store)
        params = SamplingParams(temperature=temperature, max_tokens=max_tokens, seed=seed)
        with stage_progress() as bar:
            outcome = generate_items(
                store,
                stored.id,
                model,
                selection,
                chosen,
                language=language,
                params=params,
                progress=StageBar(bar),
            )
    for failure in outcome.failed:
        err_console.print(
            f"[yellow]not used:[/] {prompts.name} row {failure.row} × {failure.intervention}: "
            f"{failure.reason}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"{outcome.added} items added by {model.model_id}, {outcome.existing} already in the "
        f"campaign, {len(outcome.failed)} answers not used",
        highlight=False,
        soft_wrap=True,
    )


@app.command("translate")
def translate(
    ctx: typer.Context,
    campaign: str = CAMPAIGN,
    language: str = typer.Option(..., "--language", help="The target language, e.g. de."),
    paste: Path = typer.Option(
        None, "--paste", help="Take the translations from this CSV/JSONL file instead of a model."
    ),
    template: Path = typer.Option(
        None, "--template", help="Only write a CSV of the texts to translate, to fill and --paste."
    ),
    max_tokens: int = typer.Option(512, min=1, help="Translations cut off here are not kept."),
) -> None:
    """Translate a campaign's items, dimensions and instructions (by the global --model, or
    pasted); participants see a translation only after a reviewer accepts it."""
    if paste and template:
        raise InputError("use --paste or --template, not both")
    cli = state(ctx)
    with cli.store() as store:
        stored = resolve_campaign(store, campaign)
        if template:
            _write(template, translation_template(store, stored.id, language))
            console.print(f"texts to translate: {template}", highlight=False)
            return
        if paste:
            try:
                data = paste.read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read {paste}: {exc.strerror}") from exc
            pasted = paste_translations(store, stored.id, language, paste.name, data)
            console.print(
                f"{pasted.added} translations added, {pasted.replaced} pending ones replaced, "
                f"{pasted.kept_reviewed} already reviewed kept; review them: "
                f"coalign campaign review {campaign} --language {language}",
                highlight=False,
                soft_wrap=True,
            )
            return
        model = load_model(cli.model, log=store)
        params = SamplingParams(temperature=0.2, max_tokens=max_tokens, seed=0)
        with stage_progress() as bar:
            outcome = translate_campaign(
                store, stored.id, language, model, params=params, progress=StageBar(bar)
            )
    for label, reason in outcome.failed:
        err_console.print(
            f"[yellow]not translated:[/] {label}: {reason}", highlight=False, soft_wrap=True
        )
    console.print(
        f"{outcome.made} translations by {model.model_id} wait for review, {outcome.existing} "
        f"texts had one, {len(outcome.failed)} failed",
        highlight=False,
        soft_wrap=True,
    )


@app.command("translations")
def translations(
    ctx: typer.Context,
    campaign: str = CAMPAIGN,
    language: str = typer.Option(None, "--language", help="Only this language."),
    status: str = typer.Option(None, "--status", help="Only pending or accepted ones."),
) -> None:
    """List a campaign's translations with their status, translator and reviewer."""
    store = state(ctx).store()
    stored = resolve_campaign(store, campaign)
    found = list_translations(store, stored.id, language=language, status=status)
    if not found:
        console.print(f"no translations: coalign campaign translate {campaign} --language de")
    for t in found:
        reviewed = f"by {t.reviewer}" if t.reviewer else ""
        console.print(
            f"{t.id:>5}  {t.language}  {t.part} {t.subject} {t.field}  [bold]{t.status}[/] "
            f"{reviewed}  ({t.translator})",
            highlight=False,
            soft_wrap=True,
        )


@app.command("review")
def review(
    ctx: typer.Context,
    campaign: str = CAMPAIGN,
    reviewer: str = typer.Option(..., "--reviewer", help="Who checks the translations."),
    language: str = typer.Option(None, "--language", help="Only this language."),
) -> None:
    """Review pending translations one by one: accept, edit then accept, skip or quit."""
    store = state(ctx).store()
    stored = resolve_campaign(store, campaign)
    pending = list_translations(store, stored.id, language=language, status="pending")
    accepted = 0
    for number, t in enumerate(pending, start=1):
        console.print(
            f"\n[bold]{number}/{len(pending)}[/] {t.part} {t.subject} {t.field} → {t.language} "
            f"({t.translator})\n[dim]source:[/]\n{t.source_text}\n[dim]translation:[/]\n{t.text}",
            highlight=False,
            soft_wrap=True,
        )
        choice = typer.prompt("accept (a), edit (e), skip (s), quit (q)", default="a")
        if choice.startswith("q"):
            break
        if choice.startswith("e"):
            edited = typer.prompt("translation (list entries separated by ' | ')")
            if t.field in LIST_FIELDS:
                edited = "\n".join(edited.split("|"))
            review_translation(store, stored.id, t.id or 0, reviewer, edited)
            accepted += 1
        elif choice.startswith("a"):
            review_translation(store, stored.id, t.id or 0, reviewer)
            accepted += 1
    console.print(f"{accepted} translations accepted by {reviewer}", highlight=False)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc


def _set_status(ctx: typer.Context, campaign: str, status: str) -> None:
    store = state(ctx).store()
    stored = resolve_campaign(store, campaign)
    set_campaign_status(store, stored.id, status)  # type: ignore[arg-type]
    console.print(f"campaign {stored.campaign.study_slug}/{stored.campaign.slug} is {status}")
