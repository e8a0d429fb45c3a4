"""Everything a dataset card says, gathered from the store and from the export as it streams.

Nothing here is typed by a person: models, templates, seeds, stage counts, verdicts, validation
passes, participants and the aggregation choice are read from the database, and the export adds
what it saw row by row (:class:`RecordTally`). Demographic counts below :data:`SMALL_CELL` are
shown only as ``"<5"`` so that no small group can be singled out.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from coalign.core.errors import InputError
from coalign.core.records import GenerationRun, Record
from coalign.export.aggregate import AggregationChoice, RatingSet
from coalign.export.formats import row_source, uses_ratings
from coalign.export.lineage import SMALL_CELL, Step
from coalign.export.pairs import DropReport
from coalign.export.sources import Source
from coalign.export.triples import RecordSummary, Triple
from coalign.participation.withdrawal import withdrawal_facts
from coalign.rating.exclusions import Exclusions
from coalign.rating.translations import translation_summary
from coalign.store import Store
from coalign.store.coconstruction_tables import (
    CodeClusterRow,
    CodeRow,
    ConversationRow,
    DiaryEntryRow,
    DiscussionGroupRow,
    TrainingAttemptRow,
    WorkshopRow,
)
from coalign.store.group_axes import study_group_axes_counts
from coalign.store.group_phase_tables import GroupShareRow
from coalign.store.participation_tables import ParticipantRow
from coalign.store.process_feedback_tables import ProcessFeedbackRow
from coalign.store.ratings import detail_columns
from coalign.store.runs import record_counts
from coalign.store.seeds import list_seed_examples, list_seed_questions
from coalign.store.studies import study_row
from coalign.store.verdicts import list_validations, list_verdicts
from coalign.store.workshop_tables import HandoutRow, ReflectionNoteRow
from coalign.validation.report.kept import kept_rates
from coalign.validation.review import HUMAN_JUDGE
from coalign.validation.rules.registry import RULE_JUDGE

_TOP_REASONS = 10


class ModelUse(BaseModel):
    """A model that produced something in the export, what it did, and how often."""

    model_id: str
    role: str
    count: int


class RecordTally:
    """Counts kept while triples stream past: models, templates, seeds used, attributes."""

    def __init__(self) -> None:
        self.records = 0
        self.models: Counter[tuple[str, str]] = Counter()
        self.templates: Counter[tuple[str, str, str]] = Counter()
        self.seed_ids: set[str] = set()
        self.attributes: dict[str, Counter[str]] = {
            k: Counter() for k in ("topic", "question_type", "dimension", "persona")
        }

    def add(self, triple: Triple) -> None:
        """Count one exported triple and its conditions (its producers come from its lineage)."""
        self.records += 1
        for key, counter in self.attributes.items():
            value = triple.record.attributes.get(key)
            if value is not None:
                counter[str(value)] += 1

    def add_producer(self, record: Record | RecordSummary | Step) -> None:
        """Count the model, template and in-context seeds of a record that produced exported text."""
        self.models[(record.model_id, record.stage)] += 1
        self.templates[(record.stage, record.template_name, record.template_hash)] += 1
        self.seed_ids.update(record.example_ids)


class CardFacts(BaseModel):
    """The facts a dataset card is rendered from (also written as ``card.json``)."""

    name: str
    source: str
    created_at: str
    coalign_version: str
    license: str
    study: dict[str, Any]
    run: dict[str, Any] | None = None
    models: list[ModelUse] = Field(default_factory=list)
    templates: list[dict[str, Any]] = Field(default_factory=list)
    seeds: dict[str, Any] = Field(default_factory=dict)
    stage_counts: dict[str, dict[str, int]] = Field(default_factory=dict)
    exported_records: int = 0
    attributes: dict[str, dict[str, int]] = Field(default_factory=dict)
    filters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    validations: list[dict[str, Any]] = Field(default_factory=list)
    kept: list[dict[str, Any]] = Field(default_factory=list)
    review: dict[str, Any] = Field(default_factory=dict)
    propagation: dict[str, Any] = Field(default_factory=dict)
    comparison: dict[str, Any] = Field(default_factory=dict)
    participation: dict[str, Any] = Field(default_factory=dict)
    aggregation: dict[str, Any] = Field(default_factory=dict)
    lineage: dict[str, Any] = Field(default_factory=dict)
    verdicts_by_judge: dict[str, dict[str, int]] = Field(default_factory=dict)
    formats: dict[str, dict[str, Any]] = Field(default_factory=dict)
    files: dict[str, dict[str, Any]] = Field(default_factory=dict)
    limitations: list[str] = Field(default_factory=list)
    intended_uses: list[str] = Field(default_factory=list)
    out_of_scope: list[str] = Field(default_factory=list)


def study_facts(source: Source) -> dict[str, Any]:
    """The study's design as the card shows it."""
    s = source.study
    return {
        "slug": s.slug,
        "title": s.title,
        "description": s.description,
        "deployment_context": s.deployment_context,
        "languages": s.languages,
        "dimensions": [
            {
                "name": d.name,
                "definition": d.definition,
                "scale": d.scale_labels,
                "origin": d.origin,
            }
            for d in s.dimensions
        ],
        "topics": [t.name for t in s.topics],
        "question_types": [q.name for q in s.question_types],
    }


