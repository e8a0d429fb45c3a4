"""``coalign activities handout`` and ``coalign activities boards``: a seed workshop's session-2
handout and its reflection boards from the command line."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from coalign.cli.runs import StageBar, stage_progress
from coalign.cli.state import console, state
from coalign.coconstruct.workshop import find_workshop
from coalign.coconstruct.workshop_handout import HANDOUT_SIZE, run_handout, start_handout
from coalign.core.errors import InputError, ModelError
from coalign.export.boards import export_boards
from coalign.llm import load_model


def _dimensions(pairs: list[str]) -> dict[str, str]:
    """``GROUP=DIMENSION`` options → ``{group: dimension}``."""
    out: dict[str, str] = {}
    for pair in pairs:
        group, sep, dimension = pair.partition("=")
        if not sep or not group.strip() or not dimension.strip():
            raise InputError(f"--dimension takes GROUP=DIMENSION, not {pair!r}")
        out[group.strip()] = dimension.strip()
    return out


def handout(
    ctx: typer.Context,
    study: str = typer.Argument(..., help="Study slug."),
    workshop: str = typer.Argument(..., help="Workshop slug."),
    dimension: list[str] = typer.Option(
        ..., "--dimension", "-d", help="GROUP=DIMENSION, once for every breakout group."
    ),
    size: int = typer.Option(HANDOUT_SIZE, "--size", help="Questions per group."),
    moderator: str = typer.Option(
        "cli", "--by", help="Who assigns the dimensions (kept with the handout)."
    ),
) -> None:
    """Assign each breakout group a value dimension and generate its session-2 questions.

    The questions come from one generation run per group, seeded only by the workshop's
    accepted session-1 seed questions (see `coalign runs list`, `coalign trace`). Run it again
    to retry groups whose run did not finish.
    """
    cli = state(ctx)
    with cli.store() as store:
        found = find_workshop(store, study, workshop)
        model = load_model(cli.model, log=store)
        start_handout(
            store, study, found.id, _dimensions(dimension), model.model_id, moderator, size
        )
        with stage_progress() as progress:
            handouts = run_handout(store, study, found.id, model, StageBar(progress))
    table = Table("group", "dimension", "run", "status", "questions")
    for h in handouts:
        table.add_row(
            h.group,
            h.dimension.name if h.dimension else "–",
            (h.run_id or "–")[:16],
            h.status or "–",
            f"{len(h.questions)} of {h.planned}",
        )
    console.print(table)
    for h in handouts:
        for q in h.questions:
            console.print(f"{h.group}\t{q.record_id}\t{q.question}", highlight=False, markup=False)
    stopped = [h for h in handouts if h.status != "done"]
    if stopped:
        reasons = "; ".join(f"{h.group}: {h.reason or h.status}" for h in stopped)
        raise ModelError(f"the questions of some groups were not written ({reasons}); run again")


def boards(
    ctx: typer.Context,
    study: str = typer.Argument(..., help="Study slug."),
    out: Path = typer.Argument(..., help="A .csv or .jsonl file to write."),
    workshop: str = typer.Option(None, "--workshop", "-w", help="Only this workshop's boards."),
) -> None:
    """Export the reflection boards' notes with session, group, author, time, reactions, codes."""
    with state(ctx).store() as store:
        workshop_id = find_workshop(store, study, workshop).id if workshop else None
        count = export_boards(store, study, out, workshop_id)
    console.print(f"wrote {count} notes to {out}")
