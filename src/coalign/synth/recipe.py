"""Recipes: YAML files that say what to generate, checked against a schema before anything runs.

A recipe names the study, the model, the random seed and the two stages::

    name: bank-default
    study: bank-assistant
    model: llama-cpp:smollm2-135m        # optional; --model overrides
    seed: 7
    concurrency: 1                       # requests in flight (use 4-32 against a server)
    reask_on_parse_failure: 1            # extra tries when the output does not parse
    stages:
      questions:
        per_cell: 1                      # new questions per topic × question type cell
        examples: {k: 3, strategy: same-type}
        seed_questions: [sq_1a2b…]       # optional: only these accepted seeds in-context
        params: {temperature: 0.9, max_tokens: 80}
      responses:                         # optional: leave out for questions only
        mode: single                     # or chained: three calls per response
        dimensions: [fairness, safety]   # default: every dimension of the study
        dimensions_per_question: 1       # or "all"
        examples: {k: 2, strategy: random}
        personas: [{name: student, text: "a first-year student"}]

Every problem is reported with the path of the bad key (``stages.questions.examples.k``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coalign.core.calls import SamplingParams
from coalign.core.errors import InputError, describe_validation_error

Strategy = Literal["random", "same-type", "same-topic", "stratified"]
ResponseMode = Literal["single", "chained"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExampleSampling(_Strict):
    """How in-context examples are drawn from the seeds.

    Attributes:
        k: examples shown per prompt.
        strategy: ``random`` (any seed), ``same-type`` / ``same-topic`` (only seeds sharing the
            question type / topic of the cell), ``stratified`` (spread over as many
            topic × type strata as possible).
    """

    k: int = Field(3, ge=0, le=20)
    strategy: Strategy = "random"


class Condition(_Strict):
    """A persona or an intervention: a named instruction added to the prompt and recorded.

    Attributes:
        name: short label stored in each record's attributes.
        text: what the prompt says, e.g. ``someone who has just moved to the country``.
    """

    name: str = Field(min_length=1, max_length=80)
    text: str = ""


class _StageBase(_Strict):
    examples: ExampleSampling = Field(default_factory=ExampleSampling)
    personas: list[Condition] = Field(default_factory=list)
    interventions: list[Condition] = Field(default_factory=list)

    @field_validator("personas", "interventions")
    @classmethod
    def _unique(cls, values: list[Condition]) -> list[Condition]:
        names = [c.name for c in values]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate:
            raise ValueError(f"duplicate name {duplicate!r}")
        return values


class QuestionStage(_StageBase):
    """Stage 1: new questions, balanced over topics × question types.

    Attributes:
        template: a bundled template name or a path (relative to the recipe file).
        per_cell: questions generated per cell (and per persona × intervention).
        topics / question_types: a subset of the study's; default all of them (participants' too).
        limit: stop after this many questions (the first ones in a balanced, seeded order).
        seed_questions: ids of the accepted seed questions to draw in-context examples from
            (e.g. those of one workshop); default every accepted seed question of the study.
    """

    template: str = "questions.j2"
    per_cell: int = Field(1, ge=1, le=10_000)
    topics: list[str] | None = None
    question_types: list[str] | None = None
    limit: int | None = Field(None, ge=1)
    seed_questions: list[str] | None = Field(None, min_length=1)
    examples: ExampleSampling = Field(default_factory=lambda: ExampleSampling(strategy="same-type"))
    params: SamplingParams = Field(
        default_factory=lambda: SamplingParams(temperature=0.9, max_tokens=96)
    )


class ChainedTemplates(_Strict):
    """The three templates of chained mode, one per call."""

    misaligned: str = "misaligned.j2"
    critique: str = "critique.j2"
    aligned: str = "aligned.j2"


class ResponseStage(_StageBase):
    """Stage 2: per question and value dimension, a misaligned response, a critique and a rewrite.

    Attributes:
        mode: ``single`` (one structured call) or ``chained`` (three calls, each seeing the last).
        dimensions: a subset of the study's dimensions; default all.
        dimensions_per_question: how many of them each question gets (drawn per question), or ``all``.
    """

    mode: ResponseMode = "single"
    template: str = "responses.j2"
    chained_templates: ChainedTemplates = Field(default_factory=ChainedTemplates)
    dimensions: list[str] | None = None
    dimensions_per_question: int | Literal["all"] = 1
    examples: ExampleSampling = Field(default_factory=lambda: ExampleSampling(k=2))
    params: SamplingParams = Field(
        default_factory=lambda: SamplingParams(temperature=0.8, max_tokens=320)
    )

    @field_validator("dimensions_per_question")
    @classmethod
    def _positive(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError("must be at least 1 or 'all'")
        return value


class Stages(_Strict):
    """The stages to run, in order; ``responses`` may be left out."""

    questions: QuestionStage = Field(default_factory=QuestionStage)
    responses: ResponseStage | None = None


class Recipe(_Strict):
    """A generation recipe; stored in full with every run it starts.

    Attributes:
        name: a label for the recipe.
        study: the slug of a study in the database.
        model: a model string; ``None`` means the command line's ``--model`` or the default.
        seed: the run's random seed; every task's seed is derived from it.
        concurrency: requests in flight (the embedded model serialises calls anyway).
        reask_on_parse_failure: extra tries, each with a new seed, when the output does not parse.
        llm_assisted_seeds: whether seed examples that a participant started from a model draft
            (``llm_assisted``) may be shown in-context; ``false`` keeps the model's own words
            out of the seeds, so the run is seeded by people alone.
        filters: the validation filters ``coalign validate`` runs on this recipe's runs (same
            entries as a ``--filters`` file; checked when validation starts); ``None``: defaults.
    """

    name: str = Field(min_length=1, max_length=200)
    study: str = Field(min_length=1)
    model: str | None = None
    seed: int = 0
    concurrency: int = Field(1, ge=1, le=256)
    reask_on_parse_failure: int = Field(0, ge=0, le=5)
    stages: Stages = Field(default_factory=Stages)
    llm_assisted_seeds: bool = True
    filters: list[dict[str, Any]] | None = None


def parse_recipe(data: Any, source: str = "recipe") -> Recipe:
    """Validate a recipe mapping.

    Raises:
        InputError: naming every bad key, e.g. ``recipe.yaml: stages.questions.per_cell: …``.
    """
    if not isinstance(data, dict):
        raise InputError(f"{source}: top level: expected a mapping, got {type(data).__name__}")
    try:
        return Recipe.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{source}: " + "; ".join(describe_validation_error(exc))) from exc


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a recipe YAML file.

    Raises:
        InputError: unreadable file, invalid YAML, or schema problems (each naming its key).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read recipe {path}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(
            f"{path}: not valid YAML{place} ({getattr(exc, 'problem', None) or exc})"
        ) from exc
    return parse_recipe(data, str(path))