def producer_facts(tally: RecordTally) -> dict[str, Any]:
    """The models and prompt templates that produced exported text, whatever the source."""
    roles = {
        "questions": "wrote the synthetic questions",
        "responses": "wrote misaligned responses, critiques and aligned rewrites",
    }
    return {
        "models": [
            ModelUse(
                model_id=m,
                role=f"generator, stage {stage}: {roles.get(stage, 'generated records')}",
                count=n,
            )
            for (m, stage), n in sorted(tally.models.items())
        ],
        "templates": [
            {"stage": st, "name": name, "sha256": h, "records": n}
            for (st, name, h), n in sorted(tally.templates.items())
        ],
    }


def judge_kind(judge: str | None) -> str:
    """``rule``, ``human`` or ``llm``: who gave a verdict, from its ``judge`` column.

    Rules write :data:`RULE_JUDGE` (older verdicts nothing), human reviewers ``human:<reviewer>``,
    and LLM judges their model id.
    """
    if judge is None or judge == RULE_JUDGE:
        return "rule"
    if judge.startswith(HUMAN_JUDGE):
        return "human"
    return "llm"


def run_facts(
    store: Store, source: Source, tally: RecordTally, run: GenerationRun | None = None
) -> dict[str, Any]:
    """Run, judges by kind, seeds, stage counts, filters and validation passes behind an export.

    Args:
        run: the run the exported rows came from; the source's own run by default (a campaign
            or study export passes the run its items were generated by).
    """
    run = run or source.run
    if run is None:
        return {}
    models: list[ModelUse] = []
    filters: dict[str, dict[str, Any]] = {}
    judges: dict[str, Counter[str]] = {"rule": Counter(), "llm": Counter(), "human": Counter()}
    for verdict in list_verdicts(store, run.id):
        entry = filters.setdefault(verdict.rule, {"passed": 0, "failed": 0, "reasons": Counter()})
        entry["passed" if verdict.passed else "failed"] += 1
        if not verdict.passed:
            entry["reasons"][verdict.reason or "(no reason given)"] += 1
        kind = judge_kind(verdict.judge)
        who = {"rule": verdict.rule, "llm": verdict.judge, "human": verdict.judge}[kind]
        judges[kind][(who or "").removeprefix(HUMAN_JUDGE)] += 1
    for entry in filters.values():
        entry["reasons"] = dict(entry["reasons"].most_common(_TOP_REASONS))
    from coalign.validation.review import agreement

    review = agreement(store, run.id)
    validations = [
        {
            "kind": v.kind,
            "judge_model": v.judge_model,
            "warnings": v.warnings,
            "summary": v.summary,
            "created_at": v.created_at.isoformat() if v.created_at else None,
        }
        for v in list_validations(store, run.id)
    ]
    models += [
        ModelUse(model_id=j, role="LLM judge in validation (its scores decided verdicts)", count=n)
        for j, n in sorted(judges["llm"].items())
    ]
    return {
        "run": {
            "id": run.id,
            "recipe_name": run.recipe_name,
            "recipe": run.recipe,
            "model_id": run.model_id,
            "seed": run.seed,
            "status": run.status,
            "planned": run.planned,
            "created_at": run.created_at.isoformat() if run.created_at else None,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        },
        "judges": models,
        "verdicts_by_judge": {k: dict(sorted(c.items())) for k, c in judges.items() if c},
        "seeds": seed_facts(store, source, tally, run),
        "stage_counts": record_counts(store, run.id),
        "exported_records": tally.records,
        "attributes": {k: dict(sorted(c.items())) for k, c in tally.attributes.items() if c},
        "filters": filters,
        "validations": validations,
        "kept": [stage.model_dump() for stage in kept_rates(store, run.id)] if filters else [],
        "review": {
            "decisions": review.n,
            "observed_agreement": review.observed,
            "kappa": review.kappa,
            "between_reviewers": [
                pair.model_dump(exclude={"confusion"}) for pair in review.between_reviewers
            ],
        }
        if review.n
        else {},
    }


