"""Copy rate per stage: the share of records failing ``seed_copy`` and the sources copied most.

Interview study 002 asks for detection of one seed dominating the output; a seed that many
synthetic records copy is that signal at its plainest. :func:`copy_rates` reads the verdicts
a validation stored (it never recomputes them), so a report can call it on any run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from coalign.core import Record, Verdict

#: A copied source in a ``seed_copy`` reason: ``copies [in-context ]KIND ID[ FIELD] (…)``.
_COPIED = re.compile(
    r"copies (?:in-context )?(seed question|seed example|diary entry) (\S+)(?: (\w+))? \("
)


class CopiedSource(BaseModel):
    """A source and how many records of the stage copy it."""

    kind: str
    id: str
    records: int


class StageCopies(BaseModel):
    """Copy figures of one stage.

    Attributes:
        checked: records of the stage that got a ``seed_copy`` verdict.
        copies: of those, records that failed it.
        rate: ``copies / checked`` (0 when nothing was checked).
        top_sources: the sources copied by most records, most first.
    """

    stage: str
    checked: int
    copies: int
    rate: float
    top_sources: list[CopiedSource] = Field(default_factory=list)


def copied_sources(reason: str) -> list[tuple[str, str]]:
    """``(kind, id)`` of every source a ``seed_copy`` reason names, each once, in order."""
    return list(dict.fromkeys((m.group(1), m.group(2)) for m in _COPIED.finditer(reason)))


def copy_rates(
    records: Sequence[Record],
    verdicts: Iterable[Verdict],
    *,
    rule: str = "seed_copy",
    top: int = 10,
) -> list[StageCopies]:
    """Per stage (in the order stages first appear in ``records``): copy rate and most-copied sources.

    Args:
        records: the run's records (for their stages).
        verdicts: the current verdicts of the run; only those of ``rule`` are used.
        rule: the name the copy filter was configured under.
        top: how many sources to list per stage.
    """
    stage_of = {r.id: r.stage for r in records}
    stages = list(dict.fromkeys(r.stage for r in records))
    checked: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    sources: dict[str, Counter[tuple[str, str]]] = {s: Counter() for s in stages}
    for v in verdicts:
        stage = stage_of.get(v.record_id)
        if v.rule != rule or stage is None:
            continue
        checked[stage] += 1
        if not v.passed:
            failed[stage] += 1
            sources[stage].update(copied_sources(v.reason))
    return [
        StageCopies(
            stage=s,
            checked=checked[s],
            copies=failed[s],
            rate=failed[s] / checked[s] if checked[s] else 0.0,
            top_sources=[
                CopiedSource(kind=k, id=i, records=n) for (k, i), n in sources[s].most_common(top)
            ],
        )
        for s in stages
    ]
