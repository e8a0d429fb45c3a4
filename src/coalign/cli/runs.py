"""``coalign generate`` and ``coalign runs …``: start, inspect, resume and export generation runs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table

from coalign.cli.state import console, state
from coalign.store.runs import get_run, iter_records, list_runs
from coalign.synth import RunSummary, estimate, execute, export_records, prepare, resume, summarize

app = typer.Typer(help="Generation runs: list, show, resume, records.", no_args_is_help=True)


class StageBar:
    """Draws one progress bar per stage, with an ETA."""

    def __init__(self, progress: RichProgress) -> None:
        self.progress = progress
        self.bars: dict[str, TaskID] = {}

    def stage_started(self, stage: str, total: int, done: int) -> None:
        self.bars[stage] = self.progress.add_task(stage, total=total, completed=done, failed=0)

    def task_done(self, stage: str, ok: bool) -> None:
        self.progress.advance(self.bars[stage])


def stage_progress() -> RichProgress:
    return RichProgress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _print_summary(summary: RunSummary) -> None:
    run = summary.run
    table = Table(
        "stage",
        "in (planned)",
        "out (parsed)",
        "failed",
        "of which cut off",
        "written now",
        title=f"run {run.id}",
    )
    for s in summary.stages:
        table.add_row(
            s.stage, str(s.planned), str(s.ok), str(s.failed), str(s.truncated), str(s.written)
        )
    console.print(table)
    console.print(f"status [bold]{run.status}[/] · model {run.model_id} · study {run.study_slug}")
    if run.status_reason:
        console.print(f"why: {run.status_reason}", highlight=False)
    console.print(f"records: coalign runs records {run.id[:12]} [--stage STAGE] [--jsonl FILE]")


def generate(
    ctx: typer.Context,
    recipe: Path = typer.Argument(..., help="A recipe YAML file."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print calls, tokens and time; call no model."
    ),
    limit: int = typer.Option(
        None, min=1, help="Generate at most this many questions (a balanced subset)."
    ),
) -> None:
    """Run a recipe: stage 1 questions, stage 2 responses; re-running the same recipe resumes it."""
    cli = state(ctx)
    with cli.store() as store:
        prepared = prepare(store, recipe, model=cli.model, limit=limit)
        if dry_run:
            e = estimate(prepared, store)
            calls = ", ".join(f"{n} {stage}" for stage, n in e.calls.items())
            console.print(
                f"run {e.run_id} on {e.model_id}\n"
                f"calls: {sum(e.calls.values())} ({calls}; stage 2 assumes every question parses)\n"
                f"tokens: about {e.prompt_tokens} prompt, at most {e.max_completion_tokens} generated\n"
                f"time: at most about {e.seconds / 60:.1f} min ({e.seconds_source})"
            )
            return
        with stage_progress() as bar:
            summary = execute(store, prepared, StageBar(bar))
    _print_summary(summary)


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List runs, newest first."""
    with state(ctx).store() as store:
        runs = list_runs(store)
    if not runs:
        console.print("no runs yet: coalign generate RECIPE")
        return
    for run in runs:
        planned = ", ".join(f"{k} {v}" for k, v in run.planned.items()) or "not planned yet"
        created = run.created_at.strftime("%Y-%m-%d %H:%M") if run.created_at else ""
        console.print(
            f"{run.id}  [bold]{run.status}[/]  {created}  study {run.study_slug}  recipe {run.recipe_name}  "
            f"model {run.model_id}  planned: {planned}"
            + (f"  ({run.status_reason[:80]})" if run.status_reason else ""),
            soft_wrap=True,
            highlight=False,
        )


@app.command("show")
def show(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., help="Run id (a unique prefix is enough)."),
) -> None:
    """Show a run's recipe, status and per-stage counts."""
    with state(ctx).store() as store:
        summary = summarize(store, run_id)
    recipe = {k: v for k, v in summary.run.recipe.items() if k != "template_sources"}
    console.print_json(data=recipe)
    _print_summary(summary)


@app.command("resume")
def resume_(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., help="Run id (a unique prefix is enough)."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Take the run over even if another process seems to be running it "
        "(e.g. one killed less than a minute ago).",
    ),
) -> None:
    """Continue a paused, failed or killed run: no duplicates, no gaps."""
    with state(ctx).store() as store, stage_progress() as bar:
        summary = resume(store, run_id, StageBar(bar), force=force)
    _print_summary(summary)


@app.command("records")
def records(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., help="Run id (a unique prefix is enough)."),
    stage: str = typer.Option(None, help="Only this stage (questions, responses)."),
    jsonl: Path = typer.Option(
        None, help="Write every record with its full lineage to this JSONL file."
    ),
    show: int = typer.Option(20, min=0, help="How many records to print (without --jsonl)."),
) -> None:
    """Print a run's records, or export them all (failed parses included) to JSONL."""
    with state(ctx).store() as store:
        if jsonl is not None:
            count = export_records(store, run_id, jsonl, stage=stage)
            console.print(f"wrote {count} records to {jsonl}")
            return
        run = get_run(store, run_id)
        table = Table("id", "stage", "status", "attributes", "data")
        for number, record in enumerate(iter_records(store, run.id, stage=stage)):
            if number >= show:
                break
            attributes = ", ".join(
                f"{k}={v}"
                for k, v in record.attributes.items()
                if v not in (None, {}, []) and k != "steps"
            )
            text = (
                record.data.get("question", "")
                if record.stage == "questions"
                else record.data.get("aligned_response", "")
            )
            table.add_row(
                record.id,
                record.stage,
                record.parse_status,
                attributes,
                text or (record.parse_error or ""),
            )
        console.print(table)
