"""Seed curation before generation: the validation rules run on the seeds people wrote.

Study 000 cleaned its seed questions before generating from them; generated data copies what its
seeds do, good or bad. :func:`check_seeds` runs on a study's accepted seeds:

- ``duplicate``: a near-duplicate of another seed question (MinHash over character 4-grams,
  confirmed by all-MiniLM-L6-v2 cosine), naming the other seed and its group — groups in a
  workshop often write the same question independently;
- ``fragment``: a seed text that is cut off or has no finite verb (``metrics/fragments.py``);
  a question of an open or closed type without its ``?``;
- ``verbose``: a seed question of more than 100 words (a text to summarise counts), or a seed-example field of more than 200
  (the generator learns to ramble from it). Not a ratio: a good seed often pairs a short, evasive
  misaligned answer with a full rewrite 3–5× as long (4 of the bank example's 14 do);
- ``no verb-noun pair`` (a note, never a rejection): a seed question whose parse has no verb with
  an object noun, so it gives the verb–noun diversity figures nothing to count. Many good
  questions have none ("Is it safe to …?" has an auxiliary as its root; on the bank example 28
  of 42 seed questions), so this only tells a moderator which seeds add no verb–noun pair.

:func:`seed_statistics` gives per group what study 000's Table 2 gives: how many seed questions
and examples, the open / closed / other shares (the question type's kind), the top question
types and topics. :func:`reject_flagged` turns the issues into recorded rejections; a moderator
who disagrees accepts the seed again with :func:`override`, and later checks leave it alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from coalign.core.errors import InputError
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.core.study import QuestionKind
from coalign.store import Store
from coalign.study import StudyBundle, read_bundle
from coalign.study.seed_review import SeedDecision, decide, decisions
from coalign.validation.metrics.duplicates import near_duplicate_clusters
from coalign.validation.metrics.embeddings import Embedder
from coalign.validation.metrics.fragments import find_fragments
from coalign.validation.metrics.verbnoun import extract_pairs

#: The longest seed question and seed-example field, in words, that is not verbose.
MAX_QUESTION_WORDS = 100
MAX_FIELD_WORDS = 200
#: The reason a moderator's acceptance of a flagged seed starts with.
OVERRIDE = "override:"
CHECKED_BY = "seed checks"


class SeedIssue(BaseModel):
    """One problem found in one seed."""

    seed_kind: str
    seed_id: str
    group: str | None
    check: str
    detail: str
    severity: Literal["reject", "note"] = "reject"


class GroupStatistics(BaseModel):
    """Study 000's Table 2 for one group (``None``: seeds with no group)."""

    group: str | None
    seed_questions: int
    seed_examples: int
    authors: int
    kinds: dict[str, float]
    top_question_types: list[tuple[str, int]]
    top_topics: list[tuple[str, int]]
    llm_assisted: int


class SeedCheck(BaseModel):
    """The issues and the per-group statistics of a study's accepted seeds."""

    study_slug: str
    seeds_checked: int
    issues: list[SeedIssue] = Field(default_factory=list)
    groups: list[GroupStatistics] = Field(default_factory=list)
    overridden: list[str] = Field(default_factory=list)


def _kinds(bundle: StudyBundle) -> dict[str, QuestionKind]:
    return {q.name: q.kind for q in bundle.study.question_types}


def _accepted_questions(bundle: StudyBundle) -> list[SeedQuestion]:
    return [s for s in bundle.seed_questions if s.status == "accepted" and s.id]


def _accepted_examples(bundle: StudyBundle) -> list[SeedExample]:
    return [s for s in bundle.seed_examples if s.status == "accepted" and s.id]


def seed_statistics(bundle: StudyBundle) -> list[GroupStatistics]:
    """Per group (sorted, no group last): counts, kind shares, top types and topics."""
    kinds = _kinds(bundle)
    questions, examples = _accepted_questions(bundle), _accepted_examples(bundle)
    named = {s.group for s in questions} | {s.group for s in examples}
    groups = sorted(named, key=lambda g: (g is None, g or ""))
    out = []
    for group in groups:
        qs = [s for s in questions if s.group == group]
        es = [s for s in examples if s.group == group]
        counted = Counter(kinds.get(s.question_type, "other") for s in qs)
        out.append(
            GroupStatistics(
                group=group,
                seed_questions=len(qs),
                seed_examples=len(es),
                authors=len(
                    {s.author for s in qs if s.author} | {s.author for s in es if s.author}
                ),
                kinds={
                    k: round(counted[k] / len(qs), 3) if qs else 0.0
                    for k in ("open", "closed", "other")
                },
                top_question_types=Counter(s.question_type for s in qs).most_common(3),
                top_topics=Counter(s.topic for s in qs).most_common(3),
                llm_assisted=sum(1 for s in es if s.llm_assisted),
            )
        )
    return out


def _duplicates(questions: Sequence[SeedQuestion], embedder: Embedder | None) -> list[SeedIssue]:
    if len(questions) < 2:
        return []
    result = near_duplicate_clusters([s.text for s in questions], embedder)
    issues = []
    for cluster in result.clusters:
        first = questions[cluster[0]]
        for index in cluster[1:]:
            seed = questions[index]
            where = "another group" if seed.group != first.group else "the same group"
            issues.append(
                SeedIssue(
                    seed_kind="question",
                    seed_id=str(seed.id),
                    group=seed.group,
                    check="duplicate",
                    detail=f"near-duplicate of {first.id} ({where}: {first.group or 'none'})",
                )
            )
    return issues


