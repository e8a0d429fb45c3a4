"""Validate a stored generation run: choose its filters, run them, store verdicts and the pass.

Which filters run: ``--filters FILE`` if given, else the ``filters:`` section of the run's
recipe, else :data:`~coalign.validation.rules.config.DEFAULT_FILTERS`. A judge model adds the LLM
``relevance`` filter (with the default rubric or ``--rubric FILE``) when none is configured.
Everything is checked before any record is judged, and all verdicts of a pass are written in
one transaction.

What is in force after a pass: each verdict of the pass supersedes the earlier verdict of the same
rule on the same record; verdicts of rules the pass did not run stay in force, and the pass says
so (:attr:`RunValidation.earlier_failures`). ``clean=True`` retires every earlier automatic
verdict first (human reviews stay); ``only=[name, …]`` re-runs just those filters of the chosen
configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from coalign.core import GenerationRun, Record, Study, ValidationPass
from coalign.core.coconstruction import DiaryEntry
from coalign.core.errors import InputError
from coalign.store import Store
from coalign.store.coconstruction import study_diary_entries
from coalign.store.runs import get_run, iter_records
from coalign.store.seeds import list_seed_examples, list_seed_questions
from coalign.store.studies import get_study, study_row
from coalign.store.verdicts import (
    rejected_record_ids,
    save_clean_pass,
    save_validation,
    save_verdicts,
    unkept_record_ids,
    update_validation_summary,
    verdict_counts,
)
from coalign.validation.metrics.embeddings import Embedder
from coalign.validation.rules.apply import FilterRun, validate_records
from coalign.validation.rules.config import (
    build_filters,
    default_filters,
    load_filters,
    make_filter,
)
from coalign.validation.rules.judge import load_rubric
from coalign.validation.rules.registry import RESPONSE_FIELDS, ConfiguredFilter, FilterContext
from coalign.validation.rules.set_rules import RelevanceOptions


class RunValidation(BaseModel):
    """What ``coalign validate`` did to a run."""

    run_id: str
    validation: ValidationPass
    filters: list[FilterRun]
    records: int
    verdicts_saved: int
    #: parsed records kept: no failing verdict of their own or of their parent question
    accepted: int
    #: records with a failing verdict of their own
    rejected: int
    #: parsed records left out only because their parent question is rejected
    parent_rejected: int = 0
    failures_by_rule: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    retired: int = 0
    earlier_failures: dict[str, int] = Field(default_factory=dict)

    @property
    def errors(self) -> list[str]:
        """``"name: message"`` for every filter that could not run."""
        return [f"{f.name}: {f.error}" for f in self.filters if f.error]


def choose_filters(
    run: GenerationRun,
    filters_file: str | Path | None = None,
    *,
    judge: bool = False,
    rubric: str | None = None,
) -> tuple[list[ConfiguredFilter], str]:
    """The filters a validation of ``run`` runs, and where they came from.

    Raises:
        FilterConfigError: the file or the recipe's ``filters`` section is invalid.
        InputError: a ``relevance`` filter without a judge, or a rubric without a judge.
    """
    if filters_file is not None:
        filters, source = load_filters(filters_file), str(filters_file)
    elif run.recipe.get("filters"):
        filters, source = build_filters(run.recipe["filters"], "recipe filters"), "recipe"
    else:
        filters, source = default_filters(), "default"
    judged = [f for f in filters if f.spec.rule == "relevance"]
    if judged and not judge:
        raise InputError(f"filter {judged[0].name!r} is an LLM judge: pass --judge MODEL")
    if rubric is not None and not judge:
        raise InputError("--rubric needs --judge MODEL")
    if judge and not judged:
        filters.append(make_filter("relevance", rubric=rubric))
    elif rubric is not None:
        for f in judged:
            f.options = f.options.model_copy(update={"rubric": rubric})
    for f in filters:
        if f.spec.rule == "relevance" and isinstance(f.options, RelevanceOptions):
            load_rubric(f.options.rubric)  # a bad rubric fails now, before any record is judged
    return filters, source


def with_parent_questions(records: Sequence[Record]) -> list[Record]:
    """Response records that lack a ``question`` get their parent question record's text.

    Only the in-memory copies change (the judge and the rules need the question beside the
    answers); stored records are never modified.
    """
    questions = {
        r.id: r.data["question"] for r in records if isinstance(r.data.get("question"), str)
    }
    out = []
    for r in records:
        if "question" not in r.data and any(f in r.data for f in RESPONSE_FIELDS):
            parent = next((questions[p] for p in r.parents if p in questions), None)
            if parent is not None:
                r = r.model_copy(update={"data": {"question": parent, **r.data}})
        out.append(r)
    return out


def self_judging_warning(run: GenerationRun, judge_model: str | None) -> str | None:
    """A warning when the judge is the model that generated the run (it tends to favour itself)."""
    if judge_model is not None and judge_model == run.model_id:
        return (
            f"the judge model {judge_model} is the model that generated this run: "
            "self-judging inflates scores; prefer a different, stronger judge"
        )
    return None


def _add_study_texts(store: Store, slug: str, context: FilterContext) -> None:
    """Give the context every seed of the study (whatever its status) and its diary entries."""
    context.seed_questions = list_seed_questions(store, slug, status=None)
    context.seed_examples = list_seed_examples(store, slug, status=None)
    with store.read() as session:
        rows = study_diary_entries(session, study_row(session, slug).id)
        context.diary_entries = [DiaryEntry.model_validate(r, from_attributes=True) for r in rows]


def validate_run(
    store: Store,
    run_id: str,
    *,
    filters_file: str | Path | None = None,
    judge_model: str | None = None,
    rubric: str | None = None,
    judge: Any = None,
    embedder_factory: Callable[[], Embedder] | None = None,
    clean: bool = False,
    only: Sequence[str] | None = None,
) -> RunValidation:
    """Run the chosen filters over every record of a run and store their verdicts.

    Args:
        store: the open store.
        run_id: the run (a unique prefix of its id is enough).
        filters_file: a YAML filter file (see :mod:`coalign.validation.rules.config`).
        judge_model: a model string for the LLM judge (``relevance``).
        rubric: a rubric YAML file for the judge (default: the bundled one).
        judge: an already loaded :class:`coalign.llm.Model` to judge with (overrides ``judge_model``).
        embedder_factory: builds the sentence embedder (default all-MiniLM-L6-v2).
        clean: retire every earlier automatic verdict first (human reviews stay in force).
        only: run only the filters of these names (of the chosen configuration).

    Raises:
        NotFoundError: no such run.
        InputError: the run has no records; invalid filters or rubric; ``only`` names a filter
            the configuration does not have; ``clean`` together with ``only``.
    """
    run = get_run(store, run_id)
    judge_id = judge.model_id if judge is not None else judge_model
    filters, source = choose_filters(run, filters_file, judge=judge_id is not None, rubric=rubric)
    if only:
        if clean:
            raise InputError("a clean pass runs every filter: leave out --rule, or --clean")
        unknown = sorted(set(only) - {f.name for f in filters})
        if unknown:
            known = ", ".join(f.name for f in filters)
            raise InputError(
                f"no filter named {', '.join(unknown)} in the {source} filters ({known})"
            )
        filters = [f for f in filters if f.name in set(only)]
    records = with_parent_questions(list(iter_records(store, run.id)))
    if not records:
        raise InputError(f"run {run.id} has no records to validate")
    if judge is None and judge_model is not None:
        from coalign.llm import load_model

        judge = load_model(judge_model, log=store)
    warnings = [w for w in [self_judging_warning(run, judge_id)] if w]
    study: Study | None = get_study(store, run.study_slug)
    validation = save_validation(
        store,
        run.id,
        "judge" if judge_id else "filters",
        config={"source": source, "filters": [f.describe() for f in filters]},
        judge_model=judge_id,
        warnings=warnings,
    )
    context = FilterContext(embedder_factory=embedder_factory, judge=judge, study=study)
    if study is not None:
        _add_study_texts(store, study.slug, context)
    result = validate_records(records, filters, context)
    if clean:
        saved, retired = save_clean_pass(store, run.id, result.verdicts, validation.id)
    else:
        saved, retired = save_verdicts(store, run.id, result.verdicts, validation.id), 0
    ran = {v.rule for v in result.verdicts} | {f.name for f in filters}
    earlier = {
        rule: c["failed"]
        for rule, c in verdict_counts(store, run.id).items()
        if c["failed"] and rule not in ran and rule.split(":", 1)[0] not in ran
    }
    rejected = rejected_record_ids(store, run.id)
    unkept = unkept_record_ids(store, run.id)
    ok = [r for r in records if r.parse_status == "ok"]
    summary = RunValidation(
        run_id=run.id,
        validation=validation,
        filters=result.filters,
        records=len(records),
        verdicts_saved=saved,
        accepted=sum(1 for r in ok if r.id not in unkept),
        rejected=sum(1 for r in records if r.id in rejected),
        parent_rejected=len(unkept - rejected),
        failures_by_rule=result.failures_by_rule(),
        warnings=warnings,
        retired=retired,
        earlier_failures=earlier,
    )
    update_validation_summary(
        store,
        validation.id,
        {
            "records": summary.records,
            "verdicts": saved,
            "accepted": summary.accepted,
            "rejected": summary.rejected,
            "failures_by_rule": summary.failures_by_rule,
            "clean": clean,
            "retired": retired,
            "earlier_failures": earlier,
            "errors": summary.errors,
            "filters": [f.model_dump() for f in result.filters],
        },
    )
    summary.validation = validation.model_copy(update={"summary": {"errors": summary.errors}})
    return summary
