"""Report figures of the embedding relevance rules: rank distributions and failure shares per stage.

The verdicts of ``topic_fit`` and ``type_fit`` say in their reason where the assigned label
ranked among all the study's labels (:func:`coalign.validation.rules.fit.parse_fit`); this module
turns them into one :class:`FitSummary` per rule and stage: how many were checked and failed,
how often the assigned label ranked 1st, 2nd …, the median cosine, and which label was nearest
when the check failed (the topics or types that the data confuses). ``answers_question`` and any
other rule named in ``rules`` get the same counts without ranks.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from coalign.core import Record, Verdict
from coalign.validation.rules.fit import parse_fit

#: The rules summarised by default (the names they are registered under).
FIT_RULES: tuple[str, ...] = ("topic_fit", "type_fit", "answers_question")


class FitSummary(BaseModel):
    """One rule's verdicts on one stage.

    Attributes:
        rule: the verdicts' rule name.
        stage: the records' stage.
        checked: verdicts.
        failed: failing verdicts.
        share_failed: ``failed / checked``.
        ranks: how many verdicts put the assigned label at each rank (1 = nearest); empty for
            rules without ranks.
        labels: how many labels the study had for the aspect (the largest rank possible).
        median_cosine: median of the verdicts' scores (cosines).
        confused_with: among failing verdicts, ``"assigned -> nearest other"`` and its count,
            most frequent first.
    """

    rule: str
    stage: str
    checked: int
    failed: int
    share_failed: float
    ranks: dict[int, int] = Field(default_factory=dict)
    labels: int | None = None
    median_cosine: float | None = None
    confused_with: dict[str, int] = Field(default_factory=dict)


def fit_summaries(
    records: Sequence[Record],
    verdicts: Iterable[Verdict],
    rules: Sequence[str] = FIT_RULES,
    top_confusions: int = 10,
) -> list[FitSummary]:
    """Summarise the verdicts of ``rules`` per rule and per stage of the records they judge.

    Args:
        records: the run's records (they give each verdict its stage).
        verdicts: the current verdicts (others' are ignored, as are verdicts of unknown records).
        rules: rule names to summarise, in the order wanted; a rule without verdicts is left out.
        top_confusions: most ``assigned -> nearest`` pairs kept per summary.

    Returns:
        One summary per rule × stage that has verdicts, rules in the given order, stages sorted.
    """
    stage_of = {r.id: r.stage for r in records}
    wanted = set(rules)
    grouped: dict[tuple[str, str], list[Verdict]] = {}
    for v in verdicts:
        if v.rule in wanted and v.record_id in stage_of:
            grouped.setdefault((v.rule, stage_of[v.record_id]), []).append(v)
    out = []
    for rule in rules:
        for stage in sorted(s for r, s in grouped if r == rule):
            out.append(_summary(rule, stage, grouped[(rule, stage)], top_confusions))
    return out


def _summary(rule: str, stage: str, verdicts: list[Verdict], top: int) -> FitSummary:
    failed = sum(1 for v in verdicts if not v.passed)
    ranks: Counter[int] = Counter()
    confusions: Counter[str] = Counter()
    labels = None
    for v in verdicts:
        fit = parse_fit(v.reason)
        if fit is None:
            continue
        ranks[fit.rank] += 1
        labels = max(labels or 0, fit.of)
        if not v.passed and fit.nearest is not None:
            confusions[f"{fit.assigned} -> {fit.nearest}"] += 1
    scores = [v.score for v in verdicts if v.score is not None]
    return FitSummary(
        rule=rule,
        stage=stage,
        checked=len(verdicts),
        failed=failed,
        share_failed=failed / len(verdicts),
        ranks=dict(sorted(ranks.items())),
        labels=labels,
        median_cosine=round(statistics.median(scores), 4) if scores else None,
        confused_with=dict(confusions.most_common(top)),
    )
