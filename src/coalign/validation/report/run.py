"""The propagation report of a run: seeds vs synthetic data, validation and human review.

:func:`build_report` gathers every number (a :class:`RunReport`); :func:`write_report` writes it
as ``report.html`` (self-contained: styles inline, plots inline SVG, nothing fetched when it is
viewed) and ``report.json`` (the same numbers). Sections: summary, format and kind, topics and
question types, verb–noun diversity, lengths, lexical and semantic diversity, near-duplicates,
validation, human review, and a table of every divergence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from coalign.core import Record
from coalign.core.errors import InputError
from coalign.store import Store
from coalign.store.runs import get_run, iter_records
from coalign.store.verdicts import (
    list_validations,
    list_verdicts,
    rejected_record_ids,
    unkept_record_ids,
    verdict_counts,
)
from coalign.study import read_bundle
from coalign.validation.metrics.embeddings import Embedder
from coalign.validation.metrics.forms_llm import FormAgreement, compare_with_rules
from coalign.validation.metrics.profile import (
    QuestionProfile,
    QuestionSet,
    ResponseProfile,
    ResponseSet,
    describe_questions,
    describe_responses,
)
from coalign.validation.metrics.tokens import generator_tokenizer
from coalign.validation.report.copies import StageCopies, copy_rates
from coalign.validation.report.dominance import Dominance, seed_dominance
from coalign.validation.report.fit import FIT_RULES, FitSummary, fit_summaries
from coalign.validation.report.kept import StageKept, kept_rates
from coalign.validation.report.propagation import (
    DistributionComparison,
    PropagationFigures,
    compare,
    compare_question_profiles,
)
from coalign.validation.review import Agreement, agreement
from coalign.validation.rules.registry import is_response_record

#: How many sources the report lists under seed dominance (dominating ones first).
_DOMINANCE_ROWS = 40


class Side(BaseModel):
    """The profiles of one side; either may be missing when that side has no such data."""

    questions: QuestionProfile | None = None
    responses: ResponseProfile | None = None


class ValidationFigures(BaseModel):
    """Where validation of the run stands."""

    records: int
    parsed: int
    accepted: int
    rejected: int
    validated: bool
    verdicts: dict[str, dict[str, int]]
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)


class RunReport(BaseModel):
    """Every number of the report (written as ``report.json``)."""

    run_id: str
    study_slug: str
    generator_model: str
    tokenizer: str
    seeds: Side
    synthetic: Side
    questions: PropagationFigures | None = None
    responses: list[DistributionComparison] = Field(default_factory=list)
    validation: ValidationFigures
    kept: list[StageKept] = Field(default_factory=list)
    dominance: list[Dominance] = Field(default_factory=list)
    copies: list[StageCopies] = Field(default_factory=list)
    fit: list[FitSummary] = Field(default_factory=list)
    review: Agreement
    llm_forms: FormAgreement | None = None


def _question_set(records: list[Record]) -> QuestionSet:
    chosen = [
        r for r in records if not is_response_record(r) and isinstance(r.data.get("question"), str)
    ]
    if not chosen:  # a run whose records carry question and answers together
        chosen = [r for r in records if isinstance(r.data.get("question"), str)]
    return QuestionSet(
        texts=[r.data["question"] for r in chosen],
        topics=[r.attributes.get("topic") for r in chosen],
        question_types=[r.attributes.get("question_type") for r in chosen],
    )


def _response_set(records: list[Record]) -> ResponseSet:
    chosen = [
        r
        for r in records
        if isinstance(r.data.get("misaligned_response"), str)
        and isinstance(r.data.get("aligned_response"), str)
    ]
    return ResponseSet(
        misaligned=[r.data["misaligned_response"] for r in chosen],
        aligned=[r.data["aligned_response"] for r in chosen],
        critiques=[str(r.data.get("critique") or "") for r in chosen],
        dimensions=[r.attributes.get("dimension") for r in chosen],
    )


def build_report(
    store: Store,
    run_id: str,
    *,
    embedder: Embedder | None = None,
    embedder_factory: Callable[[], Embedder] | None = None,
    parse: bool = True,
    classifier: Any = None,
    classifier_sample: int = 50,
) -> RunReport:
    """Compute the propagation figures of a run against its study's accepted seeds.

    Args:
        store: the open store.
        run_id: the run (a unique prefix is enough).
        embedder: for semantic diversity and duplicate confirmation; by default all-MiniLM-L6-v2
            (from ``embedder_factory`` if given).
        parse: run spaCy for verb–noun structure.
        classifier: a :class:`coalign.llm.Model` that also labels the format and kind of a sample
            of the synthetic questions, compared with the rule-based labels.
        classifier_sample: how many questions it labels.

    Raises:
        NotFoundError: no such run.
        InputError: the run has no parsed records.
    """
    run = get_run(store, run_id)
    records = [r for r in iter_records(store, run.id)]
    parsed = [r for r in records if r.parse_status == "ok"]
    if not parsed:
        raise InputError(f"run {run.id} has no parsed records to report on")
    if embedder is None:
        if embedder_factory is not None:
            embedder = embedder_factory()
        else:
            from coalign.validation.metrics.embeddings import MiniLMEmbedder

            embedder = MiniLMEmbedder()
    tokenizer, tokenizer_name = generator_tokenizer(run.model_id)
    bundle = read_bundle(store, run.study_slug)
    seed_questions = [s for s in bundle.seed_questions if s.status == "accepted"]
    seed_examples = [s for s in bundle.seed_examples if s.status == "accepted"]
    seed_qset = QuestionSet(
        texts=[s.text for s in seed_questions],
        topics=[s.topic for s in seed_questions],
        question_types=[s.question_type for s in seed_questions],
    )
    if not seed_qset.texts:
        seed_qset = QuestionSet(
            texts=[s.question for s in seed_examples],
            topics=[s.topic for s in seed_examples],
            question_types=[s.question_type for s in seed_examples],
        )
    seed_rset = ResponseSet(
        misaligned=[s.misaligned_response for s in seed_examples],
        aligned=[s.aligned_response for s in seed_examples],
        critiques=[s.critique for s in seed_examples],
        dimensions=[s.dimensions[0] for s in seed_examples],
    )
    synth_qset, synth_rset = _question_set(parsed), _response_set(parsed)

    def questions(qset: QuestionSet) -> QuestionProfile | None:
        if not qset.texts:
            return None
        return describe_questions(qset, embedder=embedder, parse=parse, tokenizer=tokenizer)

    def responses(rset: ResponseSet) -> ResponseProfile | None:
        return (
            describe_responses(rset, embedder=embedder, tokenizer=tokenizer)
            if rset.misaligned
            else None
        )

    seeds = Side(questions=questions(seed_qset), responses=responses(seed_rset))
    synthetic = Side(questions=questions(synth_qset), responses=responses(synth_rset))
    figures = None
    if seeds.questions and synthetic.questions:
        figures = compare_question_profiles(seeds.questions, synthetic.questions)
    response_comparisons = []
    if seeds.responses and synthetic.responses:
        for name in ("misaligned", "aligned", "critique"):
            if name in seeds.responses.length_bins and name in synthetic.responses.length_bins:
                response_comparisons.append(
                    compare(
                        f"{name}_length",
                        seeds.responses.length_bins[name],
                        synthetic.responses.length_bins[name],
                    )
                )
        response_comparisons.append(
            compare("dimension", seeds.responses.dimensions, synthetic.responses.dimensions)
        )
    judged = [
        v for rule in ("seed_copy", *FIT_RULES) for v in list_verdicts(store, run.id, rule=rule)
    ]
    passes = list_validations(store, run.id)
    rejected = rejected_record_ids(store, run.id)
    unkept = unkept_record_ids(store, run.id)
    validation = ValidationFigures(
        records=len(records),
        parsed=len(parsed),
        accepted=sum(1 for r in parsed if r.id not in unkept),
        rejected=sum(1 for r in records if r.id in rejected),
        validated=bool(passes),
        verdicts=verdict_counts(store, run.id),
        warnings=list(dict.fromkeys(w for p in passes for w in p.warnings)),
        errors=list(dict.fromkeys(e for p in passes for e in p.summary.get("errors", []))),
    )
    llm_forms = None
    if classifier is not None and synth_qset.texts:
        llm_forms = compare_with_rules(synth_qset.texts, classifier, sample=classifier_sample)
    return RunReport(
        run_id=run.id,
        study_slug=run.study_slug,
        generator_model=run.model_id,
        tokenizer=tokenizer_name,
        seeds=seeds,
        synthetic=synthetic,
        questions=figures,
        responses=response_comparisons,
        validation=validation,
        kept=kept_rates(store, run.id),
        dominance=seed_dominance(
            parsed,
            bundle.study,
            bundle.seed_questions,
            bundle.seed_examples,
            recipe=run.recipe,
        )[:_DOMINANCE_ROWS],
        copies=[c for c in copy_rates(records, judged) if c.checked],
        fit=fit_summaries(records, judged),
        review=agreement(store, run.id),
        llm_forms=llm_forms,
    )
