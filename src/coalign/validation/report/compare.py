"""Runs side by side: which model, recipe or template gives the most usable data, at what cost.

Study 002 asks researchers to justify their choice of auxiliary model. :func:`compare_runs` puts
runs of one study next to each other: parse failures and truncation, kept rates per stage, the
copy rate (records failing the ``seed_copy`` rule), divergences from the seeds (Jensen–Shannon of
each distribution of the propagation report), the LLM judge's mean scores, and what the records
cost: generated tokens per second of model time, and tokens and model seconds per kept record
(calls answered from the cache cost nothing and are counted apart). ``write_comparison`` writes
``comparison.html`` and ``comparison.json``; an export can cite the JSON in its card.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from coalign.core.calls import generation_purpose
from coalign.core.errors import InputError
from coalign.pages.page import Page
from coalign.store import Store
from coalign.store.calls import usage_by_purpose
from coalign.store.runs import get_run, record_counts
from coalign.store.verdicts import mean_scores
from coalign.validation.metrics.embeddings import Embedder
from coalign.validation.report.kept import StageKept, kept_rates
from coalign.validation.report.run import build_report

#: The rule whose failures count as copies of seeds (see ``validation.rules.copies``).
COPY_RULE = "seed_copy"
JUDGE_PREFIX = "relevance:"


class RunSummary(BaseModel):
    """One run's figures on the comparison page."""

    run_id: str
    study_slug: str
    model_id: str
    recipe_name: str
    records: int
    parse_failures: int
    truncated: int
    kept: list[StageKept]
    copy_rate: dict[str, float | None] = Field(default_factory=dict)
    divergences: dict[str, float | None] = Field(default_factory=dict)
    judge_scores: dict[str, float] = Field(default_factory=dict)
    calls: int = 0
    cache_hits: int = 0
    tokens: int = 0
    model_seconds: float = 0.0
    tokens_per_second: float | None = None
    tokens_per_kept: float | None = None
    seconds_per_kept: float | None = None


class RunComparison(BaseModel):
    """Every number of ``comparison.json``."""

    runs: list[RunSummary]


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


def summarize_run(
    store: Store,
    run_id: str,
    *,
    embedder_factory: Callable[[], Embedder] | None = None,
    parse: bool = False,
) -> RunSummary:
    """The comparison figures of one run.

    Raises:
        NotFoundError: no such run.
        InputError: the run has no parsed records (no divergences can be computed).
    """
    run = get_run(store, run_id)
    counts = record_counts(store, run.id)
    kept = kept_rates(store, run.id)
    report = build_report(store, run.id, embedder_factory=embedder_factory, parse=parse)
    pool = (report.questions.comparisons if report.questions else []) + report.responses
    usage = usage_by_purpose(store, generation_purpose(run.id))
    tokens = usage.prompt_tokens + usage.completion_tokens
    kept_records = sum(k.kept for k in kept)
    return RunSummary(
        run_id=run.id,
        study_slug=run.study_slug,
        model_id=run.model_id,
        recipe_name=run.recipe_name,
        records=sum(sum(c.values()) for c in counts.values()),
        parse_failures=sum(c.get("failed", 0) for c in counts.values()),
        truncated=sum(c.get("truncated", 0) for c in counts.values()),
        kept=kept,
        copy_rate={
            k.stage: None if r.share is None else round(1.0 - r.share, 4)
            for k in kept
            for r in k.rules
            if r.rule == COPY_RULE
        },
        divergences={c.name: c.jensen_shannon for c in pool},
        judge_scores={
            rule.removeprefix(JUDGE_PREFIX): round(mean, 3)
            for rule, (_, mean) in mean_scores(store, run.id, JUDGE_PREFIX).items()
        },
        calls=usage.calls,
        cache_hits=usage.cache_hits,
        tokens=tokens,
        model_seconds=round(usage.seconds, 2),
        tokens_per_second=_ratio(usage.completion_tokens, usage.seconds),
        tokens_per_kept=_ratio(tokens, kept_records),
        seconds_per_kept=_ratio(usage.seconds, kept_records),
    )


