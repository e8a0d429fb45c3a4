"""Generation stages: each turns one planned task into one record through the model.

A stage is one small protocol (:class:`Stage`): ``run(task, model) -> Record``. Built-ins:

* :class:`QuestionStage` - stage 1, a new question for a topic × question type cell;
* :class:`ResponseStage` - stage 2 in one structured call: misaligned response, critique, rewrite;
* :class:`ChainedResponseStage` - stage 2 as three calls, each seeing the previous outputs.

Output is requested with a JSON schema (a grammar for the embedded model). Output that does not
parse is retried with a new seed ``reask`` times and then kept as a ``failed`` record with its
raw output and the reason - never dropped. String lengths in the schema are capped from
``max_tokens`` so that output is not cut off mid-JSON.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any, Protocol

from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.core.errors import ModelOutputError
from coalign.core.ids import content_hash
from coalign.core.records import Record
from coalign.llm import Model
from coalign.synth.plan import Task
from coalign.synth.sampling import derive_seed, expand, slots
from coalign.synth.templates import PromptTemplate

RESPONSE_FIELDS = ("misaligned_response", "critique", "aligned_response")
CHAIN_SEPARATOR = "\n\n----- {step} -----\n\n"


class Stage(Protocol):
    """Turns a task into a record; provenance comes from the task and the stage's template."""

    name: str

    def run(self, task: Task, model: Model) -> Record:
        """Call the model for ``task`` and return the record (``failed`` if nothing parsed)."""
        ...


def _string(max_chars: int, min_chars: int = 1) -> dict[str, Any]:
    return {"type": "string", "minLength": min_chars, "maxLength": max_chars}


def _max_chars(params: SamplingParams, fields: int, reserved: int = 0) -> int:
    # About 3-4 characters per token; keep ~12 tokens per field (JSON syntax, keys, slack) and
    # ``reserved`` tokens for fixed values, so the object closes before ``max_tokens``.
    return max(24, (params.max_tokens - 12 * fields - reserved) * 3 // fields)


def question_schema(topic: str, question_type: str, params: SamplingParams) -> dict[str, Any]:
    """JSON schema of a stage-1 answer; topic and question type are fixed to the cell's."""
    return {
        "type": "object",
        "properties": {
            "question": _string(
                _max_chars(params, 1, 12 + (len(topic) + len(question_type)) // 2), 8
            ),
            "topic": {"type": "string", "enum": [topic]},
            "question_type": {"type": "string", "enum": [question_type]},
        },
        "required": ["question", "topic", "question_type"],
        "additionalProperties": False,
    }


def response_schema(fields: tuple[str, ...], params: SamplingParams) -> dict[str, Any]:
    """JSON schema of a stage-2 answer with ``fields``, each a non-empty, length-capped string."""
    limit = _max_chars(params, len(fields))
    return {
        "type": "object",
        "properties": {name: _string(limit, 2) for name in fields},
        "required": list(fields),
        "additionalProperties": False,
    }


@dataclass
class Outcome:
    """What one (possibly re-asked) call gave: the parsed object, or the raw text and why it failed."""

    data: dict[str, Any] | None
    raw: str
    error: str | None
    attempts: int
    seed: int | None = None


def call_json(
    model: Model,
    prompt: str,
    schema: dict[str, Any],
    params: SamplingParams,
    reask: int,
    purpose: str,
) -> Outcome:
    """One JSON call, re-asked up to ``reask`` times with derived seeds when the output does not parse.

    Only parse failures are handled here; an unreachable model raises and stops the run.
    """
    raw, error = "", None
    for attempt in range(reask + 1):
        seed = params.seed if attempt == 0 else derive_seed(params.seed or 0, "reask", attempt)
        request = ChatRequest(
            messages=[Message(role="user", content=prompt)],
            params=params.model_copy(update={"seed": seed}),
            json_schema=schema,
        )
        try:
            raw = model.complete(request, purpose=purpose).text
            return Outcome(json.loads(raw), raw, None, attempt + 1, seed)
        except ModelOutputError as exc:
            raw, error = exc.raw_output, str(exc)
    return Outcome(None, raw, error, reask + 1, seed)


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
        parse_status="ok" if ok else "failed",
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
            question_schema(topic, qtype, params),
            params,
            self.reask,
            f"synth:{self.name}",
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
            response_schema(RESPONSE_FIELDS, params),
            params,
            self.reask,
            f"synth:{self.name}",
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
                response_schema((field,), params),
                params,
                self.reask,
                f"synth:{self.name}:{field}",
            )
            attempts += outcome.attempts
            seeds.append(outcome.seed)
            prompts.append(CHAIN_SEPARATOR.format(step=field).lstrip() + prompt)
            raws.append(CHAIN_SEPARATOR.format(step=field).lstrip() + outcome.raw)
            if outcome.data is None:
                outcome.error = f"{field}: {outcome.error}"
                break
            values[field] = variables[field] = str(outcome.data[field]).strip()
        joined = Outcome(values, "\n\n".join(raws), outcome.error, attempts)
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