def _fragments(bundle: StudyBundle) -> list[SeedIssue]:
    kinds = _kinds(bundle)
    texts: list[tuple[str, str, str | None, str, QuestionKind | None]] = []
    for q in _accepted_questions(bundle):
        texts.append(("question", str(q.id), q.group, q.text, kinds.get(q.question_type)))
    for e in _accepted_examples(bundle):
        kind = kinds.get(e.question_type) if e.question_type else None
        texts.append(("example", str(e.id), e.group, e.question, kind))
        for field in ("misaligned_response", "critique", "aligned_response"):
            texts.append(("example", str(e.id), e.group, getattr(e, field), "other"))
    found = find_fragments([t[3] for t in texts], [t[4] for t in texts])
    return [
        SeedIssue(
            seed_kind=kind, seed_id=seed_id, group=group, check="fragment", detail=str(f.detail)
        )
        for (kind, seed_id, group, _, _), f in zip(texts, found, strict=True)
        if f is not None
    ]


def _verbose(questions: Sequence[SeedQuestion], examples: Sequence[SeedExample]) -> list[SeedIssue]:
    issues = []
    for q in questions:
        words = len(q.text.split())
        if words > MAX_QUESTION_WORDS:
            issues.append(
                SeedIssue(
                    seed_kind="question",
                    seed_id=str(q.id),
                    group=q.group,
                    check="verbose",
                    detail=f"question of {words} words (limit {MAX_QUESTION_WORDS})",
                )
            )
    for e in examples:
        for field in ("question", "misaligned_response", "critique", "aligned_response"):
            words = len(getattr(e, field).split())
            limit = MAX_QUESTION_WORDS if field == "question" else MAX_FIELD_WORDS
            if words > limit:
                issues.append(
                    SeedIssue(
                        seed_kind="example",
                        seed_id=str(e.id),
                        group=e.group,
                        check="verbose",
                        detail=f"{field} of {words} words (limit {limit})",
                    )
                )
    return issues


def _verb_noun(questions: Sequence[SeedQuestion]) -> list[SeedIssue]:
    pairs = extract_pairs([s.text for s in questions])
    return [
        SeedIssue(
            seed_kind="question",
            seed_id=str(s.id),
            group=s.group,
            check="no verb-noun pair",
            detail=f"root verb {p.verb or 'none'}, object noun {p.noun or 'none'}",
            severity="note",
        )
        for s, p in zip(questions, pairs, strict=True)
        if p.verb is None or p.noun is None
    ]


def _overridden(store: Store, slug: str) -> set[str]:
    """Seeds a moderator accepted despite a check (their latest decision is an override)."""
    latest: dict[str, SeedDecision] = {}
    for d in decisions(store, slug):
        latest[d.seed_id] = d
    return {
        i for i, d in latest.items() if d.decision == "accepted" and d.reason.startswith(OVERRIDE)
    }


def check_seeds(
    store: Store,
    slug: str,
    *,
    embedder_factory: Callable[[], Embedder] | None = None,
    verb_noun: bool = True,
) -> SeedCheck:
    """Run the checks on study ``slug``'s accepted seeds (overridden seeds are left out).

    Raises:
        NotFoundError: no such study.
        InputError: the study has no accepted seeds.
    """
    bundle = read_bundle(store, slug)
    overridden = _overridden(store, slug)
    questions = [s for s in _accepted_questions(bundle) if s.id not in overridden]
    examples = [s for s in _accepted_examples(bundle) if s.id not in overridden]
    if not questions and not examples:
        raise InputError(f"study {slug} has no accepted seeds to check")
    checked = StudyBundle(bundle.study, questions, examples)
    embedder = embedder_factory() if embedder_factory is not None else None
    issues = _duplicates(questions, embedder) + _fragments(checked) + _verbose(questions, examples)
    if verb_noun and questions:
        issues += _verb_noun(questions)
    return SeedCheck(
        study_slug=slug,
        seeds_checked=len(questions) + len(examples),
        issues=sorted(issues, key=lambda i: (i.seed_kind, i.seed_id, i.check)),
        groups=seed_statistics(bundle),
        overridden=sorted(overridden),
    )


def reject_flagged(store: Store, check: SeedCheck) -> int:
    """Reject every seed with an issue of severity ``reject``, with its issues as the reason
    (decided by ``seed checks``); notes reject nothing.

    Returns:
        How many seeds were rejected.
    """
    reasons: dict[tuple[str, str], list[str]] = {}
    for issue in check.issues:
        if issue.severity != "reject":
            continue
        reasons.setdefault((issue.seed_kind, issue.seed_id), []).append(
            f"{issue.check}: {issue.detail}"
        )
    for (kind, seed_id), found in reasons.items():
        decide(
            store,
            check.study_slug,
            SeedDecision(
                seed_kind=kind,
                seed_id=seed_id,
                decision="rejected",
                reason="; ".join(found),
                decided_by=CHECKED_BY,
            ),
        )
    return len(reasons)


def override(
    store: Store, slug: str, seed_kind: str, seed_id: str, *, reason: str, decided_by: str
) -> None:
    """A moderator accepts a flagged (or rejected) seed anyway; later checks leave it alone.

    Raises:
        InputError: no reason or no moderator name.
        NotFoundError: no such seed.
    """
    if not reason.strip() or not decided_by.strip():
        raise InputError("an override needs a reason and the moderator's name")
    decide(
        store,
        slug,
        SeedDecision(
            seed_kind=seed_kind,
            seed_id=seed_id,
            decision="accepted",
            reason=f"{OVERRIDE} {reason.strip()}",
            decided_by=decided_by.strip(),
        ),
    )
