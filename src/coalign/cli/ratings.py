"""``coalign ratings …``: rating data sets collected elsewhere, imported into a study."""

from __future__ import annotations

from pathlib import Path

import typer

from coalign.cli.state import console, state
from coalign.rating.imports import import_ratings

app = typer.Typer(
    help="Ratings: import a rating data set collected elsewhere (long or wide format).",
    no_args_is_help=True,
)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The ratings file (.csv, or .tsv with tabs)."),
    mapping: Path = typer.Option(
        ...,
        "--mapping",
        "-m",
        help="Mapping file (YAML): study, columns, dimensions, demographics, recode, campaign.",
    ),
    check: bool = typer.Option(
        False, "--check", help="Check the file and say what it would add, writing nothing."
    ),
) -> None:
    """Import items, raters, their demographic answers and ratings, all or nothing; importing the
    same file again changes nothing."""
    summary = import_ratings(state(ctx).store(), file, mapping, check_only=check)
    where = f"campaign {summary.campaign}" if summary.campaign else f"study {summary.study}"
    verb = "checked (nothing written)" if check else "imported"
    console.print(
        f"{verb} {file.name} into {where} (data set {summary.dataset!r}):\n"
        f"  items: {summary.items} ({summary.new_items} new)\n"
        f"  raters: {summary.raters} ({summary.new_raters} new)\n"
        f"  ratings: {summary.ratings} ({summary.new_ratings} new) on "
        f"{', '.join(summary.dimensions)}\n"
        f"  demographic answers: {summary.answers} ({summary.new_answers} new)"
        + (f" to {', '.join(summary.questions)}" if summary.questions else ""),
        highlight=False,
        soft_wrap=True,
    )
    if summary.withdrawn:
        console.print(
            f"  left out: {summary.withdrawn} rater(s) who withdrew from the study, with their rows",
            highlight=False,
        )
    if not summary.changed:
        console.print("nothing new: the store holds all of it already", highlight=False)
