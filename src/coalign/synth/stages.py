"""Generation stages: each turns one planned task into one record through the model.

A stage is one small protocol (:class:`Stage`): ``run(task, model) -> Record``, plus
``prompt(task)`` for cost estimates. Built-ins:

* :class:`QuestionStage` - stage 1, a new question for a topic × question type cell;
* :class:`ResponseStage` - stage 2 in one structured call: misaligned response, critique, rewrite;
* :class:`ChainedResponseStage` - stage 2 as three calls, each seeing the previous outputs.

Output is requested with a JSON schema (a grammar for the embedded model) that holds only what
the model writes: values the record already knows (the cell's topic and question type, the
question answered) are filled in by code, never generated. String lengths are not capped: a cap
makes the grammar close a string mid-word. Output that does not parse is re-asked with a new
seed ``reask`` times and then kept as a ``failed`` record with its raw output and the reason;
output that stopped at ``max_tokens`` is a parse failure too, kept as ``truncated`` - never
dropped, never passed off as whole.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Protocol

from coalign.core.calls import SamplingParams, generation_purpose
from coalign.core.ids import content_hash, derive_seed
from coalign.core.records import Record
from coalign.llm import Model
from coalign.llm.structured import Outcome, call_json
from coalign.synth.plan import Task
from coalign.synth.sampling import expand, slots
from coalign.synth.templates import PromptTemplate

RESPONSE_FIELDS = ("misaligned_response", "critique", "aligned_response")
CHAIN_SEPARATOR = "\n\n----- {step} -----\n\n"


class Stage(Protocol):
    """Turns a task into a record; provenance comes from the task and the stage's template."""

    name: str

    def prompt(self, task: Task) -> str:
        """The (first) prompt the stage sends for ``task``, without calling the model."""
        ...

    def run(self, task: Task, model: Model) -> Record:
        """Call the model for ``task`` and return the record (``failed`` if nothing parsed)."""
        ...


def text_schema(fields: dict[str, int]) -> dict[str, Any]:
    """JSON schema of an object of non-empty strings, ``{field: minimum length}``, nothing else.

    No ``maxLength``: the length is bounded by ``max_tokens``, and output that reaches it is
    reported as truncated instead of being forced to close early.
    """
    return {
        "type": "object",
        "properties": {
            name: {"type": "string", "minLength": least} for name, least in fields.items()
        },
        "required": list(fields),
        "additionalProperties": False,
    }


#: Stage 1: the model writes the question only; topic and question type come from the task.
QUESTION_SCHEMA = text_schema({"question": 8})


def response_schema(fields: tuple[str, ...]) -> dict[str, Any]:
    """JSON schema of a stage-2 answer with ``fields``, each a non-empty string."""
    return text_schema(dict.fromkeys(fields, 2))


def _record(
    task: Task,
    model: Model,
    params: SamplingParams,
    template: tuple[str, str],
    prompt: str,
    outcome: Outcome,
    data: dict[str, Any],
    attributes: dict[str, Any],
) -> Record:
    ok = outcome.error is None
    return Record(
        id=task.id,
        run_id=task.run_id,
        stage=task.stage,
        parents=task.parents,
        example_ids=task.example_ids,
        template_name=template[0],
        template_hash=template[1],
        prompt=prompt,
        model_id=model.model_id,
        params=params.model_copy(
            update={"seed": outcome.seed if outcome.seed is not None else task.seed}
        ),
        seed=task.seed,
        attributes={**attributes, "attempts": outcome.attempts},
        data=data if ok else {},
        raw_output=outcome.raw,
        parse_status="ok" if ok else outcome.status,
        parse_error=outcome.error,
    )