def propagation_facts(path: Path, run_id: str) -> dict[str, Any]:
    """Seed → synthetic divergences from a run's ``report.json`` (written by ``coalign report``).

    Raises:
        InputError: the file is unreadable, not a report, or about another run.
    """
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the propagation report {path}: {exc}") from exc
    if not isinstance(report, dict) or "run_id" not in report:
        raise InputError(f"{path} is not a report.json written by `coalign report`")
    if report["run_id"] != run_id:
        raise InputError(
            f"{path} reports on run {report['run_id']}, not on the exported run {run_id}"
        )
    comparisons = [
        *((report.get("questions") or {}).get("comparisons") or []),
        *(report.get("responses") or []),
    ]
    return {
        "report": path.name,
        "jensen_shannon": {c["name"]: c.get("jensen_shannon") for c in comparisons if "name" in c},
        "scalars": (report.get("questions") or {}).get("scalars") or {},
    }


def comparison_facts(path: Path, run_id: str) -> dict[str, Any]:
    """How the exported run compared with other runs, from a ``comparison.json`` (written by
    ``coalign report RUN_A RUN_B …``).

    Raises:
        InputError: the file is unreadable, not a comparison, or does not include the run.
    """
    try:
        comparison = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the comparison {path}: {exc}") from exc
    runs = comparison.get("runs") if isinstance(comparison, dict) else None
    if not isinstance(runs, list) or not all(isinstance(r, dict) and "run_id" in r for r in runs):
        raise InputError(f"{path} is not a comparison.json written by `coalign report RUN RUN`")
    if run_id not in {r["run_id"] for r in runs}:
        raise InputError(f"{path} does not compare the exported run {run_id}")
    return {
        "report": path.name,
        "runs": [
            {
                "run_id": r["run_id"],
                "exported": r["run_id"] == run_id,
                "model_id": r.get("model_id"),
                "recipe_name": r.get("recipe_name"),
                "records": r.get("records"),
                "kept": sum(k.get("kept", 0) for k in r.get("kept") or []),
                "tokens_per_kept": r.get("tokens_per_kept"),
                "seconds_per_kept": r.get("seconds_per_kept"),
            }
            for r in runs
        ],
    }


def seed_facts(
    store: Store, source: Source, tally: RecordTally, run: GenerationRun | None = None
) -> dict[str, Any]:
    """Seed counts by status, authorship, and how ``run``'s recipe selected them as in-context
    examples."""
    slug = source.study.slug
    out: dict[str, Any] = {}
    for kind, seeds in (
        ("seed_questions", list_seed_questions(store, slug, status=None)),
        ("seed_examples", list_seed_examples(store, slug, status=None)),
    ):
        statuses = Counter(s.status for s in seeds)
        out[kind] = {
            "total": len(seeds),
            "by_status": dict(sorted(statuses.items())),
            "authors": len({s.author for s in seeds if s.author}),
            "groups": len({s.group for s in seeds if s.group}),
            "used_in_context": sum(1 for s in seeds if s.id in tally.seed_ids),
            "rejection_reasons": dict(
                Counter(
                    s.reason or "(no reason given)" for s in seeds if s.status == "rejected"
                ).most_common(_TOP_REASONS)
            ),
        }
        if kind == "seed_examples":
            out[kind]["llm_assisted"] = sum(1 for s in seeds if getattr(s, "llm_assisted", False))
    run = run or source.run
    stages = (run.recipe.get("stages") if run else None) or {}
    out["selection"] = {
        name: (stage or {}).get("examples")
        for name, stage in stages.items()
        if isinstance(stage, dict)
    }
    return out


def suppress(counts: Counter[str] | dict[str, int]) -> dict[str, int | str]:
    """Counts with every cell below :data:`SMALL_CELL` shown as ``"<5"``."""
    return {k: (v if v >= SMALL_CELL else f"<{SMALL_CELL}") for k, v in sorted(counts.items())}


_ACTIVITIES = (
    (DiaryEntryRow, "misalignment diary entries"),
    (
        TrainingAttemptRow,
        "training check attempts (familiarize: codes practised on an unrelated context; "
        "open coding opened after a pass)",
    ),
    (ConversationRow, "chats with the model in its deployment context"),
    (CodeRow, "open codes of the values participants saw"),
    (CodeClusterRow, "clusters of those codes"),
    (DiscussionGroupRow, "deliberation groups deriving axes"),
    (WorkshopRow, "seed workshops"),
    (ProcessFeedbackRow, "answers to the process feedback survey (one per participant and phase)"),
)
#: Activities whose rows belong to a study through a parent row: (table, label, parent, link).
_GROUP_AND_WORKSHOP_PHASES = (
    (
        GroupShareRow,
        "diary entries and model turns shared with a discussion group, with consent (then "
        "coded by other members, zoomed out on worksheets, clustered; a chosen misalignment "
        "became the alignment goal)",
        DiscussionGroupRow,
        GroupShareRow.group_id,
    ),
    (
        HandoutRow,
        "workshop session-2 handouts (a value dimension and questions generated from session "
        "1's accepted seeds, per team)",
        WorkshopRow,
        HandoutRow.workshop_id,
    ),
    (
        ReflectionNoteRow,
        "reflection-board notes after workshop sessions",
        WorkshopRow,
        ReflectionNoteRow.workshop_id,
    ),
)


