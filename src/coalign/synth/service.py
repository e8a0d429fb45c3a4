"""Starting, resuming, estimating and exporting generation runs: what the CLI and web call.

A run's id is derived from the study, the recipe (with its effective model and limit), the
templates and the seeds it uses, so generating the same recipe twice continues the same run.
The run stores the recipe and the template sources, so ``resume`` needs nothing but the run id
and renders exactly the prompts the run started with.
"""

from __future__ import annotations

import json
import logging
import statistics
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from coalign.core.errors import CoalignError, InputError, ModelUnavailableError
from coalign.core.ids import content_hash, stable_id
from coalign.core.records import GenerationRun, Record
from coalign.llm import Model, load_model, parse_model
from coalign.store import Store
from coalign.store.runs import (
    LEASE,
    beat,
    claim_run,
    create_run,
    get_run,
    iter_records,
    record_counts,
    update_run,
)
from coalign.store.tables import ModelCallRow
from coalign.study import StudyBundle, read_bundle
from coalign.synth.plan import QUESTIONS, RESPONSES, Planner, Task
from coalign.synth.recipe import Recipe, load_recipe, parse_recipe
from coalign.synth.runner import Progress, StageResult, run_stage
from coalign.synth.stages import ChainedResponseStage, QuestionStage, ResponseStage, Stage
from coalign.synth.templates import PromptTemplate, check_template, load_template

log = logging.getLogger(__name__)

TEMPLATE_SOURCES = "template_sources"
SEED_SET = "seed_set"


class RunInterrupted(CoalignError):
    """The run was stopped by the user (Ctrl-C); it is marked paused and can be resumed."""


@dataclass
class Prepared:
    """A recipe bound to a study, its templates and a model, ready to plan and run."""

    run: GenerationRun
    recipe: Recipe
    bundle: StudyBundle
    templates: dict[str, PromptTemplate]
    planner: Planner

    def stages(self) -> list[Stage]:
        """The stages to run, in order."""
        recipe, reask = self.recipe, self.recipe.reask_on_parse_failure
        stages: list[Stage] = [
            QuestionStage(
                self.templates[QUESTIONS],
                recipe.stages.questions.params,
                self.bundle.study.entities,
                reask,
            )
        ]
        responses = recipe.stages.responses
        if responses is not None and responses.mode == "single":
            stages.append(ResponseStage(self.templates[RESPONSES], responses.params, reask))
        elif responses is not None:
            chain = (
                self.templates["misaligned"],
                self.templates["critique"],
                self.templates["aligned"],
            )
            stages.append(ChainedResponseStage(chain, responses.params, reask))
        return stages


def _template_names(recipe: Recipe) -> dict[str, str]:
    names = {QUESTIONS: recipe.stages.questions.template}
    responses = recipe.stages.responses
    if responses is not None and responses.mode == "single":
        names[RESPONSES] = responses.template
    elif responses is not None:
        names.update(responses.chained_templates.model_dump())
    return names


def _seed_set(bundle: StudyBundle) -> str:
    accepted = [
        s.id for s in bundle.seed_questions + bundle.seed_examples if s.status == "accepted"
    ]
    return content_hash(sorted(accepted), 16)


def _prepare(
    store: Store,
    recipe: Recipe,
    templates: dict[str, PromptTemplate],
    model_id: str,
    seed_set: str | None = None,
    run_id: str | None = None,
) -> Prepared:
    bundle = read_bundle(store, recipe.study)
    current = _seed_set(bundle)
    if seed_set is not None and seed_set != current:
        raise InputError(
            f"the accepted seeds of study {recipe.study!r} changed since run {run_id} started; "
            "start a new run with `coalign generate`"
        )
    stored = {
        **recipe.model_dump(mode="json"),
        "model": model_id,
        TEMPLATE_SOURCES: {
            kind: {"name": t.name, "source": t.source} for kind, t in templates.items()
        },
        SEED_SET: current,
    }
    run_id = run_id or stable_id("run", recipe.study, stored)
    run = GenerationRun(
        id=run_id,
        study_slug=recipe.study,
        recipe_name=recipe.name,
        recipe=stored,
        model_id=model_id,
        seed=recipe.seed,
    )
    return Prepared(run, recipe, bundle, templates, Planner(run_id, recipe, bundle))


def prepare(
    store: Store, recipe_path: str | Path, *, model: str | None = None, limit: int | None = None
) -> Prepared:
    """Read a recipe file, load and check its templates, and plan against the study in ``store``.

    Args:
        model: overrides the recipe's model (else the recipe's, else the default).
        limit: overrides ``stages.questions.limit``.

    Raises:
        InputError / NotFoundError: bad recipe or template, unknown study, empty seed pools.
    """
    path = Path(recipe_path)
    recipe = load_recipe(path)
    if limit is not None:
        recipe.stages.questions.limit = limit
    return prepare_recipe(store, recipe, model=model, base=path.parent)


