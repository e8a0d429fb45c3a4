"""The plan of a run: every task, its record id, seed, in-context examples and conditions.

Planning does no I/O and calls no model. It is a pure function of the recipe, the study's
accepted seeds and the run id, so a resumed run plans exactly the same tasks and skips those
already stored. Stage 1 is planned up front; stage 2 from stage 1's parsed questions.

Problems a run would hit later (an unknown topic in the recipe, a cell or a dimension without
seed examples, a seed with a slot the study gives no values for) are raised here, before any
model call.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from coalign.core.errors import InputError
from coalign.core.ids import derive_seed, stable_id
from coalign.core.records import Record
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.core.study import QuestionType, Study, Topic, ValueDimension
from coalign.study import StudyBundle
from coalign.synth.recipe import Condition, ExampleSampling, Recipe
from coalign.synth.sampling import expand, sample, slots, stratified

QUESTIONS = "questions"
RESPONSES = "responses"

SeedT = TypeVar("SeedT", SeedQuestion, SeedExample)


@dataclass(frozen=True)
class Task:
    """One model job that yields exactly one record.

    Attributes:
        id: the record id, derived from the run and the task's inputs.
        seed: the task's sampling seed, derived from the run seed.
        variables: what the stage's template is rendered with.
        attributes: the conditions recorded with the record (topic, dimension, persona …).
    """

    id: str
    run_id: str
    stage: str
    seed: int
    parents: list[str] = field(default_factory=list)
    example_ids: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)


def _conditions(items: list[Condition]) -> list[Condition | None]:
    return list(items) or [None]


def _name(condition: Condition | None) -> str | None:
    return condition.name if condition else None


def _subset(wanted: list[str] | None, available: Sequence[Any], what: str) -> list[Any]:
    if wanted is None:
        return list(available)
    by_name = {item.name: item for item in available}
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise InputError(
            f"recipe names {what} the study does not have: {', '.join(unknown)} "
            f"(the study has: {', '.join(by_name) or 'none'})"
        )
    return [by_name[name] for name in wanted]


def _check_slots(bundle: StudyBundle) -> None:
    known = set(bundle.study.entities)
    texts = [(q.id, q.text) for q in _accepted(bundle.seed_questions)]
    for example in _accepted(bundle.seed_examples):
        texts += [
            (example.id, example.question),
            (example.id, example.misaligned_response),
            (example.id, example.aligned_response),
        ]
    for seed_id, text in texts:
        missing = slots(text) - known
        if missing:
            names = ", ".join("{" + s + "}" for s in sorted(missing))
            raise InputError(
                f"seed {seed_id} uses entity slot(s) {names} that the study gives no values for "
                "(add them under study.entities)"
            )


def _accepted(seeds: list[SeedT]) -> list[SeedT]:
    return [s for s in seeds if s.status == "accepted"]


def _chosen(accepted: list[SeedQuestion], wanted: list[str] | None) -> list[SeedQuestion]:
    """The accepted seed questions the recipe names (``stages.questions.seed_questions``), or all."""
    if wanted is None:
        return accepted
    known = {s.id for s in accepted}
    unknown = [seed_id for seed_id in wanted if seed_id not in known]
    if unknown:
        raise InputError(
            "stages.questions.seed_questions names seed questions that are not accepted seed "
            f"questions of the study: {', '.join(unknown)}"
        )
    return [s for s in accepted if s.id in set(wanted)]


def _question_pool(
    seeds: list[SeedQuestion], sampling: ExampleSampling, topic: str, question_type: str
) -> list[SeedQuestion]:
    if sampling.strategy == "same-type":
        return [s for s in seeds if s.question_type == question_type]
    if sampling.strategy == "same-topic":
        return [s for s in seeds if s.topic == topic]
    return list(seeds)


def _example_pool(
    examples: list[SeedExample],
    sampling: ExampleSampling,
    dimension: str,
    topic: str,
    question_type: str,
) -> list[SeedExample]:
    pool = [e for e in examples if dimension in e.dimensions]
    if sampling.strategy == "same-type":
        return [e for e in pool if e.question_type == question_type]
    if sampling.strategy == "same-topic":
        return [e for e in pool if e.topic == topic]
    return pool


def _draw(
    pool: list[SeedT],
    sampling: ExampleSampling,
    rng: random.Random,
    key: Callable[[SeedT], Hashable],
) -> list[SeedT]:
    if sampling.strategy == "stratified":
        return stratified(pool, sampling.k, key, rng)
    return sample(pool, sampling.k, rng)


@dataclass
class Planner:
    """Plans the tasks of one run.

    Args:
        run_id: the run's id; it enters every record id, so runs never share records.
        recipe: the validated recipe.
        bundle: the study with its seeds (only accepted seeds are used).
    """

    run_id: str
    recipe: Recipe
    bundle: StudyBundle

    def __post_init__(self) -> None:
        self.study: Study = self.bundle.study
        self.seed_questions = _chosen(
            _accepted(self.bundle.seed_questions), self.recipe.stages.questions.seed_questions
        )
        self.seed_examples = [
            s
            for s in _accepted(self.bundle.seed_examples)
            if self.recipe.llm_assisted_seeds or not s.llm_assisted
        ]
        stage = self.recipe.stages.questions
        self.topics: list[Topic] = _subset(stage.topics, self.study.topics, "topics")
        self.types: list[QuestionType] = _subset(
            stage.question_types, self.study.question_types, "question types"
        )
        if not self.topics or not self.types:
            raise InputError(
                f"study {self.study.slug!r} needs at least one topic and one question type"
            )
        responses = self.recipe.stages.responses
        self.dimensions: list[ValueDimension] = (
            _subset(responses.dimensions, self.study.dimensions, "dimensions") if responses else []
        )
        if responses and not self.dimensions:
            raise InputError(
                f"study {self.study.slug!r} has no value dimensions for the responses stage"
            )
        _check_slots(self.bundle)
        self._check_pools()

    def _check_pools(self) -> None:
        stage = self.recipe.stages.questions
        for topic, qtype in itertools.product(self.topics, self.types):
            if stage.examples.k and not _question_pool(
                self.seed_questions, stage.examples, topic.name, qtype.name
            ):
                raise InputError(
                    f"no accepted seed questions for cell topic={topic.name!r} × question_type={qtype.name!r} "
                    f"with strategy {stage.examples.strategy!r}; add seeds, pick another strategy, or "
                    "limit stages.questions.topics / question_types"
                )
        responses = self.recipe.stages.responses
        if responses is None or not responses.examples.k:
            return
        for dimension in self.dimensions:
            if not _example_pool(self.seed_examples, ExampleSampling(k=1), dimension.name, "", ""):
                left_out = (
                    ""
                    if self.recipe.llm_assisted_seeds
                    else (
                        " written by people (llm_assisted_seeds: false leaves out those that started "
                        "from a model draft)"
                    )
                )
                raise InputError(
                    f"dimension {dimension.name!r} has no accepted seed examples{left_out}"
                )
            for topic, qtype in itertools.product(self.topics, self.types):
                if not _example_pool(
                    self.seed_examples, responses.examples, dimension.name, topic.name, qtype.name
                ):
                    raise InputError(
                        f"no accepted seed examples of dimension {dimension.name!r} for topic={topic.name!r} "
                        f"× question_type={qtype.name!r} with strategy {responses.examples.strategy!r}"
                    )

    def _task(self, key: tuple[object, ...], **fields: Any) -> Task:
        return Task(
            id=stable_id("rec", self.run_id, *key),
            run_id=self.run_id,
            seed=derive_seed(self.recipe.seed, *key),
            **fields,
        )

    def question_tasks(self) -> list[Task]:
        """Stage 1: per cell × persona × intervention, ``per_cell`` tasks, in a balanced seeded order.

        Cells are shuffled once with the run seed and tasks are taken round by round, so the
        first ``limit`` tasks spread over the grid.
        """
        stage = self.recipe.stages.questions
        cells = list(itertools.product(self.topics, self.types))
        random.Random(derive_seed(self.recipe.seed, "cells")).shuffle(cells)
        conditions = list(
            itertools.product(_conditions(stage.personas), _conditions(stage.interventions))
        )
        tasks = []
        for index in range(stage.per_cell):
            for (topic, qtype), (persona, intervention) in itertools.product(cells, conditions):
                key = (
                    QUESTIONS,
                    topic.name,
                    qtype.name,
                    _name(persona),
                    _name(intervention),
                    index,
                )
                seed = derive_seed(self.recipe.seed, *key)
                rng = random.Random(seed)
                pool = _question_pool(self.seed_questions, stage.examples, topic.name, qtype.name)
                chosen = _draw(pool, stage.examples, rng, lambda s: (s.topic, s.question_type))
                entities: dict[str, str] = {}
                examples = [
                    {
                        "id": s.id,
                        "text": expand(s.text, self.study.entities, entities, rng),
                        "topic": s.topic,
                        "question_type": s.question_type,
                    }
                    for s in chosen
                ]
                tasks.append(
                    self._task(
                        key,
                        stage=QUESTIONS,
                        example_ids=[s.id for s in chosen],
                        attributes={
                            "topic": topic.name,
                            "question_type": qtype.name,
                            "question_kind": qtype.kind,
                            "persona": _name(persona),
                            "intervention": _name(intervention),
                            "index": index,
                            "entities": entities,
                        },
                        variables={
                            "study": self.study,
                            "topic": topic,
                            "question_type": qtype,
                            "examples": examples,
                            "persona": persona,
                            "intervention": intervention,
                        },
                    )
                )
                if stage.limit is not None and len(tasks) >= stage.limit:
                    return tasks
        return tasks

    def expected_responses(self, questions: int) -> int:
        """How many stage-2 tasks ``questions`` parsed questions give (for estimates)."""
        stage = self.recipe.stages.responses
        if stage is None:
            return 0
        per = stage.dimensions_per_question
        dims = len(self.dimensions) if per == "all" else min(per, len(self.dimensions))
        return (
            questions
            * dims
            * len(_conditions(stage.personas))
            * len(_conditions(stage.interventions))
        )

    def response_tasks(self, questions: list[Record]) -> list[Task]:
        """Stage 2: per parsed question × chosen dimension × persona × intervention, one task."""
        stage = self.recipe.stages.responses
        if stage is None:
            return []
        topics = {t.name: t for t in self.study.topics}
        types = {q.name: q for q in self.study.question_types}
        conditions = list(
            itertools.product(_conditions(stage.personas), _conditions(stage.interventions))
        )
        tasks = []
        for question in sorted(
            (q for q in questions if q.parse_status == "ok"), key=lambda r: r.id
        ):
            topic, qtype = question.attributes["topic"], question.attributes["question_type"]
            dims = list(self.dimensions)
            per = stage.dimensions_per_question
            if per != "all" and per < len(dims):
                picked = random.Random(
                    derive_seed(self.recipe.seed, "dimensions", question.id)
                ).sample(dims, per)
                dims = [d for d in self.dimensions if d in picked]
            for dimension, (persona, intervention) in itertools.product(dims, conditions):
                key = (RESPONSES, question.id, dimension.name, _name(persona), _name(intervention))
                rng = random.Random(derive_seed(self.recipe.seed, *key))
                pool = _example_pool(
                    self.seed_examples, stage.examples, dimension.name, topic, qtype
                )
                chosen = _draw(pool, stage.examples, rng, lambda e: (e.topic, e.question_type))
                entities = dict(question.attributes.get("entities") or {})
                values = self.study.entities
                examples = [
                    {
                        "id": e.id,
                        "dimensions": e.dimensions,
                        **{
                            f: expand(getattr(e, f), values, entities, rng)
                            for f in (
                                "question",
                                "misaligned_response",
                                "critique",
                                "aligned_response",
                            )
                        },
                    }
                    for e in chosen
                ]
                tasks.append(
                    self._task(
                        key,
                        stage=RESPONSES,
                        parents=[question.id],
                        example_ids=[e.id for e in chosen],
                        attributes={
                            "topic": topic,
                            "question_type": qtype,
                            "question_kind": question.attributes.get("question_kind"),
                            "dimension": dimension.name,
                            "persona": _name(persona),
                            "intervention": _name(intervention),
                            "entities": entities,
                        },
                        variables={
                            "study": self.study,
                            "topic": topics.get(topic),
                            "question_type": types.get(qtype),
                            "question": question.data["question"],
                            "dimension": dimension,
                            "examples": examples,
                            "persona": persona,
                            "intervention": intervention,
                        },
                    )
                )
        return tasks
