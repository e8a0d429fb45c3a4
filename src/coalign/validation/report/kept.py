"""Kept rates: per stage and per rule, how many records went in and how many were kept.

Study 000 reports its filtering this way (66,609 questions in, 58,295 kept: 87.5%; 33,409
responses in, 11,138 kept: 33.3%). A record is *kept* when it parsed and no current verdict
fails it, the same rule as the accepted set that exports and campaigns read. Per rule, *judged*
counts the records the rule gave a verdict, *kept* those it passed, and *alone* the records this
rule is the only one to reject (what turning it off would bring back). As in the exports, a
record whose parent (a response's question) was rejected is not kept either; the pseudo-rule
``parent rejected`` counts those records.
"""

from __future__ import annotations

from pydantic import BaseModel

from coalign.store import Store
from coalign.store.runs import record_counts
from coalign.store.verdicts import failing_rules, parsed_children, stage_verdict_counts

#: The stage names of the two-stage practice, in the order they run.
_STAGE_ORDER = ("questions", "responses")
#: The pseudo-rule of records left out because a parent record was rejected.
PARENT_REJECTED = "parent rejected"


class RuleKept(BaseModel):
    """One rule within one stage."""

    rule: str
    judged: int
    kept: int
    share: float | None
    alone: int


class StageKept(BaseModel):
    """One stage: records generated, parsed and kept, and each rule's part."""

    stage: str
    generated: int
    parsed: int
    kept: int
    share: float | None
    rules: list[RuleKept]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _order(stage: str) -> tuple[int, str]:
    return (_STAGE_ORDER.index(stage) if stage in _STAGE_ORDER else len(_STAGE_ORDER), stage)


def _add_parent_rejections(
    failing: dict[str, tuple[str, set[str]]], children: list[tuple[str, str, list[str]]]
) -> None:
    """Mark every child of a record in ``failing`` as rejected by :data:`PARENT_REJECTED`."""
    own = set(failing)
    for rid, stage, parents in children:
        if any(p in own for p in parents):
            failing.setdefault(rid, (stage, set()))[1].add(PARENT_REJECTED)


def rejections(store: Store, run_id: str) -> dict[str, tuple[str, set[str]]]:
    """``{record id: (stage, failing rules)}`` of the run's parsed records that are not kept: those
    with a current failing verdict, and those whose parent has one (:data:`PARENT_REJECTED`).

    Raises:
        NotFoundError: no such run.
    """
    failing = failing_rules(store, run_id)
    _add_parent_rejections(failing, parsed_children(store, run_id))
    return failing


def kept_rates(store: Store, run_id: str) -> list[StageKept]:
    """Per stage (questions first), the records that went in and were kept, and per rule.

    Raises:
        NotFoundError: no such run.
    """
    parsing = record_counts(store, run_id)
    verdicts = stage_verdict_counts(store, run_id)
    failing = failing_rules(store, run_id)
    children = parsed_children(store, run_id)
    for _, stage, parents in children:
        entry = verdicts.setdefault(stage, {}).setdefault(
            PARENT_REJECTED, {"passed": 0, "failed": 0}
        )
        entry["failed" if any(p in failing for p in parents) else "passed"] += 1
    _add_parent_rejections(failing, children)
    rejected: dict[str, int] = {}
    alone: dict[tuple[str, str], int] = {}
    for stage, rules in failing.values():
        rejected[stage] = rejected.get(stage, 0) + 1
        if len(rules) == 1:
            (rule,) = rules
            alone[(stage, rule)] = alone.get((stage, rule), 0) + 1
    out = []
    for stage in sorted(set(parsing) | set(verdicts), key=_order):
        counts = parsing.get(stage, {})
        generated, parsed = sum(counts.values()), counts.get("ok", 0)
        kept = parsed - rejected.get(stage, 0)
        per_rule = [
            RuleKept(
                rule=rule,
                judged=c["passed"] + c["failed"],
                kept=c["passed"],
                share=_share(c["passed"], c["passed"] + c["failed"]),
                alone=alone.get((stage, rule), 0),
            )
            for rule, c in sorted(verdicts.get(stage, {}).items())
        ]
        out.append(
            StageKept(
                stage=stage,
                generated=generated,
                parsed=parsed,
                kept=kept,
                share=_share(kept, generated),
                rules=per_rule,
            )
        )
    return out
