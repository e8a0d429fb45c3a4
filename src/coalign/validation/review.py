"""Human validation: a stratified sample, reviewer decisions as verdicts, and agreement.

A reviewer's decision is a verdict named ``human_review:<reviewer>`` (judge ``human:<reviewer>``)
that passes on accept and fails on reject, with the note as its reason; a reviewer who
changes their mind supersedes their own earlier verdict, and other reviewers' verdicts stay.
A human reject removes a record from the accepted set like any failing verdict.

Agreement compares each human decision with the *automatic* decision on the same record:
accepted when no current non-human verdict fails. It is reported as a 2×2 confusion table
and Cohen's kappa, next to the agreement between reviewers on the records both decided (two
reviewers who draw with the same seed review the same sample): human–automatic agreement means
little when humans disagree among themselves as often.

The sample is stratified by topic × question type × automatic verdict, where the verdict is
``accepted``, ``borderline`` (rejected by exactly one rule) or ``rejected`` (by several), and the
places are shared in proportion to the square root of each stratum's size: rare strata and the
borderline decisions, where the rules are most often wrong, are oversampled.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel, Field

from coalign.core import Record, Verdict
from coalign.core.errors import InputError
from coalign.store import Store
from coalign.store.runs import get_run, iter_records
from coalign.store.verdicts import (
    failing_rules,
    list_verdicts,
    rejected_record_ids,
    resolve_record_id,
    save_verdicts,
)

HUMAN_RULE = "human_review"
HUMAN_JUDGE = "human:"
STRATA = ("topic", "question_type", "verdict")


def automatic_decision(failing: int) -> str:
    """``accepted`` (no failing rule), ``borderline`` (one) or ``rejected`` (several)."""
    return "accepted" if failing == 0 else "borderline" if failing == 1 else "rejected"


def stratum(record: Record, failing: dict[str, int], by: Sequence[str] = STRATA) -> tuple[str, ...]:
    """The stratum of a record: its attributes named in ``by``; ``verdict`` is the automatic
    decision (:func:`automatic_decision` of its number of failing rules in ``failing``)."""
    key = []
    for name in by:
        if name == "verdict":
            key.append(automatic_decision(failing.get(record.id, 0)))
        else:
            key.append(str(record.attributes.get(name, "(none)")))
    return tuple(key)


def stratified_sample(
    records: Sequence[Record],
    failing: dict[str, int],
    size: int,
    *,
    seed: int = 0,
    by: Sequence[str] = STRATA,
) -> list[Record]:
    """Draw ``size`` records so every stratum is represented, rare ones more than their share.

    ``failing`` gives the number of failing automatic rules per record id (absent: none). Each
    stratum's share is proportional to the square root of its size, rounded down, at least one
    when ``size`` allows one per stratum; the remaining places go to the strata with the largest
    remainders. The same records, seed and size always give the same sample.

    Raises:
        InputError: ``size`` < 1.
    """
    if size < 1:
        raise InputError("the sample size must be at least 1")
    groups: dict[tuple[str, ...], list[Record]] = defaultdict(list)
    for r in records:
        groups[stratum(r, failing, by)].append(r)
    total = len(records)
    if total <= size:
        return list(records)
    keys = sorted(groups)
    weights = {k: math.sqrt(len(groups[k])) for k in keys}
    exact = {k: size * weights[k] / sum(weights.values()) for k in keys}
    quota = {k: int(exact[k]) for k in keys}
    if size >= len(keys):
        for k in keys:
            quota[k] = max(quota[k], 1)
    left = size - sum(quota.values())
    for k in sorted(keys, key=lambda k: (quota[k] - exact[k], k)):
        if left <= 0:
            break
        if quota[k] < len(groups[k]):
            quota[k] += 1
            left -= 1
    while sum(quota.values()) > size:  # the minimum of one per stratum overshot: trim the largest
        k = max(keys, key=lambda k: (quota[k], k))
        quota[k] -= 1
    rng = random.Random(seed)
    chosen: list[Record] = []
    for k in keys:
        members = sorted(groups[k], key=lambda r: r.id)
        chosen.extend(rng.sample(members, min(quota[k], len(members))))
    return sorted(chosen, key=lambda r: r.id)


def draw_sample(store: Store, run_id: str, size: int = 50, *, seed: int = 0) -> list[Record]:
    """A stratified sample (topic × question type × automatic verdict) of a run's parsed records.

    Raises:
        NotFoundError: no such run.
        InputError: the run has no parsed records, or ``size`` < 1.
    """
    run = get_run(store, run_id)
    records = list(iter_records(store, run.id, only_ok=True))
    if not records:
        raise InputError(f"run {run.id} has no parsed records to review")
    failing = {
        record_id: sum(1 for rule in rules if not rule.startswith(HUMAN_RULE))
        for record_id, (_, rules) in failing_rules(store, run.id).items()
    }
    return stratified_sample(records, failing, size, seed=seed)


def record_review(
    store: Store,
    run_id: str,
    record_id: str,
    *,
    accept: bool,
    note: str = "",
    reviewer: str = "reviewer",
) -> Verdict:
    """Store one reviewer decision about a record (a unique id prefix is enough).

    Raises:
        NotFoundError: no such run or record.
        InputError: a reject without a note, or an empty reviewer name.
    """
    reviewer = reviewer.strip()
    if not reviewer or ":" in reviewer:
        raise InputError("the reviewer name must be non-empty and contain no ':'")
    if not accept and not note.strip():
        raise InputError("a reject needs a note saying why")
    run = get_run(store, run_id)
    full_id = resolve_record_id(store, run.id, record_id)
    verdict = Verdict(
        record_id=full_id,
        rule=f"{HUMAN_RULE}:{reviewer}",
        passed=accept,
        reason=note.strip(),
        judge=f"{HUMAN_JUDGE}{reviewer}",
    )
    save_verdicts(store, run.id, [verdict])
    return verdict


class ReviewerAgreement(BaseModel):
    """Two reviewers on the records both decided: ``confusion[first][second]``, observed, kappa."""

    first: str
    second: str
    n: int
    confusion: dict[str, dict[str, int]]
    observed: float | None
    kappa: float | None


class Agreement(BaseModel):
    """Human vs automatic decisions on the reviewed records.

    Attributes:
        n: reviewed decisions compared (one per reviewer × record).
        confusion: ``confusion[human][automatic]`` counts, each ``accept`` or ``reject``.
        observed: share of decisions where both agree.
        kappa: Cohen's kappa; ``None`` when chance agreement is 1 (every decision the same).
        disagreements: ``[record_id, reviewer, human, automatic, note]`` for each disagreement.
        between_reviewers: for each pair of reviewers, their agreement on the records both decided.
    """

    n: int
    confusion: dict[str, dict[str, int]]
    observed: float | None
    kappa: float | None
    disagreements: list[tuple[str, str, str, str, str]]
    between_reviewers: list[ReviewerAgreement] = Field(default_factory=list)


def _between_reviewers(human: Sequence[Verdict]) -> list[ReviewerAgreement]:
    decisions: dict[str, dict[str, str]] = defaultdict(dict)
    for v in human:
        decisions[(v.judge or "")[len(HUMAN_JUDGE) :]][v.record_id] = (
            "accept" if v.passed else "reject"
        )
    pairs = []
    names = sorted(decisions)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            both = sorted(set(decisions[first]) & set(decisions[second]))
            if not both:
                continue
            confusion = {"accept": {"accept": 0, "reject": 0}, "reject": {"accept": 0, "reject": 0}}
            for record_id in both:
                confusion[decisions[first][record_id]][decisions[second][record_id]] += 1
            observed, kappa = cohen_kappa(confusion)
            pairs.append(
                ReviewerAgreement(
                    first=first,
                    second=second,
                    n=len(both),
                    confusion=confusion,
                    observed=observed,
                    kappa=kappa,
                )
            )
    return pairs


def cohen_kappa(confusion: dict[str, dict[str, int]]) -> tuple[float | None, float | None]:
    """Observed agreement and Cohen's kappa of a square confusion table ``{row: {column: n}}``.

    Returns:
        ``(observed, kappa)``; both ``None`` for an empty table, kappa ``None`` when the
        expected chance agreement is 1 (kappa is undefined).
    """
    labels = sorted(set(confusion) | {c for row in confusion.values() for c in row})
    n = sum(confusion.get(a, {}).get(b, 0) for a in labels for b in labels)
    if n == 0:
        return None, None
    observed = sum(confusion.get(a, {}).get(a, 0) for a in labels) / n
    rows = {a: sum(confusion.get(a, {}).get(b, 0) for b in labels) / n for a in labels}
    cols = {b: sum(confusion.get(a, {}).get(b, 0) for a in labels) / n for b in labels}
    expected = sum(rows[a] * cols[a] for a in labels)
    if expected >= 1.0:
        return observed, None
    return observed, (observed - expected) / (1.0 - expected)


def agreement(store: Store, run_id: str) -> Agreement:
    """Agreement between reviewers' decisions and the automatic verdicts of a run."""
    run = get_run(store, run_id)
    automatic_rejected = rejected_record_ids(store, run.id, exclude_judges=(HUMAN_JUDGE,))
    confusion = {"accept": {"accept": 0, "reject": 0}, "reject": {"accept": 0, "reject": 0}}
    disagreements = []
    human = [v for v in list_verdicts(store, run.id) if (v.judge or "").startswith(HUMAN_JUDGE)]
    for v in human:
        h = "accept" if v.passed else "reject"
        a = "reject" if v.record_id in automatic_rejected else "accept"
        confusion[h][a] += 1
        if h != a:
            disagreements.append((v.record_id, (v.judge or "")[len(HUMAN_JUDGE) :], h, a, v.reason))
    observed, kappa = cohen_kappa(confusion)
    return Agreement(
        n=len(human),
        confusion=confusion,
        observed=observed,
        kappa=kappa,
        disagreements=disagreements,
        between_reviewers=_between_reviewers(human),
    )


def reviewed_ids(store: Store, run_id: str, reviewer: str) -> set[str]:
    """Records the reviewer has already decided on."""
    return {v.record_id for v in list_verdicts(store, run_id, rule=f"{HUMAN_RULE}:{reviewer}")}
