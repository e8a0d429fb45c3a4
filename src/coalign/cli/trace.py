"""``coalign trace FOLDER ROW``: print the chain behind one exported row."""

from __future__ import annotations

from pathlib import Path

import typer

from coalign.cli.state import console


def trace(
    folder: Path = typer.Argument(..., help="An export folder (written by coalign export)."),
    row: str = typer.Argument(
        ..., help="FORMAT:INDEX (e.g. dpo:3, counting from 0), or a record, item or row id."
    ),
    format_name: str = typer.Option(
        None, "--format", "-f", help="The format to look in (for a bare index or an id)."
    ),
    base_url: str = typer.Option(
        "", "--base-url", help="Address of the coalign web app, to make the links absolute."
    ),
) -> None:
    """Print where an exported row came from: items, records, seeds, their origins, rater groups."""
    from coalign.export.trace import render_trace, trace_named_row

    found = trace_named_row(folder, row, format_name)
    console.print(render_trace(found, base_url), markup=False, highlight=False, soft_wrap=True)