def prepare_recipe(
    store: Store, recipe: Recipe, *, model: str | None = None, base: Path | None = None
) -> Prepared:
    """Load and check a recipe's templates (bundled, or paths relative to ``base``), and plan it
    against the study in ``store``; for recipes built in code (a workshop's handout).

    Raises:
        InputError / NotFoundError: bad template, unknown study, empty seed pools.
    """
    templates = {
        kind: load_template(name, kind, base) for kind, name in _template_names(recipe).items()
    }
    model_id = parse_model(model or recipe.model).model_id
    return _prepare(store, recipe, templates, model_id)


def _restore(store: Store, run: GenerationRun) -> Prepared:
    data: dict[str, Any] = dict(run.recipe)
    sources = data.pop(TEMPLATE_SOURCES, {})
    seed_set = data.pop(SEED_SET, None)
    recipe = parse_recipe(data, f"recipe of run {run.id}")
    templates = {kind: check_template(t["name"], kind, t["source"]) for kind, t in sources.items()}
    return _prepare(store, recipe, templates, run.model_id, seed_set, run.id)


@dataclass
class StageSummary:
    """Per stage: tasks planned (in), records parsed (out) and failed, and how many this pass wrote.

    ``failed`` counts every record that did not parse; ``truncated`` how many of those stopped
    at ``max_tokens``.
    """

    stage: str
    planned: int
    ok: int
    failed: int
    written: int = 0
    truncated: int = 0


@dataclass
class RunSummary:
    """A run and its per-stage counts."""

    run: GenerationRun
    stages: list[StageSummary] = field(default_factory=list)


def summarize(
    store: Store, run_id: str, results: dict[str, StageResult] | None = None
) -> RunSummary:
    """The run with per-stage planned / ok / failed counts from the store."""
    run = get_run(store, run_id)
    counts = record_counts(store, run.id)
    names = list(dict.fromkeys([*run.planned, *counts]))
    stages = [
        StageSummary(
            stage=name,
            planned=run.planned.get(name, 0),
            ok=counts.get(name, {}).get("ok", 0),
            failed=counts.get(name, {}).get("failed", 0) + counts.get(name, {}).get("truncated", 0),
            written=results[name].written if results and name in results else 0,
            truncated=counts.get(name, {}).get("truncated", 0),
        )
        for name in names
    ]
    return RunSummary(run, stages)


def execute(
    store: Store,
    prepared: Prepared,
    progress: Progress | None = None,
    *,
    force: bool = False,
    model: Model | None = None,
) -> RunSummary:
    """Run (or continue) a prepared run to the end.

    ``model`` is the model to call when the caller holds it already (the web app's); it must be
    the run's model. By default the run's model is loaded.

    The run is marked ``running`` (with a heartbeat, so no other process runs it at the same
    time; ``force`` takes it over anyway), then ``done``; on an unreachable model or Ctrl-C it is
    marked ``paused`` (on any other error ``failed``), the reason kept with the run and every
    record written so far kept.

    Raises:
        ConflictError: another process is running the run.
        ModelUnavailableError: the model could not be reached; the message says how to resume.
        RunInterrupted: Ctrl-C.
    """
    if model is None:
        model = load_model(
            prepared.run.model_id, log=store, concurrency=prepared.recipe.concurrency
        )
    elif model.model_id != prepared.run.model_id:
        raise InputError(
            f"run {prepared.run.id} calls {prepared.run.model_id}, not {model.model_id}"
        )
    run = create_run(store, prepared.run)
    claim_run(store, run.id, force=force)
    planned = dict(run.planned)
    results: dict[str, StageResult] = {}
    hint = f"resume with `coalign runs resume {run.id[:12]}`"
    try:
        with _heartbeat(store, run.id):
            _run_stages(store, prepared, run.id, planned, model, results, progress)
        update_run(store, run.id, status="done")
    except ModelUnavailableError as exc:
        update_run(store, run.id, status="paused", reason=f"model unreachable: {exc}")
        raise ModelUnavailableError(
            f"run {run.id} paused, every record so far kept: {exc}; {hint}"
        ) from exc
    except KeyboardInterrupt as exc:
        update_run(store, run.id, status="paused", reason="interrupted (Ctrl-C)")
        raise RunInterrupted(f"run {run.id} paused, every record so far kept; {hint}") from exc
    except BaseException as exc:
        update_run(store, run.id, status="failed", reason=f"{type(exc).__name__}: {exc}")
        raise
    return summarize(store, run.id, results)


