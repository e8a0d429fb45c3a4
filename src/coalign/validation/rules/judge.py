"""The relevance judge: an LLM scores records 1–5 per rubric dimension, with a rationale.

A rubric is a YAML file (the bundled default is ``validation/rubrics/relevance.yaml``) that users
copy and edit. Each dimension names the record fields (and optionally attributes) it needs,
its criteria (a Jinja2 template over the study and the record's attributes: the topic and the
question type come with their descriptions, the type also with its kind and example) and a
label per score. The bundled rubric judges a question against its topic and, separately,
against its question type, as study 000 defined relevance. The judge asks
for ``{"score": 1..5, "rationale": "…"}`` under a JSON schema; every call goes through
:class:`coalign.llm.Model`, so it is cached and logged like any other.

Every judged record × dimension gets a verdict named ``relevance:<dimension>`` with the score
and rationale, failing below the dimension's ``min_score``. When the model answers something
that does not parse, or whose rationale the token limit cut off, the verdict says "could not
judge" (failing, no score; ``truncated`` when cut off) and keeps the raw output in the reason;
the other verdicts are unaffected. The rationale's length is not capped in the schema: a cap
would make the grammar end it mid-sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coalign.core import ChatRequest, Message, Record, SamplingParams, Study, Verdict
from coalign.core.errors import InputError, ModelOutputError, describe_validation_error
from coalign.validation.rules.registry import is_response_record

JUDGE_PREFIX = "relevance"
_RAW_KEPT = 300  # characters of unparseable output kept in a "could not judge" verdict

JUDGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "rationale": {"type": "string", "minLength": 1},
    },
    "required": ["score", "rationale"],
    "additionalProperties": False,
}


class RubricDimension(BaseModel):
    """One thing the judge scores.

    Attributes:
        name: the verdicts are named ``relevance:<name>``.
        fields: record fields shown to the judge; records lacking one are not judged on it.
        criteria: the question put to the judge (a Jinja2 template).
        scale: a label for each score 1–5.
        min_score: scores below this fail.
        records: which records it applies to: ``questions`` (records without response fields),
            ``responses`` or ``all`` (every record holding the fields).
        attributes: record attributes the criteria need (e.g. ``question_type``); records
            without one are not judged on this dimension.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    fields: list[str] = Field(min_length=1)
    criteria: str = Field(min_length=1)
    scale: dict[int, str]
    min_score: int = Field(3, ge=1, le=5)
    records: Literal["all", "questions", "responses"] = "all"
    attributes: list[str] = Field(default_factory=list)

    @field_validator("scale")
    @classmethod
    def _five_points(cls, scale: dict[int, str]) -> dict[int, str]:
        if sorted(scale) != [1, 2, 3, 4, 5]:
            raise ValueError("give a label for each score 1, 2, 3, 4 and 5")
        return scale


class Rubric(BaseModel):
    """A named set of dimensions and the instructions the judge runs under."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    instructions: str = Field(min_length=1)
    dimensions: list[RubricDimension] = Field(min_length=1)

    @field_validator("dimensions")
    @classmethod
    def _unique(cls, dimensions: list[RubricDimension]) -> list[RubricDimension]:
        names = [d.name for d in dimensions]
        if len(set(names)) != len(names):
            raise ValueError("dimension names must be unique")
        return dimensions


def parse_rubric(data: Any, source: str) -> Rubric:
    """Validate rubric data; every problem is reported, each naming its key.

    Raises:
        InputError: the data is not a valid rubric or a criteria template does not compile.
    """
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{source}: " + "; ".join(describe_validation_error(exc))) from exc
    for i, dimension in enumerate(rubric.dimensions):
        try:
            _env().from_string(dimension.criteria)
        except TemplateError as exc:
            raise InputError(
                f"{source}: dimensions[{i}].criteria: not a valid template: {exc}"
            ) from exc
    return rubric


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Read a rubric YAML file, or the bundled default when ``path`` is ``None``.

    Raises:
        InputError: unreadable file, invalid YAML or an invalid rubric.
    """
    if path is None:
        text = (
            resources.files("coalign.validation")
            .joinpath("rubrics/relevance.yaml")
            .read_text("utf-8")
        )
        source = "default rubric"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read rubric {path}: {exc.strerror or exc}") from exc
        source = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML: {exc}") from exc
    return parse_rubric(data, source)


