"""Run configured filters over records and collect verdicts; nothing is ever removed.

A filter that breaks (a missing extra, a bug, a bad record shape) does not lose the verdicts
of the others: its failure is recorded in :attr:`ValidationResult.errors` and the next filter
runs. The accepted set is derived from verdicts, never stored separately.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from coalign.core import Record, Verdict
from coalign.core.errors import CoalignError
from coalign.validation.rules.config import default_filters
from coalign.validation.rules.registry import ConfiguredFilter, FilterContext, require_records


class FilterRun(BaseModel):
    """What one filter did: verdict counts, seconds, and an error if it broke."""

    name: str
    rule: str
    options: dict[str, Any]
    checked: int = 0
    failed: int = 0
    seconds: float = 0.0
    error: str | None = None


class ValidationResult(BaseModel):
    """All verdicts of one validation, per-filter summaries, and what broke."""

    verdicts: list[Verdict] = Field(default_factory=list)
    filters: list[FilterRun] = Field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """``"name: message"`` for every filter that could not run."""
        return [f"{f.name}: {f.error}" for f in self.filters if f.error]

    def rejected_ids(self) -> set[str]:
        """Ids of records with at least one failing verdict."""
        return rejected_ids(self.verdicts)

    def failures_by_rule(self) -> dict[str, int]:
        """Failing verdicts per rule name."""
        return dict(Counter(v.rule for v in self.verdicts if not v.passed))


def rejected_ids(verdicts: Iterable[Verdict]) -> set[str]:
    """Ids of records with at least one failing verdict."""
    return {v.record_id for v in verdicts if not v.passed}


def accepted(records: Sequence[Record], verdicts: Iterable[Verdict]) -> list[Record]:
    """The accepted set: records with no failing verdict, in their original order."""
    rejected = rejected_ids(verdicts)
    return [r for r in records if r.id not in rejected]


def validate_records(
    records: Sequence[Record],
    filters: Sequence[ConfiguredFilter] | None = None,
    context: FilterContext | None = None,
) -> ValidationResult:
    """Run ``filters`` (the defaults when ``None``) over ``records``.

    Verdicts of earlier filters, and any in ``context.verdicts`` (e.g. judge scores), are
    visible to later ones through the context.

    Raises:
        InputError: ``records`` is empty.
    """
    require_records(records)
    filters = list(filters) if filters is not None else default_filters()
    context = context or FilterContext()
    result = ValidationResult()
    for f in filters:
        summary = FilterRun(**f.describe())
        start = time.perf_counter()
        try:
            verdicts = f(records, context)
        except CoalignError as exc:
            summary.error = str(exc)
            verdicts = []
        except Exception as exc:
            summary.error = f"{type(exc).__name__}: {exc}"
            verdicts = []
        summary.seconds = time.perf_counter() - start
        summary.checked = len(verdicts)
        summary.failed = sum(1 for v in verdicts if not v.passed)
        result.filters.append(summary)
        result.verdicts.extend(verdicts)
        context.verdicts.extend(verdicts)
    return result
