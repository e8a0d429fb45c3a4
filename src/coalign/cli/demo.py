"""``coalign demo``: run the main job on the embedded defaults and print a summary."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.panel import Panel

from coalign.cli.state import console, state
from coalign.core.errors import InputError
from coalign.demo import (
    DEFAULT_EXAMPLE,
    DEMO_DIR,
    EXAMPLE_FLOWS,
    EXAMPLE_NAMES,
    prepare_web_demo,
    run_demo,
    run_example_demo,
)
from coalign.demo.steps import ExampleDemo
from coalign.store import open_store


def demo(
    ctx: typer.Context,
    out: Path = typer.Option(
        DEMO_DIR, help="Folder for the demo's database and outputs (recreated)."
    ),
    study: str = typer.Option(
        None,
        help=f"A shipped example ({', '.join(EXAMPLE_NAMES)}; default {DEFAULT_EXAMPLE}) "
        "or a study YAML file.",
    ),
    questions: int = typer.Option(
        3, min=0, help="How many seed questions to ask the model (not with datathon, calma, diary)."
    ),
    generate: int = typer.Option(
        4, min=0, help="How many questions the bank-assistant recipe generates (0: skip)."
    ),
    serve: bool = typer.Option(
        False, "--serve", help="Then start the web app with a small rating campaign."
    ),
    host: str = typer.Option("127.0.0.1", help="With --serve: address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="With --serve: port to listen on."),
) -> None:
    """Import an example study into a fresh database and run it through its flow on the model.

    bank-assistant (default): seed questions to the model, synthetic data
    generated, validated and exported. datathon: a two-session seed workshop.
    calma: familiarize, interact, reflect, discuss in two groups. diary:
    misalignment diaries and a group phase.
    """
    if study in EXAMPLE_FLOWS:
        if serve:
            raise InputError(f"--serve goes with the {DEFAULT_EXAMPLE} example only")
        with console.status("starting") as status:
            example = run_example_demo(
                study, out, model=state(ctx).model, progress=lambda line: status.update(line)
            )
        _print_example(example)
        return
    study_file = None if study in (None, DEFAULT_EXAMPLE) else Path(study)
    if study_file is not None and not study_file.is_file():
        raise InputError(
            f"--study {study}: no such file, and not a shipped example ({', '.join(EXAMPLE_NAMES)})"
        )
    with console.status("starting") as status:
        summary = run_demo(
            out,
            study_file=study_file,
            model=state(ctx).model,
            questions=questions,
            generate_questions=generate,
            progress=lambda line: status.update(line),
        )
    for question, answer in summary.answers:
        console.print(Panel(answer or "(empty answer)", title=question, title_align="left"))
    c = summary.counts
    calls = summary.calls
    console.print(
        f"[bold]study[/] {summary.study_title} ({summary.study_slug}): {c['dimensions']} dimensions, "
        f"{c['topics']} topics, {c['question_types']} question types\n"
        f"[bold]seeds[/] {c['seed_questions']} seed questions, {c['seed_examples']} seed examples\n"
        f"[bold]model[/] {summary.model_id}: {calls.total if calls else 0} calls logged "
        f"({calls.cache_hits if calls else 0} cache hits)\n"
        f"[bold]database[/] {summary.db_url}"
    )
    if summary.generation:
        run = summary.generation.run
        counts = "; ".join(
            f"{s.stage}: {s.planned} in, {s.ok} parsed, {s.failed} failed"
            + (f" ({s.truncated} cut off at max_tokens)" if s.truncated else "")
            for s in summary.generation.stages
        )
        console.print(
            f"[bold]synthetic data[/] run {run.id} ({run.status}): {counts}\n"
            f"[bold]records[/] coalign --db {summary.db_url.removeprefix('sqlite:///')} runs records {run.id[:12]}"
            " [--jsonl FILE]"
        )
    if summary.validation:
        v = summary.validation
        console.print(
            f"[bold]validation[/] {v.records} records, {v.verdicts_saved} verdicts: {v.accepted} accepted, "
            f"{v.rejected} rejected"
        )
    if summary.report:
        console.print(f"[bold]report[/] {summary.report} (numbers in report.json)")
    elif summary.report_note:
        console.print(f"[yellow]no report:[/] {summary.report_note}", soft_wrap=True)
    if summary.export:
        rows = ", ".join(f"{name} {n}" for name, n in summary.export.rows.items())
        console.print(
            f"[bold]dataset[/] {summary.export.out} ({rows} rows; card: README.md, croissant.json)",
            soft_wrap=True,
        )
    elif summary.export_note:
        console.print(f"[yellow]no dataset exported:[/] {summary.export_note}", soft_wrap=True)
    if serve:
        _serve(summary.db_url, summary.study_slug, host, port)


def _print_example(example: ExampleDemo) -> None:
    """One line per step of an example demo, then the model calls and the database."""
    console.print(f"[bold]study[/] {example.study_title} ({example.study_slug})")
    for step in example.steps:
        console.print(f"[bold]{step.name}[/] {step.summary}", soft_wrap=True)
    calls = example.calls
    console.print(
        f"[bold]model[/] {example.model_id}: {calls.total if calls else 0} calls logged\n"
        f"[bold]database[/] {example.db_url}",
        soft_wrap=True,
    )


def _serve(db_url: str, study_slug: str, host: str, port: int) -> None:
    """Add the demo campaign and an admin account, print how to get in, and serve the web app."""
    from coalign.web.server import serve as serve_app

    store = open_store(db_url)
    web = prepare_web_demo(store, study_slug)
    base = f"http://{host}:{port}"
    console.print(
        f"[bold]web app[/] {base}/\n"
        f"[bold]facilitator[/] {base}/login  user [bold]{web.username}[/]  password [bold]{web.password}[/]\n"
        f"[bold]participant (crowd link)[/] {base}{web.crowd_path}\n"
        f"[bold]participant (invite link)[/] {base}{web.invite_path}\n"
        "Ctrl+C stops the server."
    )
    serve_app(store, host, port)
