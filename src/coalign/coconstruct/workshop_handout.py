"""Session 2's handout: each breakout group's value dimension and its batch of generated questions.

In session 2 of a seed workshop every breakout group works on one value dimension of the study
(its definition and examples shown) and on a small batch of synthetic questions, writing a
misaligned response, a critique and an aligned rewrite for each. The moderator assigns the
dimensions (:func:`start_handout`); the questions come from a real generation run per group
(stage 1 only, :data:`HANDOUT_SIZE` questions), seeded by nothing but the workshop's accepted
session-1 seed questions, so every handed-out question is a record of the runs table whose
lineage (``coalign trace``, the facilitator's trace page) leads back to those seeds.

Preparing is quick and checks everything (groups, dimensions, accepted seeds) before any model
call; :func:`run_handout` then generates (minutes with the embedded model), and what it has
written so far is visible at any time (:func:`workshop_handouts`). A run that fails keeps its
reason and its records; starting the handout again continues it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pydantic import BaseModel, Field

from coalign.coconstruct.workshop import Workshop, get_workshop, seat_in
from coalign.coconstruct.workshop_seeds import workshop_seeds
from coalign.core.errors import InputError
from coalign.core.ids import derive_seed
from coalign.core.records import RunStatus
from coalign.core.seeds import SeedExample
from coalign.core.study import ValueDimension
from coalign.llm import Model
from coalign.store import Store
from coalign.store.handouts import set_handout_dimension, workshop_handout_rows
from coalign.store.runs import create_run, get_run, iter_records, update_run
from coalign.store.seeds import list_seed_examples
from coalign.store.studies import get_study
from coalign.study.seed_review import check_dimensions
from coalign.synth.plan import QUESTIONS
from coalign.synth.recipe import ExampleSampling, QuestionStage, Recipe, Stages
from coalign.synth.runner import Progress
from coalign.synth.service import Prepared, execute, prepare_recipe, summarize

log = logging.getLogger(__name__)

#: Questions generated per breakout group unless the moderator asks for another number.
HANDOUT_SIZE = 10
#: At most this many questions per group (a handout is worked through in one session).
MAX_HANDOUT_SIZE = 30
#: Seed questions shown to the model per generated question.
HANDOUT_EXAMPLES = 3
#: Accepted seed examples of a group's dimension shown on its handout as worked examples.
WORKED_EXAMPLES = 2


class HandoutQuestion(BaseModel):
    """A generated question of a group's handout: the run's record and its cell."""

    record_id: str
    question: str
    topic: str
    question_type: str


class Handout(BaseModel):
    """A breakout group's session-2 handout and how far the run of its questions has come.

    Attributes:
        dimension: the group's value dimension, ``None`` until the moderator assigns one.
        status: the run's status (``planned`` until it starts), ``None`` before any run.
        planned / written / failed: questions planned, written so far, and not parsed.
        worked_examples: accepted seed examples of the dimension, to show what is asked.
    """

    workshop_id: int
    group: str
    dimension: ValueDimension | None = None
    run_id: str | None = None
    status: RunStatus | None = None
    reason: str | None = None
    planned: int = 0
    written: int = 0
    failed: int = 0
    questions: list[HandoutQuestion] = Field(default_factory=list)
    worked_examples: list[SeedExample] = Field(default_factory=list)

    @property
    def working(self) -> bool:
        """Whether the run is under way (or about to start): pages refresh while it is."""
        return self.status in ("planned", "running")


def session_one_seeds(store: Store, slug: str, workshop_id: int) -> list[str]:
    """Ids of the accepted seed questions written in the workshop's session 1."""
    seeds = workshop_seeds(store, slug, workshop_id).questions
    return [s.id for s in seeds if s.status == "accepted" and s.id is not None]


def _recipe(workshop: Workshop, group: str, seeds: list[str], size: int) -> Recipe:
    """Stage 1 only: ``size`` questions spread over the study's cells, seeded by ``seeds``."""
    return Recipe(
        name=f"handout {workshop.slug}:{group}",
        study=workshop.study,
        seed=derive_seed(0, "handout", workshop.slug, group),
        reask_on_parse_failure=1,
        stages=Stages(
            questions=QuestionStage(
                seed_questions=seeds,
                limit=size,
                per_cell=size,
                examples=ExampleSampling(k=min(HANDOUT_EXAMPLES, len(seeds)), strategy="random"),
            )
        ),
    )


def _prepared(store: Store, workshop: Workshop, model_id: str, size: int) -> dict[str, Prepared]:
    """Each group's prepared run.

    Raises:
        InputError: no accepted session-1 seed question yet.
    """
    seeds = session_one_seeds(store, workshop.study, workshop.id)
    if not seeds:
        raise InputError(
            f"no seed question of session 1 of workshop {workshop.slug!r} is accepted yet: "
            "accept some on the workshop page first, the handout is generated from them"
        )
    return {
        group: prepare_recipe(store, _recipe(workshop, group, seeds, size), model=model_id)
        for group in workshop.groups
    }