@dataclass
class QuestionStage:
    """Stage 1: one new question (or instruction) for the task's cell.

    Slots such as ``{country}`` in the model's question are filled from the study's entities;
    ``question_template`` keeps the unfilled text and ``attributes.entities`` what was filled in.
    """

    template: PromptTemplate
    params: SamplingParams
    entities: dict[str, list[str]]
    reask: int = 0
    name: str = "questions"

    def prompt(self, task: Task) -> str:
        """The rendered prompt of ``task``."""
        return self.template.render(**task.variables)

    def run(self, task: Task, model: Model) -> Record:
        """See :class:`Stage`."""
        prompt = self.prompt(task)
        topic, qtype = task.attributes["topic"], task.attributes["question_type"]
        params = self.params.model_copy(update={"seed": task.seed})
        outcome = call_json(
            model,
            prompt,
            QUESTION_SCHEMA,
            params,
            self.reask,
            generation_purpose(task.run_id, self.name),
        )
        attributes = {**task.attributes, "entities": dict(task.attributes.get("entities") or {})}
        data: dict[str, Any] = {}
        if outcome.data is not None:
            text = outcome.data["question"].strip()
            data = {"question": text, "topic": topic, "question_type": qtype}
            if slots(text) & set(self.entities):
                rng = random.Random(derive_seed(task.seed, "entities"))
                data["question"] = expand(text, self.entities, attributes["entities"], rng)
                data["question_template"] = text
        return _record(
            task,
            model,
            params,
            (self.template.name, self.template.hash),
            prompt,
            outcome,
            data,
            attributes,
        )


@dataclass
class ResponseStage:
    """Stage 2 in one structured call: misaligned response, critique and aligned rewrite."""

    template: PromptTemplate
    params: SamplingParams
    reask: int = 0
    name: str = "responses"

    def prompt(self, task: Task) -> str:
        """The rendered prompt of ``task``."""
        return self.template.render(**task.variables)

    def run(self, task: Task, model: Model) -> Record:
        """See :class:`Stage`."""
        prompt = self.prompt(task)
        params = self.params.model_copy(update={"seed": task.seed})
        outcome = call_json(
            model,
            prompt,
            response_schema(RESPONSE_FIELDS),
            params,
            self.reask,
            generation_purpose(task.run_id, self.name),
        )
        data = _response_data(task, outcome.data) if outcome.data is not None else {}
        return _record(
            task,
            model,
            params,
            (self.template.name, self.template.hash),
            prompt,
            outcome,
            data,
            dict(task.attributes),
        )


def _response_data(task: Task, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "question": task.variables["question"],
        "dimension": task.attributes["dimension"],
        **{name: str(values[name]).strip() for name in RESPONSE_FIELDS},
    }


@dataclass
class ChainedResponseStage:
    """Stage 2 as three calls (misaligned → critique → aligned), each prompt seeing the earlier outputs.

    The record keeps all three prompts and raw outputs, joined under ``----- step -----`` lines,
    and each step's template in ``attributes.steps``; a failed step fails the record.
    """

    templates: tuple[PromptTemplate, PromptTemplate, PromptTemplate]
    params: SamplingParams
    reask: int = 0
    name: str = "responses"

    def prompt(self, task: Task) -> str:
        """The first step's prompt (the later ones depend on model output)."""
        return self.templates[0].render(**task.variables)

    def run(self, task: Task, model: Model) -> Record:
        """See :class:`Stage`."""
        variables = dict(task.variables)
        prompts, raws, values, seeds = [], [], {}, []
        outcome = Outcome(None, "", None, 0)
        attempts = 0
        for template, field in zip(self.templates, RESPONSE_FIELDS):
            prompt = template.render(**variables)
            params = self.params.model_copy(update={"seed": derive_seed(task.seed, field)})
            outcome = call_json(
                model,
                prompt,
                response_schema((field,)),
                params,
                self.reask,
                generation_purpose(task.run_id, self.name, field),
            )
            attempts += outcome.attempts
            seeds.append(outcome.seed)
            prompts.append(CHAIN_SEPARATOR.format(step=field).lstrip() + prompt)
            raws.append(CHAIN_SEPARATOR.format(step=field).lstrip() + outcome.raw)
            if outcome.data is None:
                outcome.error = f"{field}: {outcome.error}"
                break
            values[field] = variables[field] = str(outcome.data[field]).strip()
        joined = Outcome(values, "\n\n".join(raws), outcome.error, attempts, status=outcome.status)
        steps = [
            {"step": f, "template": t.name, "template_hash": t.hash, "seed": seed}
            for t, f, seed in zip(self.templates, RESPONSE_FIELDS, seeds)
        ]
        name = "+".join(t.name for t in self.templates)
        digest = content_hash([t.hash for t in self.templates], 16)
        data = _response_data(task, values) if outcome.error is None else {}
        return _record(
            task,
            model,
            self.params,
            (name, digest),
            "\n\n".join(prompts),
            joined,
            data,
            {**task.attributes, "steps": steps},
        )
