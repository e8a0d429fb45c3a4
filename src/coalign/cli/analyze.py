"""``coalign analyze SOURCE --out DIR``: the pluralistic analysis of a rating set.

SOURCE is a long-format ratings file (CSV/TSV/Parquet: item, rater, dimension,
value and covariate columns at the rater, item or rating level), the slug of a
study whose ratings are in the store, or ``campaign:SLUG`` for one rating
campaign's ratings. Stored ratings leave out raters who failed an attention check, rated too
fast or did not finish, unless ``--include`` keeps them (:mod:`coalign.rating.exclusions`); the
report counts who was left out and why.
"""

from __future__ import annotations

from pathlib import Path

import typer

from coalign.cli.state import console, state
from coalign.core.errors import InputError
from coalign.rating.exclusions import DEFAULT_MIN_MEDIAN_SECONDS, ExclusionPolicy


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, level = value.partition("=")
        if not sep or not key or not level:
            raise InputError(f"{option} takes COLUMN=LEVEL, got '{value}'")
        out[key.strip()] = level.strip()
    return out


def analyze(
    ctx: typer.Context,
    source: str = typer.Argument(
        ...,
        help="Long-format ratings file (.csv, .tsv, .parquet), a study slug (or study:SLUG) "
        "or campaign:SLUG (campaign:STUDY/SLUG) in the store.",
    ),
    out: Path = typer.Option(
        Path("analysis"), "--out", "-o", help="Folder for report.html and the tables."
    ),
    demographic: list[str] = typer.Option(
        None,
        "--demographic",
        "-d",
        help="Demographic column to break results down by (repeatable; default: every column "
        "constant for each rater).",
    ),
    reference: list[str] = typer.Option(
        None, "--reference", help="Reference level, COLUMN=LEVEL (repeatable)."
    ),
    keep_prefer_not_to_say: bool = typer.Option(
        False,
        "--keep-prefer-not-to-say",
        help="Keep 'prefer not to say' as its own level instead of dropping it.",
    ),
    threshold: float = typer.Option(
        4.0, help="Rating at or above which a dimension counts as high."
    ),
    method: str = typer.Option(
        "laplace", help="'laplace' (crossed intercepts) or 'agq' (with --random rater)."
    ),
    random: list[str] = typer.Option(
        None, "--random", help="Random-intercept column (repeatable; default rater, item)."
    ),
    n_boot: int = typer.Option(500, help="Bootstrap resamples for agreement intervals."),
    fixed: list[str] = typer.Option(
        None,
        "--fixed",
        help="Fixed effect of the mixed model, any level (repeatable; default: the demographics "
        "plus every item- and rating-level column not used as a random intercept).",
    ),
    where: list[str] = typer.Option(
        None,
        "--where",
        help="Analyse only ratings with COLUMN=VALUE, e.g. answer_gender=yes (repeatable; "
        "the same column twice keeps either value).",
    ),
    merge: list[str] = typer.Option(
        None,
        "--merge",
        help="Merge levels before analysing, COLUMN:OLD1+OLD2=NEW (repeatable).",
    ),
    merges: Path = typer.Option(
        None,
        "--merges",
        help="YAML file of merges, {column: {new_level: [old_level, ...]}}.",
    ),
    show_small_groups: bool = typer.Option(
        False,
        "--show-small-groups",
        help="Show statistics of demographic groups with fewer than 5 raters (hidden by default).",
    ),
    include: list[str] = typer.Option(
        None,
        "--include",
        help="Keep raters of stored ratings flagged for this reason (repeatable): "
        "failed-attention, too-fast or incomplete. By default all three are left out, "
        "counted in the report's Exclusions section.",
    ),
    min_median_seconds: float = typer.Option(
        DEFAULT_MIN_MEDIAN_SECONDS,
        "--min-median-seconds",
        help="Raters whose median seconds per item is below this rated too fast.",
    ),
) -> None:
    """Agreement, demographic effects (ordinal mixed models), conflicting values and disagreement."""
    from coalign.analysis import (
        AnalysisOptions,
        load_campaign_ratings,
        load_long_format,
        load_study_ratings,
    )
    from coalign.analysis import analyze as run
    from coalign.analysis.selection import combine_merges, load_merges, parse_merge, parse_where

    if method not in ("laplace", "agq"):
        raise InputError(f"--method must be 'laplace' or 'agq', got '{method}'")
    options = AnalysisOptions(
        demographics=list(demographic or []) or None,
        reference=_pairs(reference or [], "--reference"),
        prefer_not_to_say="level" if keep_prefer_not_to_say else "drop",
        random=tuple(random) if random else ("rater", "item"),
        method=method,  # type: ignore[arg-type]
        high_threshold=threshold,
        n_boot=n_boot,
        fixed_effects=list(fixed or []) or None,
        where=parse_where(where or []),
        merges=combine_merges(
            ([load_merges(merges)] if merges else []) + [parse_merge(m) for m in merge or []]
        ),
        show_small_groups=show_small_groups,
    )
    policy = ExclusionPolicy.including(include or [], min_median_seconds)
    prefix, sep, name = source.partition(":")
    path = Path(source)
    if sep and prefix == "campaign":
        frame = load_campaign_ratings(state(ctx).store(), name, policy=policy)
    elif sep and prefix == "study":
        frame = load_study_ratings(state(ctx).store(), name, policy=policy)
    elif path.suffix.lower() in (".csv", ".tsv", ".parquet", ".pq") or path.exists():
        frame = load_long_format(path)
    else:
        frame = load_study_ratings(state(ctx).store(), source, policy=policy)
    result = run(frame, options, out)
    console.print(
        f"analysed {result.n_ratings} ratings by {result.n_raters} raters on {result.n_items} items "
        f"({', '.join(result.dimensions)})"
    )
    if result.exclusions is not None and result.exclusions.left_out:
        counts = ", ".join(f"{r} {n}" for r, n in result.exclusions.by_reason.items() if n)
        console.print(
            f"left out {len(result.exclusions.left_out)} of {result.exclusions.raters} raters "
            f"({counts}); --include REASON keeps them"
        )
    for dim, error in result.model_errors.items():
        console.print(f"[yellow]no model for {dim}:[/] {error}", highlight=False)
    levels = ", ".join(f"{col} ({level})" for col, level in result.column_levels.items())
    if levels:
        console.print(f"columns: {levels}", highlight=False)
    console.print(f"report: {result.files['report']}")