def _activities(store: Store, study_id: int) -> list[str]:
    """One line per co-construction activity the study ran: how many artefacts, by how many people."""
    lines = []
    with store.read() as session:
        for table, label in _ACTIVITIES:
            where = table.study_id == study_id
            count = session.scalar(select(func.count()).select_from(table).where(where)) or 0
            if not count:
                continue
            line = f"{label}: {count}"
            if hasattr(table, "participant_id"):
                people = (
                    session.scalar(select(func.count(table.participant_id.distinct())).where(where))
                    or 0
                )
                line += f" by {people if people >= SMALL_CELL else f'<{SMALL_CELL}'} participants"
            lines.append(line)
        for phase, label, parent, link in _GROUP_AND_WORKSHOP_PHASES:
            authors = getattr(phase, "participant_id", None)
            joined = (
                select(func.count(), func.count(authors.distinct()) if authors else func.count())
                .select_from(phase)
                .join(parent, parent.id == link)
                .where(parent.study_id == study_id)
            )
            count, people = session.execute(joined).one()
            if count:
                shown = people if people >= SMALL_CELL else f"<{SMALL_CELL}"
                lines.append(f"{label}: {count}" + (f" by {shown} participants" if authors else ""))
        rankings, groups, verdicts = study_group_axes_counts(session, study_id)
    if rankings:
        lines.append(
            f"groups' agreed top-3 and top-5 rankings of their axes: {rankings} by {groups} groups"
        )
    if verdicts:
        lines.append(
            "facilitators' verdicts on pairs of axes across groups (same or different; "
            f"nothing merged): {verdicts}"
        )
    return lines


def participation_facts(store: Store, source: Source, ratings: RatingSet | None) -> dict[str, Any]:
    """Participants by role, the rating activity, and a demographics summary with small cells hidden."""
    with store.read() as session:
        study_id = study_row(session, source.study.slug).id
        roles = dict(
            session.execute(
                select(ParticipantRow.role, func.count())
                .where(ParticipantRow.study_id == study_id)
                .group_by(ParticipantRow.role)
            ).all()
        )
    out: dict[str, Any] = {
        "participants_by_role": suppress(roles),
        "activities": _activities(store, study_id),
        "withdrawals": withdrawal_facts(store, source.study.slug),
    }
    if ratings is None:
        return out
    frame = ratings.frame
    raters = frame.drop_duplicates("rater")
    demographic = ratings.demographics
    out["activities"].append("rating: participants rated prompt–response items on value dimensions")
    out["rating"] = {
        "ratings": len(frame),
        "raters": len(raters),
        "items": int(frame["item"].nunique()),
        "dimensions": ratings.dimensions,
        "ratings_per_item": round(len(frame) / max(1, frame["item"].nunique()), 2),
    }
    out["demographics"] = {
        column: suppress(
            Counter(
                str(a) if a == a and a is not None else "(not answered)" for a in raters[column]
            )
        )
        for column in demographic
    }
    out["small_cell_rule"] = f"counts below {SMALL_CELL} are shown as <{SMALL_CELL}"
    out["translations"] = translation_summary(store, source.study.slug, source.campaign)
    out["rating_columns"] = detail_columns(frame)
    if ratings.exclusions is not None:
        out["exclusions"] = exclusion_facts(ratings.exclusions)
    return out


def exclusion_facts(exclusions: Exclusions) -> dict[str, Any]:
    """Who the exclusion policy left out of the exported ratings, counted by reason (no names:
    the card is public; the analysis report lists the pseudonymous ids)."""
    return {
        "policy": exclusions.policy.describe(),
        "raters": exclusions.raters,
        "left_out": len(exclusions.left_out),
        "by_reason": exclusions.by_reason,
        "kept_flagged": exclusions.kept_flagged,
    }


def aggregation_facts(
    choice: AggregationChoice,
    reports: list[DropReport],
    ratings: RatingSet | None,
    formats: Sequence[str] = (),
) -> dict[str, Any]:
    """The recorded aggregation choice, what each format's rows were built from, what each rule
    dropped, and which groups were too small."""
    out: dict[str, Any] = {
        "choice": choice.model_dump(),
        "row_sources": {name: row_source(name, choice) for name in formats},
        "used": any(uses_ratings(n, choice) and n != "annotators" for n in formats),
        "reports": [r.model_dump() for r in reports],
    }
    if ratings is not None and ratings.skipped_groups:
        # Only a count: naming a group that had too few raters would single its members out.
        out["groups_left_out"] = {
            "why": f"fewer than {choice.min_group_raters} raters",
            "count": len(ratings.skipped_groups),
        }
    return out
