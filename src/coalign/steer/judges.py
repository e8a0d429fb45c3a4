"""Axis judges and steering: score a chat answer 1–5 on each axis, steer answers towards targets.

A study's chat axes are its dimensions derived from deliberation (origin ``derived_axis``), or
all its dimensions when none was adopted yet. Each axis becomes a one-dimension judge rubric
(:func:`coalign.coconstruct.axis_dimensions.axis_rubric`: definition plus the group's example turns
as few-shot illustrations) run by the relevance judge's machinery
(:func:`coalign.validation.rules.judge.judge_records`). Scores are stored as verdicts named
``axis:<axis>`` on a content-derived record id, and judge calls go through
:class:`coalign.llm.Model`, whose cache answers a repeated judgement without the model.

Steering has two parts: :func:`steering_prompt` writes the slider targets into the system prompt,
and :func:`nearest` picks, among n candidates, the one whose scores are closest to the targets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from coalign.coconstruct.axis_dimensions import axis_rubric
from coalign.core.calls import SamplingParams
from coalign.core.errors import InputError
from coalign.core.ids import content_hash, stable_id
from coalign.core.records import Record, Verdict
from coalign.core.study import Study, ValueDimension
from coalign.llm.model import Model
from coalign.store import Store
from coalign.store.verdicts import current_verdicts_of, save_verdicts
from coalign.validation.rules.judge import judge_records

AXIS_PREFIX = "axis"
#: The run id axis verdicts are filed under (they belong to no generation run).
STEER_RUN = "steer"
LEVELS = {1: "not at all", 2: "a little", 3: "partly", 4: "mostly", 5: "fully"}
JUDGE_PARAMS = SamplingParams(temperature=0.0, max_tokens=128, seed=0)
#: Distance charged on an axis the judge could not score: the largest possible gap.
UNSCORED_GAP = 4.0


class AxisScore(BaseModel):
    """A judge's score (``None`` when it could not judge) and rationale for one axis."""

    axis: str
    score: float | None
    rationale: str


def chat_axes(study: Study) -> list[ValueDimension]:
    """The axes a chat is steered along: derived axes, else every dimension of the study."""
    derived = [d for d in study.dimensions if d.origin == "derived_axis"]
    return derived or list(study.dimensions)


def check_targets(axes: Sequence[ValueDimension], targets: Mapping[str, object]) -> dict[str, int]:
    """Slider targets as whole numbers 1–5, by axis name.

    Raises:
        InputError: an unknown axis, or a target that is not a whole number from 1 to 5.
    """
    known = {a.name for a in axes}
    out: dict[str, int] = {}
    for name, raw in targets.items():
        if name not in known:
            raise InputError(f"no axis {name!r}; the axes are {', '.join(sorted(known)) or 'none'}")
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise InputError(f"axis {name!r}: {str(raw)[:20]!r} is not a whole number") from None
        if not 1 <= value <= 5:
            raise InputError(f"axis {name!r}: the target must be from 1 to 5, not {value}")
        out[name] = value
    return out


def steering_prompt(base: str, axes: Sequence[ValueDimension], targets: Mapping[str, int]) -> str:
    """The study's system prompt followed by the qualities the user asked for, one line per axis."""
    lines = [
        f"- {axis.name} ({axis.definition.strip()}): {LEVELS[targets[axis.name]]} "
        f"({targets[axis.name]} of 5)"
        for axis in axes
        if axis.name in targets
    ]
    if not lines:
        return base
    head = "The user asked your answers to show these qualities, from 1 (not at all) to 5 (fully):"
    return "\n\n".join(part for part in (base.strip(), head + "\n" + "\n".join(lines)) if part)


def distance(scores: Mapping[str, float | None], targets: Mapping[str, int]) -> float:
    """Euclidean distance between judge scores and slider targets over the targeted axes.

    An axis the judge could not score counts as :data:`UNSCORED_GAP` away.
    """
    total = 0.0
    for axis, target in targets.items():
        score = scores.get(axis)
        gap = UNSCORED_GAP if score is None else float(score) - target
        total += gap * gap
    return math.sqrt(total)


def nearest(candidates: Sequence[Mapping[str, float | None]], targets: Mapping[str, int]) -> int:
    """Index of the candidate whose scores are nearest the targets; ties go to the earliest.

    Raises:
        InputError: no candidates.
    """
    if not candidates:
        raise InputError("there are no candidates to choose from")
    distances = [distance(scores, targets) for scores in candidates]
    return distances.index(min(distances))


def response_record_id(question: str, response: str) -> str:
    """The content-derived id axis verdicts about ``response`` to ``question`` are stored under."""
    return stable_id("chat", question, response)


def judge_response(
    store: Store,
    model: Model,
    study: Study,
    axes: Sequence[ValueDimension],
    question: str,
    response: str,
    params: SamplingParams = JUDGE_PARAMS,
) -> list[AxisScore]:
    """Score ``response`` (an answer to ``question``) on every axis; store the verdicts.

    A judgement that does not parse becomes a "could not judge" verdict (score ``None``); the
    other axes are unaffected.

    Raises:
        ModelUnavailableError: the judge model cannot be reached.
    """
    record = Record(
        id=response_record_id(question, response),
        run_id=STEER_RUN,
        stage="chat",
        template_name="chat",
        template_hash=content_hash("chat", 16),
        prompt=question,
        model_id=model.model_id,
        params=params,
        seed=params.seed or 0,
        data={"question": question, "aligned_response": response},
    )
    verdicts: list[Verdict] = []
    scores = []
    for axis in axes:
        judged = judge_records(
            [record], model, axis_rubric(axis), study=study, params=params, prefix=AXIS_PREFIX
        )
        # the rubric names its one dimension after the axis; file the verdict under the axis name
        found = [v.model_copy(update={"rule": axis_rule(axis.name)}) for v in judged]
        verdicts.extend(found)
        scores.append(_score(axis.name, found[0] if found else None))
    save_verdicts(store, STEER_RUN, verdicts)
    return scores


def axis_rule(name: str) -> str:
    """The verdict rule of an axis."""
    return f"{AXIS_PREFIX}:{name}"


def _score(axis: str, verdict: Verdict | None) -> AxisScore:
    if verdict is None:
        return AxisScore(axis=axis, score=None, rationale="not judged (empty response)")
    rationale = verdict.reason
    if verdict.score is not None and rationale.startswith("score "):
        rationale = rationale.split(": ", 1)[-1]  # drop the pass/fail prefix of low scores
    return AxisScore(axis=axis, score=verdict.score, rationale=rationale)


def stored_scores(
    store: Store, axes: Sequence[ValueDimension], record_ids: Sequence[str]
) -> dict[str, list[AxisScore]]:
    """The current axis scores of these responses, by record id, in the order of ``axes``."""
    by_key = {
        (v.record_id, v.rule): v
        for v in current_verdicts_of(store, record_ids, prefix=f"{AXIS_PREFIX}:")
    }
    return {
        rid: [_score(a.name, by_key.get((rid, axis_rule(a.name)))) for a in axes]
        for rid in record_ids
    }
