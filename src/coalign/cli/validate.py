"""``coalign validate``, ``coalign report`` and ``coalign review``: validation of a generation run.

* ``coalign validate RUN [--filters FILE] [--judge MODEL [--rubric FILE]]`` runs the filters and
  stores one verdict per record × rule (re-running replaces the current verdict, keeps the old);
* ``coalign report RUN --out DIR`` writes ``report.html`` and ``report.json`` (seeds vs synthetic);
* ``coalign review RUN`` walks a reviewer through a stratified sample (accept / reject + note);
  ``--record ID --accept|--reject --note TEXT`` records one decision; ``--agreement`` prints the
  agreement between human and automatic verdicts.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from coalign.cli.state import console, state
from coalign.core.errors import InputError
from coalign.core.records import Record


def validate(
    ctx: typer.Context,
    run: str = typer.Argument(..., help="Run id (a unique prefix is enough)."),
    filters: Path = typer.Option(
        None, "--filters", "-f", help="YAML filter file (default: the recipe's, else built-in)."
    ),
    judge: str = typer.Option(None, "--judge", help="Model string of an LLM relevance judge."),
    rubric: Path = typer.Option(
        None, "--rubric", help="Rubric YAML for the judge (default: the bundled one)."
    ),
    clean: bool = typer.Option(
        False,
        "--clean",
        help="Start a clean pass: earlier automatic verdicts stop counting (human reviews stay).",
    ),
    rule: list[str] = typer.Option(
        None, "--rule", help="Re-run only this filter (by name; repeat for several)."
    ),
) -> None:
    """Run filters (and an optional LLM judge) over a run's records and store their verdicts.

    Each verdict replaces the earlier verdict of the same filter on the same record; verdicts of
    filters this pass does not run stay in force, and the output lists them.
    """
    from coalign.validation.service import validate_run

    with state(ctx).store() as store, console.status("validating"):
        result = validate_run(
            store,
            run,
            filters_file=filters,
            judge_model=judge,
            rubric=str(rubric) if rubric else None,
            clean=clean,
            only=rule or None,
        )
    table = Table("filter", "rule", "checked", "failed", "seconds", "error")
    for f in result.filters:
        table.add_row(
            f.name, f.rule, str(f.checked), str(f.failed), f"{f.seconds:.1f}", f.error or ""
        )
    console.print(table)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if result.retired:
        console.print(f"clean pass: {result.retired} earlier automatic verdicts no longer count")
    if result.earlier_failures:
        still = ", ".join(f"{name} ({n})" for name, n in result.earlier_failures.items())
        console.print(
            f"[yellow]still in force from earlier passes:[/] failing verdicts of {still}; "
            "they keep rejecting records (--clean starts over)",
            highlight=False,
        )
    console.print(
        f"run {result.run_id}: {result.records} records, {result.verdicts_saved} verdicts; "
        f"accepted {result.accepted}, rejected {result.rejected}"
        + (
            f", {result.parent_rejected} more left out with their rejected question"
            if result.parent_rejected
            else ""
        )
    )


def report(
    ctx: typer.Context,
    runs: list[str] = typer.Argument(
        ..., help="Run id (a unique prefix is enough); two or more runs are compared side by side."
    ),
    out: Path = typer.Option(
        Path("report"),
        "--out",
        "-o",
        help="Folder for report.html and report.json (comparison.html and comparison.json).",
    ),
    no_parse: bool = typer.Option(False, "--no-parse", help="Skip the spaCy verb–noun analysis."),
    classifier: str = typer.Option(
        None,
        "--classifier",
        help="Model string of an LLM that also labels question format and kind.",
    ),
    classifier_sample: int = typer.Option(
        50, "--classifier-sample", min=1, help="Questions the LLM labels."
    ),
) -> None:
    """The propagation report: seeds vs synthetic distributions with divergences, validation, review.

    With two or more runs: one page that compares them (parse, truncation, kept and copy rates,
    divergences from the seeds, judge scores, tokens per second and per kept record).
    """
    from coalign.validation.report import report_run

    if len(runs) > 1:
        _compare(ctx, runs, out, parse=not no_parse)
        return
    (run,) = runs
    with state(ctx).store() as store, console.status("computing the report"):
        model = None
        if classifier is not None:
            from coalign.llm import load_model

            model = load_model(classifier, log=store)
        result, html_path, json_path = report_run(
            store,
            run,
            out,
            parse=not no_parse,
            classifier=model,
            classifier_sample=classifier_sample,
        )
    for comparison in (result.questions.comparisons if result.questions else []) + result.responses:
        js = "n/a" if comparison.jensen_shannon is None else f"{comparison.jensen_shannon:.3f}"
        console.print(f"  {comparison.name:<18} JS {js}")
    console.print(f"report: {html_path}\nnumbers: {json_path}")


def _compare(ctx: typer.Context, runs: list[str], out: Path, *, parse: bool) -> None:
    """Write the comparison page of ``runs`` and print its main figures."""
    from coalign.validation.report.compare import compare_runs, write_comparison

    with state(ctx).store() as store, console.status(f"comparing {len(runs)} runs"):
        comparison = compare_runs(store, runs, parse=parse)
        html_path, json_path = write_comparison(comparison, out)
    table = Table("run", "model", "kept", "tokens/s", "tokens per kept record")
    for r in comparison.runs:
        kept = sum(k.kept for k in r.kept)
        table.add_row(
            r.run_id[:16],
            r.model_id,
            f"{kept} of {r.records}",
            "n/a" if r.tokens_per_second is None else f"{r.tokens_per_second:.1f}",
            "n/a" if r.tokens_per_kept is None else f"{r.tokens_per_kept:.0f}",
        )
    console.print(table)
    console.print(f"comparison: {html_path}\nnumbers: {json_path}")


def _show(record: Record, failing: list[str]) -> None:
    """Print one record under review with the automatic checks it failed."""
    console.rule(
        f"{record.id}  [{record.stage}]  "
        + ", ".join(f"{k}={v}" for k, v in record.attributes.items())
    )
    for field, value in record.data.items():
        console.print(f"[bold]{field}[/]: {value}", highlight=False)
    console.print("automatic: " + ("; ".join(failing) if failing else "accepted"), highlight=False)


def review(
    ctx: typer.Context,
    run: str = typer.Argument(..., help="Run id (a unique prefix is enough)."),
    reviewer: str = typer.Option(
        "reviewer", "--reviewer", help="Your name or pseudonym, stored with decisions."
    ),
    size: int = typer.Option(30, "--size", min=1, help="Records in the stratified sample."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sample (same seed, same sample)."),
    record: str = typer.Option(
        None, "--record", help="Decide on one record instead of walking the sample."
    ),
    accept: bool = typer.Option(None, "--accept/--reject", help="With --record: the decision."),
    note: str = typer.Option("", "--note", help="With --record: why (required for a reject)."),
    show_agreement: bool = typer.Option(
        False, "--agreement", help="Print human vs automatic agreement and stop."
    ),
) -> None:
    """Review a stratified sample (topic × question type × verdict): accept or reject with a note.

    Rare strata and borderline records (rejected by one rule only) are oversampled. A second
    reviewer with the same --seed reviews the same sample; --agreement then shows how far the
    reviewers agree among themselves, next to human vs automatic.
    """
    from coalign.store.verdicts import list_verdicts
    from coalign.validation.review import agreement, draw_sample, record_review, reviewed_ids

    with state(ctx).store() as store:
        if show_agreement:
            a = agreement(store, run)
            kappa = "n/a" if a.kappa is None else f"{a.kappa:.3f}"
            observed = "n/a" if a.observed is None else f"{a.observed:.3f}"
            console.print(f"{a.n} decisions; observed agreement {observed}; Cohen's kappa {kappa}")
            table = Table("human \\ automatic", "accept", "reject")
            for h in ("accept", "reject"):
                table.add_row(h, str(a.confusion[h]["accept"]), str(a.confusion[h]["reject"]))
            console.print(table)
            for pair in a.between_reviewers:
                kappa = "n/a" if pair.kappa is None else f"{pair.kappa:.3f}"
                console.print(
                    f"{pair.first} and {pair.second}: {pair.n} records both decided; "
                    f"observed agreement {pair.observed:.3f}; Cohen's kappa {kappa}"
                )
            return
        if record is not None:
            if accept is None:
                raise InputError("--record needs --accept or --reject")
            v = record_review(store, run, record, accept=accept, note=note, reviewer=reviewer)
            console.print(f"{'accepted' if v.passed else 'rejected'} {v.record_id} ({v.rule})")
            return
        done = reviewed_ids(store, run, reviewer)
        todo = [r for r in draw_sample(store, run, size, seed=seed) if r.id not in done]
        console.print(f"{len(todo)} records to review ({len(done)} already decided by {reviewer})")
        for i, r in enumerate(todo, 1):
            failing = [
                f"{v.rule}: {v.reason}"
                for v in list_verdicts(store, run, record_id=r.id)
                if not v.passed and not (v.judge or "").startswith("human:")
            ]
            _show(r, failing)
            choice = (
                typer.prompt(f"[{i}/{len(todo)}] accept, reject, skip or quit", default="skip")
                .strip()
                .lower()
            )
            if choice in ("q", "quit"):
                break
            if choice not in ("a", "accept", "r", "reject"):
                continue
            accepted = choice.startswith("a")
            text = typer.prompt(
                "note" + ("" if accepted else " (why)"),
                default="" if accepted else None,
                show_default=False,
            )
            record_review(store, run, r.id, accept=accepted, note=text, reviewer=reviewer)