@contextmanager
def _heartbeat(store: Store, run_id: str) -> Iterator[None]:
    """Refresh the run's heartbeat from a background thread while the body runs."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(LEASE.total_seconds() / 4):
            try:
                beat(store, run_id)
            except Exception:
                log.warning("could not refresh the heartbeat of run %s", run_id, exc_info=True)

    thread = threading.Thread(target=loop, name="coalign-run-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _run_stages(
    store: Store,
    prepared: Prepared,
    run_id: str,
    planned: dict[str, int],
    model: Model,
    results: dict[str, StageResult],
    progress: Progress | None,
) -> None:
    for stage in prepared.stages():
        if stage.name == QUESTIONS:
            tasks = prepared.planner.question_tasks()
        else:
            questions = list(iter_records(store, run_id, stage=QUESTIONS))
            tasks = prepared.planner.response_tasks(questions)
        planned[stage.name] = len(tasks)
        update_run(store, run_id, status="running", planned=planned)
        results[stage.name] = run_stage(
            store,
            stage,
            tasks,
            model,
            concurrency=prepared.recipe.concurrency,
            progress=progress,
        )


def generate(
    store: Store,
    recipe_path: str | Path,
    *,
    model: str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Start (or continue) the run of a recipe file and run it to the end. See :func:`execute`."""
    return execute(store, prepare(store, recipe_path, model=model, limit=limit), progress)


def resume(
    store: Store, run_id: str, progress: Progress | None = None, *, force: bool = False
) -> RunSummary:
    """Continue a stored run (any unique id prefix) with its stored recipe, templates and model.

    ``force`` takes over a run that another process seems to be running (see :func:`execute`).
    """
    return execute(store, _restore(store, get_run(store, run_id)), progress, force=force)


@dataclass
class Estimate:
    """What a run would cost, before any model call."""

    run_id: str
    model_id: str
    calls: dict[str, int]
    prompt_tokens: int
    max_completion_tokens: int
    seconds: float
    seconds_source: str


def _seconds_per_token(store: Store, model_id: str) -> float | None:
    with store.read() as session:
        rows = session.execute(
            select(ModelCallRow.latency_ms, ModelCallRow.completion_tokens)
            .where(
                ModelCallRow.model_id == model_id,
                ModelCallRow.cache_hit.is_(False),
                ModelCallRow.error.is_(None),
                ModelCallRow.completion_tokens > 0,
            )
            .order_by(ModelCallRow.id.desc())
            .limit(200)
        ).all()
    if len(rows) < 3:
        return None
    # The query keeps only rows with completion_tokens > 0, so ``if tokens`` drops none.
    return statistics.median(ms / 1000 / tokens for ms, tokens in rows if tokens)


#: Seconds per generated token when the call log has no measurements yet (SmolLM2-135M, 2 cores).
DEFAULT_SECONDS_PER_TOKEN = 0.03


def estimate(prepared: Prepared, store: Store) -> Estimate:
    """Count calls and tokens of a prepared run and estimate its time.

    Stage-2 counts assume every question parses. Prompt tokens are counted as characters / 4;
    time comes from this model's earlier calls in the store's log when there are some.
    """
    stages = prepared.stages()
    question_tasks = prepared.planner.question_tasks()
    prompts = [stages[0].prompt(task) for task in question_tasks]
    calls = {QUESTIONS: len(question_tasks)}
    max_tokens = len(question_tasks) * prepared.recipe.stages.questions.params.max_tokens
    responses = prepared.recipe.stages.responses
    if responses is not None:
        stand_ins = [_stand_in(task) for task in question_tasks]
        response_tasks = prepared.planner.response_tasks(stand_ins)
        per_task = 3 if responses.mode == "chained" else 1
        calls[RESPONSES] = len(response_tasks) * per_task
        prompts += [stages[1].prompt(task) for task in response_tasks] * per_task
        max_tokens += calls[RESPONSES] * responses.params.max_tokens
    prompt_tokens = sum(len(p) for p in prompts) // 4
    measured = _seconds_per_token(store, prepared.run.model_id)
    per_token = measured or DEFAULT_SECONDS_PER_TOKEN
    parallel = prepared.recipe.concurrency if prepared.run.model_id.startswith("openai:") else 1
    return Estimate(
        run_id=prepared.run.id,
        model_id=prepared.run.model_id,
        calls=calls,
        prompt_tokens=prompt_tokens,
        max_completion_tokens=max_tokens,
        seconds=max_tokens * per_token / parallel,
        seconds_source="measured from this model's logged calls" if measured else "a default rate",
    )


def _stand_in(task: Task) -> Record:
    example = task.variables["examples"][0]["text"] if task.variables["examples"] else "(question)"
    return Record(
        id=task.id,
        run_id=task.run_id,
        stage=QUESTIONS,
        template_name="",
        template_hash="",
        prompt="",
        model_id="",
        params={},
        seed=task.seed,
        attributes=task.attributes,
        data={"question": example},
    )


def export_records(store: Store, run_id: str, path: str | Path, *, stage: str | None = None) -> int:
    """Write a run's records (all fields, failed ones included) to a JSONL file; returns how many."""
    run = get_run(store, run_id)
    count = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for record in iter_records(store, run.id, stage=stage):
            handle.write(json.dumps(record.model_dump(mode="json"), ensure_ascii=False) + "\n")
            count += 1
    return count
