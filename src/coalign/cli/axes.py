"""``coalign axes …`` (deliberation report, axes as dimensions and rubrics) and ``coalign activities export``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
import yaml
from rich.table import Table

from coalign.cli.state import console, state
from coalign.coconstruct.axes import find_group
from coalign.coconstruct.axes_report import axes_report
from coalign.coconstruct.axis_dimensions import adopt_axis, axis_rubric
from coalign.core.errors import NotFoundError
from coalign.export.activities import export_activities
from coalign.store.studies import get_study

app = typer.Typer(
    help="Axes from deliberation: report, adopt as a dimension, judge rubric.", no_args_is_help=True
)
activities = typer.Typer(
    help="Co-construction activities: diaries, chats, codes, axes, workshops.", no_args_is_help=True
)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


@app.command("report")
def report(
    ctx: typer.Context,
    study: str = typer.Argument(..., help="Study slug."),
    group: str = typer.Argument(..., help="Discussion group name."),
    json_out: Path = typer.Option(None, "--json", help="Also write the full report as JSON here."),
) -> None:
    """Compare a group's axis rankings before and after discussion (rank changes, Kendall's tau-b, agreement)."""
    with state(ctx).store() as store:
        result = axes_report(store, study, find_group(store, study, group).id)
    table = Table(
        "axis", "mean rank before", "mean rank after", "mean change", "mean agreement (1-5)"
    )
    for axis in result.axes:
        table.add_row(
            axis.axis,
            _fmt(axis.mean_rank_before),
            _fmt(axis.mean_rank_after),
            _fmt(axis.mean_rank_change),
            _fmt(axis.mean_agreement),
        )
    console.print(table)
    for member in result.members:
        console.print(
            f"{member.participant_id}: Kendall's tau-b {_fmt(member.kendall_tau)}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"mean Kendall's tau-b: {_fmt(result.mean_kendall_tau)} over {len(result.members)} member(s)"
    )
    if result.goal:
        console.print(result.goal, highlight=False, soft_wrap=True)
    if json_out:
        json_out.write_text(result.model_dump_json(indent=2), encoding="utf-8")
        console.print(f"wrote {json_out}")


@app.command("adopt")
def adopt(
    ctx: typer.Context,
    study: str = typer.Argument(..., help="Study slug."),
    group: str = typer.Argument(..., help="Discussion group name."),
    axis: str = typer.Argument(..., help="Axis name."),
    name: str = typer.Option(
        None, "--as", help="Name of the new dimension (default: the axis name)."
    ),
) -> None:
    """Add an axis to the study's value dimensions (rating dimension, critique target in recipes)."""
    with state(ctx).store() as store:
        found = find_group(store, study, group)
        match = next((a for a in found.axes if a.name == axis), None)
        if match is None:
            raise NotFoundError(f"group {group!r} has no axis {axis!r}")
        dimension = adopt_axis(store, study, found.id, match.id, name)
    console.print(
        f"study {study}: new value dimension [bold]{dimension.name}[/] (origin derived_axis)"
    )


@app.command("rubric")
def rubric(
    ctx: typer.Context,
    study: str = typer.Argument(..., help="Study slug."),
    dimension: str = typer.Argument(..., help="A dimension of the study (e.g. an adopted axis)."),
    out: Path = typer.Argument(
        ..., help="Rubric YAML file to write (use with coalign validate --rubric)."
    ),
) -> None:
    """Write a judge rubric that scores responses on one dimension."""
    with state(ctx).store() as store:
        found = get_study(store, study)
    try:
        chosen = found.dimension(dimension)
    except KeyError:
        raise NotFoundError(f"study {study!r} has no dimension {dimension!r}") from None
    data = axis_rubric(chosen).model_dump(mode="json")
    out.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    console.print(f"wrote {out}")


@activities.command("export")
def export(
    ctx: typer.Context,
    study: str = typer.Argument(..., help="Study slug."),
    out: Path = typer.Argument(..., help="Folder for the JSONL files."),
) -> None:
    """Export the training and its check attempts, diaries, conversations, codes, axes, the groups'
    shares, decisions and axis rankings, verdicts on pairs of axes across groups, process
    feedback, seeds, seed decisions, session-2 handouts, reflection-board notes and the steered
    chat of a study as JSONL."""
    with state(ctx).store() as store:
        counts = export_activities(store, study, out)
    console.print(json.dumps(counts), highlight=False, soft_wrap=True)
    console.print(f"wrote {out}")
