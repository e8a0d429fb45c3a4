"""``export``: one call from a run, campaign or study to a documented dataset folder.

The folder is built beside its destination and moved into place only when every file, the
card and the Croissant file are written, so a failed export leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

import coalign
from coalign.core.errors import InputError
from coalign.export import formats as fmt
from coalign.export.aggregate import (
    GROUPED,
    STRATEGIES,
    AggregationChoice,
    RatingSet,
    aggregate,
    check_choice,
)
from coalign.export.card import limitations, render_card, uses
from coalign.export.croissant import croissant
from coalign.export.facts import (
    CardFacts,
    RecordTally,
    aggregation_facts,
    comparison_facts,
    participation_facts,
    producer_facts,
    propagation_facts,
    run_facts,
    study_facts,
)
from coalign.export.lineage import LineageResolver, LineageTally, with_lineage
from coalign.export.pairs import DropReport, good_bad_labels, preference_pairs
from coalign.export.sources import (
    Source,
    item_record_ids,
    load_ratings,
    resolve_source,
    source_items,
)
from coalign.export.triples import accepted_triples
from coalign.export.writers import FormatWriter, require_export_extra, sha256_file
from coalign.rating.exclusions import ExclusionPolicy, Exclusions
from coalign.store import Store
from coalign.store.ratings import detail_columns
from coalign.store.runs import get_run

if TYPE_CHECKING:
    import pyarrow as pa


_LINEAGE_BATCH = 500


class ExportOptions(BaseModel):
    """What to export and how.

    Attributes:
        formats: names from :data:`coalign.export.formats.FORMATS`.
        aggregation: the recorded aggregation choice; ``none`` uses no ratings.
        with_demographics: add raters' demographic answers to ``annotators`` rows (admins only;
            the item's context, display language and per-item answers are always there).
        system_prompt: put the study's system prompt at the start of chat prompts.
        license: the licence written into the card (an SPDX-style id, or ``unknown``).
        name: the dataset's name (default from the study and source).
        overwrite: replace a non-empty output folder.
        propagation_report: a run's ``report.json`` (``coalign report``) whose seed → synthetic
            figures go into the card.
        comparison_report: a ``comparison.json`` (``coalign report RUN_A RUN_B …``) that includes
            the exported run: the card records how the run compared with the others.
        allow_empty: write a format even when no row survives (its card then says why),
            instead of refusing.
        exclusions: whose ratings are left out (by default raters who failed an attention
            check, rated too fast or did not finish); the card counts them by reason.
    """

    formats: list[str] = Field(default_factory=lambda: ["mitigator"])
    aggregation: AggregationChoice = Field(default_factory=AggregationChoice)
    with_demographics: bool = False
    system_prompt: bool = True
    license: str = "unknown"
    name: str | None = None
    overwrite: bool = False
    propagation_report: Path | None = None
    comparison_report: Path | None = None
    allow_empty: bool = False
    exclusions: ExclusionPolicy = Field(default_factory=ExclusionPolicy)


class ExportResult(BaseModel):
    """Where the export went, rows per format, what each rule dropped, every file's checksum,
    and who the exclusion policy left out of the ratings (``None`` when none were read)."""

    out: Path
    rows: dict[str, int]
    reports: list[DropReport]
    files: dict[str, dict[str, Any]]
    exclusions: Exclusions | None = None


def check_options(source: Source, options: ExportOptions) -> None:
    """Refuse unknown names and options that contradict each other, naming what is wrong.

    Raises:
        InputError: an unknown format or strategy, or a combination that cannot work.
    """
    choice = options.aggregation
    if not options.formats:
        raise InputError("choose at least one --format: " + ", ".join(fmt.FORMATS))
    unknown = [f for f in options.formats if f not in fmt.FORMATS]
    if unknown:
        raise InputError(f"unknown format(s) {unknown}; formats: {', '.join(fmt.FORMATS)}")
    if choice.strategy not in STRATEGIES:
        raise InputError(
            f"unknown aggregation {choice.strategy!r}; choose one of {', '.join(STRATEGIES)}"
        )
    for name in options.formats:
        if source.kind != "run" and not fmt.uses_ratings(name, choice):
            reason = (
                "rows come from a generation run's triples"
                if not fmt.FORMATS[name].from_ratings
                else "rows without --aggregate come from a generation run's triples"
            )
            raise InputError(
                f"--format {name}: {reason}, and {source.name} is not a run; export a run, "
                "or pass --aggregate to build it from ratings"
            )
    if "attributes" in options.formats and choice.strategy in ("none", "dimension-aware"):
        raise InputError(
            "--format attributes needs a per-item aggregation: pass --aggregate majority, mean, "
            "per-group, minority-preserving or distributional"
        )
    if choice.strategy == "distributional" and {"dpo", "kto"} & set(options.formats):
        raise InputError(
            "--aggregate distributional gives soft labels, which dpo and kto cannot hold: use it with "
            "--format attributes or annotators"
        )
    if choice.strategy == "dimension-aware" and "kto" in options.formats:
        raise InputError(
            "--aggregate dimension-aware is a rule for preference pairs: use it with --format dpo"
        )
    if choice.group_by and choice.strategy not in GROUPED:
        raise InputError(
            f"--group-by is used only by --aggregate {' or '.join(GROUPED)}, not {choice.strategy!r}"
        )
    if options.with_demographics and "annotators" not in options.formats:
        raise InputError("--with-demographics applies only to --format annotators")
    if options.propagation_report is not None and source.kind != "run":
        raise InputError("--propagation-report describes a generation run; the source is not a run")
    if options.comparison_report is not None and source.kind != "run":
        raise InputError("--comparison-report compares generation runs; the source is not a run")
    if choice.strategy == "none" and (choice.dimensions or choice.lower_is_better):
        raise InputError(
            "--dimension and --lower-is-better choose how ratings are aggregated: pass --aggregate too"
        )


def _prepare(out: Path, overwrite: bool) -> Path:
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not overwrite:
        raise InputError(
            f"{out} exists and is not empty: choose a new --out folder or pass --overwrite"
        )
    if not out.parent.is_dir():
        raise InputError(f"cannot write to {out}: folder {out.parent} does not exist")
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def _checksum(path: Path) -> dict[str, Any]:
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


def _checksums(folder: Path) -> dict[str, dict[str, Any]]:
    paths = sorted(p for p in folder.rglob("*") if p.is_file())
    return {path.relative_to(folder).as_posix(): _checksum(path) for path in paths}


def _write_triples(
    store: Store,
    source: Source,
    names: list[str],
    staging: Path,
    system: str | None,
    schemas: dict[str, pa.Schema],
    tally: RecordTally,
    resolver: LineageResolver,
    lineage: LineageTally,
) -> dict[str, int]:
    writers = {}
    try:
        for name in names:
            schemas[name] = fmt.schema(name)
            writers[name] = FormatWriter(staging, name, schemas[name], provenance=True)
        triples = accepted_triples(store, source.run.id if source.run else "")
        while batch := list(islice(triples, _LINEAGE_BATCH)):
            resolver.load_records(t.record.id for t in batch)  # one query per batch and level
            for triple in batch:
                tally.add(triple)
                resolved = resolver.for_records([triple.record.id])
                document = resolved.document()
                for name, writer in writers.items():
                    for row, provenance in fmt.triple_rows(name, triple, system):
                        lineage.add(name, resolved)
                        writer.write(row, {**provenance, "lineage": document})
            resolver.forget_records()
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
    for writer in writers.values():
        writer.close()
    return {name: w.rows for name, w in writers.items()}


def _write_rated(
    name: str,
    ratings: RatingSet,
    items: dict[str, Any],
    options: ExportOptions,
    staging: Path,
    system: str | None,
    schemas: dict[str, pa.Schema],
    resolver: LineageResolver,
    lineage: LineageTally,
) -> tuple[int, DropReport | None]:
    choice = options.aggregation
    dims = check_choice(choice, ratings) if choice.strategy != "none" else ratings.dimensions
    report: DropReport | None = None
    if name == "annotators":
        extra = detail_columns(ratings.frame) + (
            ratings.demographics if options.with_demographics else []
        )
        schemas[name] = fmt.schema(name, columns=extra)
        rows = fmt.annotator_rows(ratings, items, extra)
    else:
        scores = aggregate(ratings, choice)
        schemas[name] = fmt.schema(name, dimensions=dims)
        if name == "attributes":
            agreeing = choice.strategy != "minority-preserving"
            rows = fmt.attribute_rows(scores, items, dims, keep_agreeing_groups=agreeing)
        elif name == "dpo":
            pairs, report = preference_pairs(scores, items, ratings, choice)
            rows = fmt.pair_rows(pairs, items, system)
        else:
            labels, report = good_bad_labels(scores, ratings, choice)
            rows = fmt.label_rows(labels, items, system)
    with FormatWriter(staging, name, schemas[name], provenance=True) as writer:
        writer.write_all(with_lineage(rows, resolver, items, lineage, name))
    return writer.rows, report


def export_dataset(
    store: Store, source_name: str, out: Path, options: ExportOptions
) -> ExportResult:
    """Export ``source_name`` (a run id, ``study:SLUG`` or ``campaign:SLUG``) into folder ``out``.

    Writes ``data/<format>.jsonl`` and ``.parquet``, (``datasets.load_dataset(<folder>, <format>)`` reads the Parquet),
    ``provenance/<format>.jsonl`` for TRL formats, ``croissant.json`` and the card ``README.md``.

    Raises:
        NotFoundError: no such run, study or campaign.
        InputError: contradicting options, missing ratings or groups, or nothing to export.
    """
    require_export_extra()
    source = resolve_source(store, source_name)
    check_options(source, options)
    propagation = (
        propagation_facts(options.propagation_report, source.run.id)
        if options.propagation_report is not None and source.run is not None
        else {}
    )
    comparison = (
        comparison_facts(options.comparison_report, source.run.id)
        if options.comparison_report is not None and source.run is not None
        else {}
    )
    choice = options.aggregation
    rated = [n for n in options.formats if fmt.uses_ratings(n, choice)]
    triple_formats = [n for n in options.formats if n not in rated]
    items = source_items(store, source)
    try:  # a run's ratings, if any, are described in the card even when no format uses them
        ratings: RatingSet | None = load_ratings(
            store,
            source,
            items,
            needed_for=f"--format {(rated or ['?'])[0]}",
            policy=options.exclusions,
        )
    except InputError:
        if rated:
            raise
        ratings = None
    if ratings is not None and choice.strategy != "none":
        check_choice(choice, ratings)
    system = (source.study.system_prompt or None) if options.system_prompt else None
    staging = _prepare(out, options.overwrite)
    try:
        schemas: dict[str, pa.Schema] = {}
        tally = RecordTally()
        resolver = LineageResolver(store, source.study.slug)
        lineage = LineageTally(on_new_record=tally.add_producer)  # stage-1 parents too
        rows = (
            _write_triples(
                store, source, triple_formats, staging, system, schemas, tally, resolver, lineage
            )
            if triple_formats
            else {}
        )
        reports = []
        if rated and ratings is not None:
            resolver.load_records(item_record_ids(items, ratings))
            resolver.load_ratings(ratings.frame)
            for name in rated:
                rows[name], report = _write_rated(
                    name, ratings, items, options, staging, system, schemas, resolver, lineage
                )
                if report:
                    reports.append(report)
        empty = [n for n in options.formats if not rows.get(n)]
        if empty and not options.allow_empty:
            why = "; ".join(f"{r.rule}: dropped {r.dropped}" for r in reports) or (
                "the run has no accepted records with a question, misaligned response, critique and aligned response"
                if source.kind == "run"
                else "no rated items"
            )
            raise InputError(f"nothing to export for --format {', '.join(empty)}: {why}")
        facts = _facts(store, source, options, tally, ratings, reports, rows, lineage)
        facts.propagation = propagation
        facts.comparison = comparison
        facts.files = _checksums(staging)  # every data file, hashed once
        document = json.dumps(croissant(facts, schemas), indent=2, ensure_ascii=False)
        (staging / "croissant.json").write_text(document, encoding="utf-8")
        facts.files["croissant.json"] = _checksum(
            staging / "croissant.json"
        )  # the card lists it too
        (staging / "README.md").write_text(render_card(facts), encoding="utf-8")
        files = {**facts.files, "README.md": _checksum(staging / "README.md")}
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(
        out=out,
        rows=rows,
        reports=reports,
        files=files,
        exclusions=ratings.exclusions if ratings is not None else None,
    )


def _facts(
    store: Store,
    source: Source,
    options: ExportOptions,
    tally: RecordTally,
    ratings: RatingSet | None,
    reports: list[DropReport],
    rows: dict[str, int],
    lineage: LineageTally,
) -> CardFacts:
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    short = (
        source.run.id[:12]
        if source.run
        else re.sub(r"[^A-Za-z0-9._-]+", "-", source.name.split(":", 1)[1])
    )
    made = producer_facts(tally)
    traced = {"study": source.study.slug, **lineage.facts()}
    generated_by = (
        get_run(store, traced["runs"][0])
        if source.run is None and len(traced["runs"]) == 1
        else None
    )
    run = run_facts(store, source, tally, generated_by)
    made["models"] += run.pop("judges", [])
    facts = CardFacts(
        name=options.name or f"{source.study.slug}-{short}",
        source=source.name,
        created_at=created,
        coalign_version=coalign.__version__,
        license=options.license,
        study=study_facts(source),
        formats={
            n: {
                "rows": rows[n],
                "description": fmt.FORMATS[n].description,
                "trl": fmt.FORMATS[n].trl,
            }
            for n in options.formats
        },
        participation=participation_facts(store, source, ratings),
        aggregation=aggregation_facts(options.aggregation, reports, ratings, options.formats),
        lineage=traced,
        **made,
        **run,
    )
    facts.limitations = limitations(facts)
    facts.intended_uses, facts.out_of_scope = uses(facts)
    return facts