@lru_cache(maxsize=1)
def _env() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def _variables(record: Record, study: Study | None) -> dict[str, str]:
    attributes = record.attributes
    dimension = str(attributes.get("dimension") or record.data.get("dimension") or "")
    topic = str(attributes.get("topic") or record.data.get("topic") or "")
    qtype = str(attributes.get("question_type") or record.data.get("question_type") or "")
    definition = ""
    if study is not None and dimension:
        try:
            definition = study.dimension(dimension).definition.strip()
        except KeyError:
            definition = ""
    topics = {t.name: t for t in study.topics} if study else {}
    types = {q.name: q for q in study.question_types} if study else {}
    kind = str(attributes.get("question_kind") or (types[qtype].kind if qtype in types else ""))
    return {
        "deployment_context": (study.deployment_context.strip() if study else "")
        or "a general assistant",
        "topic": topic or "(any)",
        "topic_description": (topics[topic].description.strip() if topic in topics else "")
        or "no description given",
        "question_type": qtype or "(any)",
        "question_type_description": (types[qtype].description.strip() if qtype in types else "")
        or "no description given",
        "question_type_example": (types[qtype].example.strip() if qtype in types else "")
        or "no example given",
        "question_kind": kind or "unspecified",
        "dimension": dimension or "(unspecified)",
        "dimension_definition": definition or "no definition given",
    }


def judge_request(
    rubric: Rubric,
    dimension: RubricDimension,
    record: Record,
    study: Study | None,
    params: SamplingParams,
) -> ChatRequest:
    """The chat request that asks the judge about one record on one dimension.

    Raises:
        InputError: the criteria template uses a variable that does not exist.
    """
    try:
        criteria = (
            _env().from_string(dimension.criteria).render(**_variables(record, study)).strip()
        )
    except TemplateError as exc:
        raise InputError(f"rubric dimension {dimension.name!r}: {exc}") from exc
    shown = "\n\n".join(
        f"{field.replace('_', ' ').upper()}:\n{record.data[field]}" for field in dimension.fields
    )
    scale = "\n".join(f"{score} = {label}" for score, label in sorted(dimension.scale.items()))
    prompt = (
        f"{criteria}\n\n{shown}\n\nScale:\n{scale}\n\n"
        'Answer as JSON: {"score": <1-5>, "rationale": "<one sentence>"}'
    )
    return ChatRequest(
        messages=[
            Message(role="system", content=rubric.instructions),
            Message(role="user", content=prompt),
        ],
        params=params,
        json_schema=JUDGE_SCHEMA,
    )


def _judgeable(record: Record, dimension: RubricDimension) -> bool:
    if dimension.records != "all" and is_response_record(record) != (
        dimension.records == "responses"
    ):
        return False
    if not all(record.attributes.get(a) or record.data.get(a) for a in dimension.attributes):
        return False
    return record.parse_status == "ok" and all(
        isinstance(record.data.get(f), str) and record.data[f].strip() for f in dimension.fields
    )


def judge_records(
    records: Sequence[Record],
    model: Any,
    rubric: Rubric,
    *,
    study: Study | None = None,
    params: SamplingParams | None = None,
    dimensions: Sequence[str] | None = None,
    prefix: str = JUDGE_PREFIX,
) -> list[Verdict]:
    """Score every record on every rubric dimension whose fields it holds.

    Args:
        records: the records to judge.
        model: a :class:`coalign.llm.Model` (anything with ``model_id`` and ``complete``).
        rubric: what to score.
        study: gives the criteria the deployment context and dimension definitions.
        params: sampling for the judge; default temperature 0, 128 new tokens, seed 0.
        dimensions: judge only these rubric dimensions (default: all).
        prefix: verdict names are ``<prefix>:<dimension>``.

    Returns:
        One verdict per judged record × dimension; "could not judge" verdicts fail with no
        score. A model that cannot be reached at all raises instead (nothing to record).

    Raises:
        InputError: ``dimensions`` names a dimension the rubric lacks.
        ModelUnavailableError: the judge model cannot be reached.
    """
    params = params or SamplingParams(temperature=0.0, max_tokens=128, seed=0)
    chosen = rubric.dimensions
    if dimensions is not None:
        unknown = sorted(set(dimensions) - {d.name for d in rubric.dimensions})
        if unknown:
            raise InputError(f"rubric {rubric.name!r} has no dimension {', '.join(unknown)}")
        chosen = [d for d in rubric.dimensions if d.name in set(dimensions)]
    judge = f"llm:{model.model_id}"
    out: list[Verdict] = []
    for record in records:
        for dimension in chosen:
            if not _judgeable(record, dimension):
                continue
            rule = f"{prefix}:{dimension.name}"
            request = judge_request(rubric, dimension, record, study, params)
            try:
                answer = model.complete_json(
                    request, purpose=f"judge:{rubric.name}:{dimension.name}"
                )
            except ModelOutputError as exc:
                raw = exc.raw_output[:_RAW_KEPT]
                out.append(
                    Verdict(
                        record_id=record.id,
                        rule=rule,
                        passed=False,
                        judge=judge,
                        reason=f"could not judge: {exc}; raw output {raw!r}",
                    )
                )
                continue
            score = int(answer["score"])
            rationale = str(answer["rationale"]).strip()
            verdict_reason = (
                rationale
                if score >= dimension.min_score
                else (f"score {score} below {dimension.min_score}: {rationale}")
            )
            out.append(
                Verdict(
                    record_id=record.id,
                    rule=rule,
                    passed=score >= dimension.min_score,
                    score=float(score),
                    reason=verdict_reason,
                    judge=judge,
                )
            )
    return out
