"""``coalign export (RUN | study:SLUG | campaign:SLUG) --format … --aggregate … --out DIR``."""

from __future__ import annotations

from pathlib import Path

import typer

from coalign.cli.state import console, state
from coalign.rating.exclusions import DEFAULT_MIN_MEDIAN_SECONDS, ExclusionPolicy


def _split(values: list[str] | None) -> list[str]:
    """Repeated options and comma-separated lists alike: ``-f dpo,kto -f sft``."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def export(
    ctx: typer.Context,
    source: str = typer.Argument(
        ..., help="A run id (or a unique prefix), study:SLUG or campaign:SLUG."
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Folder for the dataset (created; must be new or empty)."
    ),
    formats: list[str] = typer.Option(
        ["mitigator"],
        "--format",
        "-f",
        help="mitigator, sft, dpo, kto, attributes, annotators (repeatable or comma-separated).",
    ),
    aggregate: str = typer.Option(
        "none",
        "--aggregate",
        "-a",
        help="none (use no ratings), majority, mean, per-group, minority-preserving, distributional, "
        "dimension-aware.",
    ),
    dimension: list[str] = typer.Option(
        None, "--dimension", help="Dimension(s) to aggregate (default: all rated)."
    ),
    group_by: str = typer.Option(
        None, "--group-by", help="Demographic question for per-group / minority-preserving."
    ),
    min_group_raters: int = typer.Option(5, min=1, help="Fewest raters a group needs to count."),
    lower_is_better: list[str] = typer.Option(
        None, "--lower-is-better", help="Dimension where high is bad (repeatable)."
    ),
    threshold: float = typer.Option(
        4.0, help="KTO: mean oriented score at or above which a response is good."
    ),
    with_demographics: bool = typer.Option(
        False,
        "--with-demographics",
        help="Admins only: add each rater's demographic answers to annotators rows.",
    ),
    system_prompt: bool = typer.Option(
        True,
        "--system-prompt/--no-system-prompt",
        help="Start chat prompts with the study's system prompt.",
    ),
    license: str = typer.Option(
        "unknown", "--license", help="Licence id for the card, e.g. cc-by-4.0."
    ),
    name: str = typer.Option(
        None, "--name", help="Dataset name (default from the study and source)."
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a non-empty --out folder."),
    propagation_report: Path = typer.Option(
        None,
        "--propagation-report",
        help="The run's report.json from `coalign report`, for the card.",
    ),
    comparison_report: Path = typer.Option(
        None,
        "--comparison-report",
        help="A comparison.json from `coalign report RUN_A RUN_B …` that includes this run.",
    ),
    allow_empty: bool = typer.Option(
        False, "--allow-empty", help="Write a format even when no row survives."
    ),
    include: list[str] = typer.Option(
        None,
        "--include",
        help="Keep raters flagged for this reason (repeatable): failed-attention, too-fast or "
        "incomplete. By default all three are left out, counted in the card.",
    ),
    min_median_seconds: float = typer.Option(
        DEFAULT_MIN_MEDIAN_SECONDS,
        "--min-median-seconds",
        help="Raters whose median seconds per item is below this rated too fast.",
    ),
) -> None:
    """Export training data with a dataset card and a Croissant file generated from the store."""
    from coalign.export import AggregationChoice, ExportOptions, export_dataset

    options = ExportOptions(
        formats=_split(formats),
        aggregation=AggregationChoice(
            strategy=aggregate,
            dimensions=_split(dimension),
            group_by=group_by,
            min_group_raters=min_group_raters,
            lower_is_better=_split(lower_is_better),
            threshold=threshold,
        ),
        with_demographics=with_demographics,
        system_prompt=system_prompt,
        license=license,
        name=name,
        overwrite=overwrite,
        propagation_report=propagation_report,
        comparison_report=comparison_report,
        allow_empty=allow_empty,
        exclusions=ExclusionPolicy.including(include or [], min_median_seconds),
    )
    with state(ctx).store() as store:
        result = export_dataset(store, source, out, options)
    for fmt, rows in result.rows.items():
        console.print(f"[bold]{fmt}[/] {rows} rows", soft_wrap=True)
    if result.exclusions is not None and result.exclusions.left_out:
        left = result.exclusions
        counts = ", ".join(f"{r} {n}" for r, n in left.by_reason.items() if n)
        console.print(
            f"left out {len(left.left_out)} of {left.raters} raters ({counts}); "
            "--include REASON keeps them",
            soft_wrap=True,
        )
    for report in result.reports:
        dropped = ", ".join(f"{why}: {n}" for why, n in report.dropped.items()) or "nothing"
        console.print(
            f"{report.format} ({report.rule}): {report.kept} of {report.candidates} kept; dropped {dropped}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"dataset: {result.out} (README.md, croissant.json, {len(result.files)} files)",
        soft_wrap=True,
    )
