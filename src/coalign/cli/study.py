"""``coalign study …``: import, show, list and export study designs and seeds."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from coalign.cli.state import console, state
from coalign.store import Store
from coalign.store.studies import get_study, list_studies, study_counts
from coalign.study import export_study, import_study

app = typer.Typer(
    help="Study designs and seeds: import from files, show, export.", no_args_is_help=True
)


@app.command("import")
def import_(
    ctx: typer.Context, file: Path = typer.Argument(..., help="A study YAML file.")
) -> None:
    """Validate a study file (and the seed files it names) and import it; re-importing is safe."""
    with state(ctx).store() as store:
        bundle = import_study(store, file)
        console.print(
            f"imported study [bold]{bundle.study.slug}[/]: {len(bundle.study.dimensions)} dimensions, "
            f"{len(bundle.study.topics)} topics, {len(bundle.study.question_types)} question types, "
            f"{len(bundle.seed_questions)} seed questions, {len(bundle.seed_examples)} seed examples "
            f"→ {store.display_url}"
        )


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the studies in the database."""
    with state(ctx).store() as store:
        slugs = list_studies(store)
    for slug in slugs:
        console.print(slug)
    if not slugs:
        console.print("no studies yet: coalign study import FILE")


def _only_study(store: Store, slug: str | None) -> str:
    """``slug`` if given, else the only study in the database.

    Raises:
        typer.BadParameter: no slug was given and the database does not hold exactly one study.
    """
    if slug:
        return slug
    slugs = list_studies(store)
    if len(slugs) != 1:
        raise typer.BadParameter(
            "name the study: " + (", ".join(slugs) if slugs else "the database has none yet")
        )
    return slugs[0]


@app.command("show")
def show(
    ctx: typer.Context, slug: str = typer.Argument(None, help="Study slug (optional if only one).")
) -> None:
    """Show a study's design and how many seeds it has."""
    with state(ctx).store() as store:
        slug = _only_study(store, slug)
        study = get_study(store, slug)
        counts = study_counts(store, slug)
    console.print(f"[bold]{study.title}[/] ({study.slug}) languages: {', '.join(study.languages)}")
    if study.deployment_context:
        console.print(study.deployment_context)
    table = Table("dimension", "definition", title="Value dimensions")
    for dim in study.dimensions:
        table.add_row(dim.name, dim.definition)
    console.print(table)
    console.print("topics: " + ", ".join(t.name for t in study.topics))
    console.print(
        "question types: " + ", ".join(f"{q.name} ({q.kind})" for q in study.question_types)
    )
    training = study.training
    console.print(
        "training before coding: "
        + (
            f"{len(training.examples)} examples, {len(training.questions)} check questions, "
            f"pass mark {training.required}"
            if training
            else "none (coding is open without one)"
        )
    )
    console.print(
        f"seed questions: {counts['seed_questions']} "
        f"(accepted {counts.get('seed_questions_accepted', 0)}), "
        f"seed examples: {counts['seed_examples']} (accepted {counts.get('seed_examples_accepted', 0)})"
    )


@app.command("export")
def export(
    ctx: typer.Context,
    slug: str = typer.Argument(..., help="Study slug."),
    out: Path = typer.Argument(..., help="Folder to write study.yaml and seed files to."),
) -> None:
    """Write a study and all its seeds as files that `coalign study import` reads back."""
    with state(ctx).store() as store:
        paths = export_study(store, slug, out)
    for path in paths:
        console.print(str(path))


@app.command("check-seeds")
def check_seeds_command(
    ctx: typer.Context,
    slug: str = typer.Argument(None, help="Study slug (optional if only one)."),
    reject: bool = typer.Option(
        False, "--reject", help="Reject every flagged seed, with its issues as the reason."
    ),
) -> None:
    """Check the accepted seeds before generating from them, and show per-group statistics.

    Checks: near-duplicates across the seeds (naming the group), fragments (cut off, no finite
    verb, a question without its "?"), verbose seed examples; a note for questions without a
    verb–noun pair. Seeds a moderator accepted with `coalign study override` are left alone.
    """
    from coalign.validation.seed_checks import check_seeds, reject_flagged

    with state(ctx).store() as store, console.status("checking seeds"):
        slug = _only_study(store, slug)
        check = check_seeds(store, slug)
        rejected = reject_flagged(store, check) if reject else 0
    groups = Table(
        "group",
        "questions",
        "examples",
        "authors",
        "open",
        "closed",
        "other",
        "top types",
        "top topics",
        "LLM-assisted",
        title="Seeds per group",
    )
    for g in check.groups:
        groups.add_row(
            g.group or "(none)",
            str(g.seed_questions),
            str(g.seed_examples),
            str(g.authors),
            *(f"{g.kinds[k]:.0%}" for k in ("open", "closed", "other")),
            ", ".join(f"{n} ({c})" for n, c in g.top_question_types),
            ", ".join(f"{n} ({c})" for n, c in g.top_topics),
            str(g.llm_assisted),
        )
    console.print(groups)
    issues = Table("seed", "group", "check", "detail", title="Issues")
    for i in check.issues:
        issues.add_row(
            i.seed_id,
            i.group or "",
            i.check + (" (note)" if i.severity == "note" else ""),
            i.detail,
        )
    console.print(issues)
    flagged = len({i.seed_id for i in check.issues if i.severity == "reject"})
    console.print(
        f"{check.seeds_checked} seeds checked, {flagged} flagged"
        + (f", {rejected} rejected" if reject else " (--reject rejects them)")
        + (
            f"; {len(check.overridden)} accepted by a moderator despite a check"
            if check.overridden
            else ""
        )
    )


@app.command("override")
def override_command(
    ctx: typer.Context,
    seed_id: str = typer.Argument(..., help="The seed's id (sq_… or se_…)."),
    reason: str = typer.Option(..., "--reason", help="Why the seed is fine after all."),
    by: str = typer.Option(..., "--by", help="The moderator's name."),
    slug: str = typer.Option(None, "--study", help="Study slug (optional if only one)."),
) -> None:
    """Accept a seed that the checks flagged or rejected; later checks leave it alone."""
    from coalign.validation.seed_checks import override

    kind = "example" if seed_id.startswith("se_") else "question"
    with state(ctx).store() as store:
        slug = _only_study(store, slug)
        override(store, slug, kind, seed_id, reason=reason, decided_by=by)
    console.print(f"seed {seed_id} accepted by {by}: {reason}")
