"""The ``degenerate_repetition`` rule: no field loops, repeats a sentence or a phrase over and over.

See :mod:`coalign.validation.metrics.repetition` for the four signs and why the default limits
leave normal text (a repeated word, a recap, a list with parallel structure) alone. A failing
verdict names the field, the repeated phrase and its count, e.g. ``aligned_response: repeats
"I'm sorry" 20 times in a row``; the score is the lowest distinct-3 ratio of the checked fields.

Recommended as a default filter once measured on labelled output (it is not in
``DEFAULT_FILTERS`` yet): ``- rule: degenerate_repetition`` with the default limits.
"""

from __future__ import annotations

from collections.abc import Sequence

from coalign.core import Record, Verdict
from coalign.validation.metrics.copies import words
from coalign.validation.metrics.repetition import (
    RepetitionSettings,
    distinct_ratio,
    find_repetition,
)
from coalign.validation.rules.builtin import ALL_FIELDS
from coalign.validation.rules.registry import FilterContext, FilterOptions, register, verdict


class RepetitionOptions(FilterOptions, RepetitionSettings):
    """The fields checked (``None``: every question/response field present) and the limits."""

    fields: list[str] | None = None


@register("degenerate_repetition", RepetitionOptions)
def degenerate_repetition(
    records: Sequence[Record], options: RepetitionOptions, context: FilterContext, name: str
) -> list[Verdict]:
    """No field loops or repeats a sentence or phrase many times (reason names phrase and count)."""
    settings = RepetitionSettings(
        **options.model_dump(include=set(RepetitionSettings.model_fields))
    )
    out = []
    for r in records:
        present = [f for f in (options.fields or ALL_FIELDS) if isinstance(r.data.get(f), str)]
        if not present:
            continue
        failures = []
        ratios = []
        for f in present:
            text = r.data[f]
            ratios.append(distinct_ratio(words(text)[: options.max_words], 3))
            found = find_repetition(text, settings)
            if found is not None:
                failures.append(f"{f}: {found.describe()}")
        out.append(verdict(r, name, not failures, round(min(ratios), 4), "; ".join(failures)))
    return out
