"""The optional LLM classifier of question format and kind, and its agreement with the rules.

The rule-based classifier (:mod:`coalign.validation.metrics.forms`) is the default: it is instant and
predictable. A capable model can label texts the rules find hard (statements that ask
something, questions hidden in instructions); :func:`compare_with_rules` shows on a sample how
often the two agree, so a reader can judge the rule-based figures of the report.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, get_args

from pydantic import BaseModel

from coalign.core import ChatRequest, Message, SamplingParams
from coalign.core.errors import InputError, ModelOutputError
from coalign.core.study import QuestionKind
from coalign.validation.metrics.forms import QuestionFormat, question_format, question_kind

FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "format": {"type": "string", "enum": list(get_args(QuestionFormat))},
        "kind": {"type": "string", "enum": list(get_args(QuestionKind))},
    },
    "required": ["format", "kind"],
    "additionalProperties": False,
}

INSTRUCTIONS = (
    "Label the user's text. format: 'question' if it is phrased as a question, 'instruction' if it "
    "tells the assistant to do something, else 'statement'. kind: 'closed' if it is a question that can "
    "be answered with yes/no or by picking one of the options it names, 'open' if it is a question that "
    "asks for an explanation or advice, else 'other' (instructions, requests, statements). Answer as JSON."
)


class LlmForm(BaseModel):
    """The model's labels for one text; both ``None`` when its output could not be used."""

    text: str
    format: QuestionFormat | None = None
    kind: QuestionKind | None = None
    error: str | None = None


def classify_forms(
    texts: Sequence[str], model: Any, params: SamplingParams | None = None
) -> list[LlmForm]:
    """Ask ``model`` (a :class:`coalign.llm.Model`) for the format and kind of each text.

    Output that does not match the schema gives a label-less entry with the error; the other
    texts are unaffected.
    """
    params = params or SamplingParams(temperature=0.0, max_tokens=32, seed=0)
    out = []
    for text in texts:
        request = ChatRequest(
            messages=[
                Message(role="system", content=INSTRUCTIONS),
                Message(role="user", content=text),
            ],
            params=params,
            json_schema=FORM_SCHEMA,
        )
        try:
            answer = model.complete_json(request, purpose="quality:forms")
        except ModelOutputError as exc:
            out.append(LlmForm(text=text, error=str(exc)))
            continue
        out.append(LlmForm(text=text, format=answer["format"], kind=answer["kind"]))
    return out


class FormAgreement(BaseModel):
    """How often the LLM and the rules give the same label, on the texts the LLM could label."""

    model_id: str
    n: int
    labelled: int
    format_agreement: float | None
    kind_agreement: float | None
    examples: list[tuple[str, str, str, str, str]]


def compare_with_rules(
    texts: Sequence[str],
    model: Any,
    *,
    sample: int = 50,
    seed: int = 0,
    params: SamplingParams | None = None,
) -> FormAgreement:
    """Label a seeded sample of ``texts`` with the model and with the rules, and compare.

    Returns:
        Agreement shares and up to ten disagreements ``[text, rule format, llm format, rule kind, llm kind]``.

    Raises:
        InputError: no texts, or ``sample`` < 1.
    """
    if not texts or sample < 1:
        raise InputError("comparing classifiers needs at least one text and a sample of at least 1")
    chosen = (
        list(texts) if len(texts) <= sample else random.Random(seed).sample(list(texts), sample)
    )
    labelled = [f for f in classify_forms(chosen, model, params) if f.format is not None]
    same_format = same_kind = 0
    examples: list[tuple[str, str, str, str, str]] = []
    for f in labelled:
        rule_format = question_format(f.text)
        rule_kind = question_kind(f.text, rule_format)
        same_format += rule_format == f.format
        same_kind += rule_kind == f.kind
        if (rule_format, rule_kind) != (f.format, f.kind) and len(examples) < 10:
            examples.append((f.text, rule_format, str(f.format), rule_kind, str(f.kind)))
    n = len(labelled)
    return FormAgreement(
        model_id=model.model_id,
        n=len(chosen),
        labelled=n,
        format_agreement=same_format / n if n else None,
        kind_agreement=same_kind / n if n else None,
        examples=examples,
    )