def start_handout(
    store: Store,
    slug: str,
    workshop_id: int,
    dimensions: Mapping[str, str],
    model_id: str,
    assigned_by: str,
    size: int = HANDOUT_SIZE,
) -> list[Handout]:
    """Assign each breakout group its value dimension and set up the run of its questions.

    Nothing is generated yet (see :func:`run_handout`); every check happens here, so a page or
    command can answer at once. Groups whose run is done keep it (and their questions) when the
    handout is started again; a changed dimension changes what the group works on, not its
    questions.

    Args:
        dimensions: breakout group → value dimension, one for every group of the workshop.
        model_id: the model that writes the questions (a model string).
        size: questions per group.

    Raises:
        InputError: a group missing or unknown, an unknown dimension, a bad size, no accepted
            session-1 seed question.
        NotFoundError: no such workshop in the study.
    """
    workshop = get_workshop(store, slug, workshop_id)
    if not 1 <= size <= MAX_HANDOUT_SIZE:
        raise InputError(f"a handout has 1 to {MAX_HANDOUT_SIZE} questions per group")
    unknown = [g for g in dimensions if g not in workshop.groups]
    if unknown:
        raise InputError(
            f"workshop {workshop.slug!r} has no breakout group {', '.join(map(repr, unknown))} "
            f"(its groups: {', '.join(workshop.groups)})"
        )
    missing = [g for g in workshop.groups if not (dimensions.get(g) or "").strip()]
    if missing:
        raise InputError(f"choose a value dimension for breakout group {', '.join(missing)}")
    study = get_study(store, slug)
    for group in workshop.groups:
        try:
            check_dimensions(study, [dimensions[group].strip()])
        except InputError as exc:
            raise InputError(f"breakout group {group}: {exc}") from exc
    prepared = _prepared(store, workshop, model_id, size)
    with store.session() as session:
        rows = {
            group: set_handout_dimension(
                session, workshop_id, group, dimensions[group].strip(), assigned_by
            )
            for group in workshop.groups
        }
        bound = {group: row.run_id for group, row in rows.items()}
    for group, ready in prepared.items():
        kept = bound[group]
        if kept is not None and get_run(store, kept).status == "done":
            continue
        run = create_run(store, ready.run)
        with store.session() as session:
            row = next(r for r in workshop_handout_rows(session, workshop_id) if r.group == group)
            row.run_id = run.id
    return workshop_handouts(store, slug, workshop_id)


def run_handout(
    store: Store,
    slug: str,
    workshop_id: int,
    model: Model,
    progress: Progress | None = None,
) -> list[Handout]:
    """Generate the questions of every group whose run is not done yet, one group after another.

    A group whose run fails does not stop the others: its run is marked ``failed`` (or
    ``paused`` when the model is unreachable) with the reason, every record so far kept, and
    the group's handout shows it; :func:`start_handout` then :func:`run_handout` again retries.

    Args:
        model: the model to call; it must be the one the runs were started with.
    """
    workshop = get_workshop(store, slug, workshop_id)
    plans: dict[tuple[str, int], dict[str, Prepared]] = {}
    for handout in workshop_handouts(store, slug, workshop_id):
        if handout.run_id is None or handout.status == "done":
            continue
        run = get_run(store, handout.run_id)
        key = (run.model_id, run.recipe["stages"]["questions"]["limit"])
        started = False
        try:
            if key not in plans:
                plans[key] = _prepared(store, workshop, *key)
            if plans[key][handout.group].run.id != run.id:
                raise InputError(
                    "the accepted seeds changed since this run was set up; start the handout "
                    "again to generate from them"
                )
            if model.model_id != run.model_id:
                raise InputError(
                    f"the run calls {run.model_id}, not {model.model_id}; start the handout "
                    "again to generate with this model"
                )
            started = True
            execute(store, plans[key][handout.group], progress, model=model)
        except Exception as exc:  # the run keeps the reason; the next group still gets its turn
            log.warning("the handout run of group %s failed", handout.group, exc_info=True)
            if not started:  # refused before generating: say why on the run
                update_run(store, run.id, status="failed", reason=str(exc))
    return workshop_handouts(store, slug, workshop_id)


def workshop_handouts(store: Store, slug: str, workshop_id: int) -> list[Handout]:
    """The handouts of every breakout group of a workshop, with their runs' progress.

    Raises:
        NotFoundError: no such workshop in the study.
    """
    workshop = get_workshop(store, slug, workshop_id)
    study = get_study(store, slug)
    examples = list_seed_examples(store, slug)
    with store.read() as session:
        rows = {
            r.group: (r.dimension, r.run_id) for r in workshop_handout_rows(session, workshop_id)
        }
    out = []
    for group in workshop.groups:
        dimension, run_id = rows.get(group, (None, None))
        handout = Handout(workshop_id=workshop_id, group=group, run_id=run_id)
        if dimension is not None:
            handout.dimension = study.dimension(dimension)
            handout.worked_examples = [e for e in examples if dimension in e.dimensions][
                :WORKED_EXAMPLES
            ]
        if run_id is not None:
            _progress(store, handout, run_id)
        out.append(handout)
    return out


def _progress(store: Store, handout: Handout, run_id: str) -> None:
    """Fill in the run's status, counts and the questions written so far."""
    summary = summarize(store, run_id)
    stage = next((s for s in summary.stages if s.stage == QUESTIONS), None)
    handout.status, handout.reason = summary.run.status, summary.run.status_reason
    handout.planned = summary.run.recipe["stages"]["questions"]["limit"]
    if stage is not None:
        handout.planned = stage.planned or handout.planned
        handout.failed, handout.written = stage.failed, stage.ok + stage.failed
    handout.questions = [
        HandoutQuestion(
            record_id=r.id,
            question=r.data["question"],
            topic=r.attributes["topic"],
            question_type=r.attributes["question_type"],
        )
        for r in iter_records(store, run_id, stage=QUESTIONS, only_ok=True)
    ]


def team_handout(store: Store, participant_id: str, workshop_id: int) -> Handout:
    """The handout of the participant's breakout group (without a dimension before the moderator
    assigns one).

    Raises:
        NotFoundError: the person is in none of the workshop's groups.
    """
    workshop, group = seat_in(store, participant_id, workshop_id)
    handouts = workshop_handouts(store, workshop.study, workshop_id)
    return next(h for h in handouts if h.group == group)