def compare_runs(
    store: Store,
    run_ids: Sequence[str],
    *,
    embedder_factory: Callable[[], Embedder] | None = None,
    parse: bool = False,
) -> RunComparison:
    """The figures of two or more runs of one study, in the order given.

    Raises:
        InputError: fewer than two runs, a run named twice, or runs of different studies.
        NotFoundError: no such run.
    """
    if len(run_ids) < 2:
        raise InputError("name at least two runs to compare")
    summaries = [
        summarize_run(store, r, embedder_factory=embedder_factory, parse=parse) for r in run_ids
    ]
    ids = [s.run_id for s in summaries]
    if len(set(ids)) < len(ids):
        raise InputError("a run is named twice")
    studies = sorted({s.study_slug for s in summaries})
    if len(studies) > 1:
        raise InputError(
            f"runs of different studies ({', '.join(studies)}) cannot be compared: "
            "their seeds differ"
        )
    return RunComparison(runs=summaries)


def _fmt(value: float | int | None, pattern: str = "{:.3f}") -> str:
    if value is None:
        return "–"
    return str(value) if isinstance(value, int) else pattern.format(value)


def render_comparison(comparison: RunComparison) -> Page:
    """The comparison as a page: one column per run, one row per figure."""
    runs = comparison.runs
    page = Page(
        f"Runs compared — study {runs[0].study_slug}",
        subtitle=", ".join(f"{r.run_id[:16]} ({r.model_id})" for r in runs),
    )
    head = ["figure"] + [r.run_id[:16] for r in runs]
    s = page.section("Runs")
    s.rows(
        head,
        [
            ["model"] + [r.model_id for r in runs],
            ["recipe"] + [r.recipe_name for r in runs],
            ["records"] + [r.records for r in runs],
            ["parse failures"] + [r.parse_failures for r in runs],
            ["stopped at max_tokens"] + [r.truncated for r in runs],
        ],
    )
    s = page.section("Kept and copied")
    stages = list(dict.fromkeys(k.stage for r in runs for k in r.kept))
    rows: list[list[str]] = []
    for stage in stages:
        per_run = [{k.stage: k for k in r.kept}.get(stage) for r in runs]
        rows.append(
            [f"{stage}: kept"]
            + [
                "–" if k is None else f"{k.kept} of {k.generated} ({_fmt(k.share, '{:.1%}')})"
                for k in per_run
            ]
        )
        rows.append(
            [f"{stage}: copies of seeds"] + [_fmt(r.copy_rate.get(stage), "{:.1%}") for r in runs]
        )
    s.rows(
        head,
        rows,
        caption="Kept: parsed and failing no current verdict; copies: records failing seed_copy",
    )
    s = page.section("Divergence from the seeds")
    names = list(dict.fromkeys(n for r in runs for n in r.divergences))
    s.rows(
        head,
        [[name] + [_fmt(r.divergences.get(name)) for r in runs] for name in names],
        caption="Jensen–Shannon divergence between seeds and synthetic data (0 = same distribution)",
    )
    dimensions = list(dict.fromkeys(d for r in runs for d in r.judge_scores))
    if dimensions:
        s = page.section("LLM judge")
        s.rows(
            head,
            [[d] + [_fmt(r.judge_scores.get(d)) for r in runs] for d in dimensions],
            caption="Mean judge score per rubric dimension (1–5)",
        )
    s = page.section("Cost")
    s.rows(
        head,
        [
            ["model calls (from cache)"] + [f"{r.calls} ({r.cache_hits})" for r in runs],
            ["tokens (prompt + completion)"] + [r.tokens for r in runs],
            ["model seconds"] + [_fmt(r.model_seconds, "{:.1f}") for r in runs],
            ["generated tokens per second"] + [_fmt(r.tokens_per_second, "{:.1f}") for r in runs],
            ["tokens per kept record"] + [_fmt(r.tokens_per_kept, "{:.0f}") for r in runs],
            ["model seconds per kept record"] + [_fmt(r.seconds_per_kept, "{:.2f}") for r in runs],
        ],
        caption="Calls answered from the cache cost no tokens or time here",
    )
    return page


def write_comparison(comparison: RunComparison, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``comparison.html`` and ``comparison.json`` into ``out_dir`` (created if needed).

    Raises:
        InputError: the folder cannot be written.
    """
    out = Path(out_dir)
    html_path = render_comparison(comparison).write(out / "comparison.html")
    json_path = out / "comparison.json"
    try:
        json_path.write_text(comparison.model_dump_json(indent=2), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {json_path}: {exc}") from exc
    return html_path, json_path
