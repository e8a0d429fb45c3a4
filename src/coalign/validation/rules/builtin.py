"""Built-in per-record rules: sensibility checks, length limits and verbosity.

Each rule writes one verdict per record it applies to. Text rules look at the ``fields``
they are given (by default every question/response field the record has); a record that
has none of them gets no verdict from that rule — missing fields are the business of
``fields_non_empty``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import Field, model_validator

from coalign.core import Record, Verdict
from coalign.validation.metrics.duplicates import normalise
from coalign.validation.rules import checks
from coalign.validation.rules.checks import CheckResult
from coalign.validation.rules.registry import (
    QUESTION_FIELDS,
    RESPONSE_FIELDS,
    FilterContext,
    FilterOptions,
    is_response_record,
    register,
    verdict,
)

ALL_FIELDS = QUESTION_FIELDS + RESPONSE_FIELDS


class FieldsOptions(FilterOptions):
    """Which fields a text rule looks at; ``None`` means every text field the record has."""

    fields: list[str] | None = None


def _text_rule(
    records: Sequence[Record],
    fields: list[str] | None,
    name: str,
    check: Callable[[str, str], CheckResult],
) -> list[Verdict]:
    """One verdict per record from ``check(field, text)`` over its text ``fields``."""
    out = []
    for record in records:
        present = [f for f in (fields or ALL_FIELDS) if isinstance(record.data.get(f), str)]
        if not present:
            continue
        failures, scores = [], []
        for f in present:
            passed, score, reason = check(f, record.data[f])
            if score is not None:
                scores.append(score)
            if not passed:
                failures.append(f"{f}: {reason}")
        out.append(
            verdict(
                record, name, not failures, min(scores) if scores else None, "; ".join(failures)
            )
        )
    return out


@register("well_formed", FilterOptions)
def well_formed(
    records: Sequence[Record], options: FilterOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """The model output parsed into fields (failed parses keep their raw output and fail here)."""
    out = []
    for r in records:
        if r.parse_status != "ok":
            out.append(
                verdict(
                    r,
                    name,
                    False,
                    reason=f"output did not parse: {r.parse_error or 'unknown error'}",
                )
            )
        elif not r.data:
            out.append(verdict(r, name, False, reason="parsed output holds no fields"))
        else:
            out.append(verdict(r, name, True))
    return out


class NonEmptyOptions(FilterOptions):
    """Fields that must hold text, for question records and for response records."""

    question_fields: list[str] = Field(default_factory=lambda: list(QUESTION_FIELDS))
    response_fields: list[str] = Field(default_factory=lambda: list(RESPONSE_FIELDS))


@register("fields_non_empty", NonEmptyOptions)
def fields_non_empty(
    records: Sequence[Record], options: NonEmptyOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """Every required field is present and holds non-blank text."""
    out = []
    for r in records:
        required = options.response_fields if is_response_record(r) else options.question_fields
        problems = []
        for f in required:
            if f not in r.data:
                problems.append(f"{f}: missing")
            else:
                passed, _, reason = checks.non_empty(r.data[f])
                if not passed:
                    problems.append(f"{f}: {reason}")
        out.append(verdict(r, name, not problems, reason="; ".join(problems)))
    return out


class LanguageOptions(FieldsOptions):
    """Share of English function words a text of at least five words needs."""

    min_share: float = Field(0.15, ge=0.0, le=1.0)


@register("language", LanguageOptions)
def language(
    records: Sequence[Record], options: LanguageOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """The texts look like English (Latin letters, English function words)."""
    return _text_rule(
        records, options.fields, name, lambda _, t: checks.looks_english(t, options.min_share)
    )


class TruncationOptions(FieldsOptions):
    """Fields where a missing final punctuation mark is fine unless the last word is a function word.

    People type questions and instructions without a closing ``?`` or ``.``; there a text is
    taken as cut off only when it stops on a word such as *the*, *to* or *and*.
    """

    unpunctuated_ok: list[str] = Field(default_factory=lambda: ["question"])


@register("not_truncated", TruncationOptions)
def not_truncated(
    records: Sequence[Record], options: TruncationOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """The texts end like finished sentences."""
    return _text_rule(
        records,
        options.fields,
        name,
        lambda f, t: checks.not_truncated(t, unpunctuated_ok=f in options.unpunctuated_ok),
    )


class RefusalOptions(FilterOptions):
    """Fields where a refusal is a defect (an aligned rewrite may rightly decline, so it is not checked)."""

    fields: list[str] = Field(
        default_factory=lambda: ["question", "misaligned_response", "critique"]
    )


@register("not_refusal", RefusalOptions)
def not_refusal(
    records: Sequence[Record], options: RefusalOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """No refusal or 'as an AI' disclaimer where the text should be content."""
    return _text_rule(records, options.fields, name, lambda _, t: checks.not_refusal(t))


@register("no_template_leak", FieldsOptions)
def no_template_leak(
    records: Sequence[Record], options: FieldsOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """No prompt-template residue: unrendered slots, chat tokens, echoed headings or JSON keys."""
    return _text_rule(records, options.fields, name, lambda _, t: checks.no_template_leak(t))


class PairOptions(FilterOptions):
    """The two fields compared."""

    left: str = "aligned_response"
    right: str = "misaligned_response"


def field_pairs(records: Sequence[Record], left: str, right: str) -> list[tuple[Record, str, str]]:
    out = []
    for r in records:
        a, b = r.data.get(left), r.data.get(right)
        if isinstance(a, str) and isinstance(b, str):
            out.append((r, a, b))
    return out


@register("aligned_differs", PairOptions)
def aligned_differs(
    records: Sequence[Record], options: PairOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """The aligned rewrite is not the misaligned response again (after normalising case and punctuation)."""
    return [
        verdict(
            r,
            name,
            normalise(a) != normalise(b),
            reason=""
            if normalise(a) != normalise(b)
            else f"{options.left} repeats {options.right}",
        )
        for r, a, b in field_pairs(records, options.left, options.right)
    ]


class LengthOptions(FilterOptions):
    """Token limits for one field (either limit may be left out)."""

    field: str = "aligned_response"
    min_tokens: int | None = Field(None, ge=0)
    max_tokens: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _some_limit(self) -> LengthOptions:
        if self.min_tokens is None and self.max_tokens is None:
            raise ValueError("give min_tokens, max_tokens or both")
        if (
            self.min_tokens is not None
            and self.max_tokens is not None
            and self.min_tokens > self.max_tokens
        ):
            raise ValueError("min_tokens is larger than max_tokens")
        return self


@register("length", LengthOptions)
def length(
    records: Sequence[Record], options: LengthOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """The field's token count lies within [min_tokens, max_tokens]."""
    out = []
    for r in records:
        text = r.data.get(options.field)
        if not isinstance(text, str):
            continue
        n = context.tokenizer(text)
        reason = ""
        if options.min_tokens is not None and n < options.min_tokens:
            reason = f"{options.field} has {n} tokens, fewer than {options.min_tokens}"
        elif options.max_tokens is not None and n > options.max_tokens:
            reason = f"{options.field} has {n} tokens, more than {options.max_tokens}"
        out.append(verdict(r, name, not reason, float(n), reason))
    return out


class VerboseOptions(PairOptions):
    """How much longer than the reference field the field may be."""

    max_ratio: float = Field(3.0, gt=0.0)
    min_tokens: int = Field(30, ge=0, description="texts shorter than this are never verbose")


@register("verbose", VerboseOptions)
def verbose(
    records: Sequence[Record], options: VerboseOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """The field is not more than ``max_ratio`` times as long as the reference (aligned vs misaligned)."""
    out = []
    for r, a, b in field_pairs(records, options.left, options.right):
        na, nb = context.tokenizer(a), max(context.tokenizer(b), 1)
        ratio = na / nb
        bad = na >= options.min_tokens and ratio > options.max_ratio
        reason = (
            f"{options.left} is {ratio:.1f}× as long as {options.right} (limit {options.max_ratio})"
            if bad
            else ""
        )
        out.append(verdict(r, name, not bad, round(ratio, 4), reason))
    return out
