"""Validation at the scale of a published seed-workshop run: 66,609 questions, 33,409 response triples.

The data is made procedurally (templates and word lists, no LLM) with planted near-duplicate
groups and planted defects, then every non-LLM metric and filter runs once. Printed:

* wall time and peak RSS per step (goal: all of it ≤ 5 min on 2 cores, ≤ 3 GB); the
  ``near_duplicate`` filter reuses the clusters of the near-duplicate step (same texts, same
  settings), as ``coalign demo`` does when it validates and then reports;
* pairwise recall and precision of the planted near-duplicates (goal ≥ 0.95 each);
* how many planted defects each sensibility rule catches;
* ratios against references measured in the same run: exact all-pairs Jaccard vs MinHash LSH
  on a subset, embedding every aligned/misaligned pair vs the lexical prefilter on a subset,
  and spaCy's full pipeline in one process vs the trimmed pipeline.

Run: ``python benchmarks/bench_validate.py [--questions N] [--triples N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _validate_corpus import TOPICS, TYPES, Corpus, make_corpus

from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.core.study import QuestionType, Study, Topic
from coalign.validation import (
    MiniLMEmbedder,
    QuestionSet,
    ResponseSet,
    default_filters,
    describe_questions,
    describe_responses,
    near_duplicate_clusters,
    validate_records,
)
from coalign.validation.metrics.duplicates import DuplicateSettings, normalise, shingles
from coalign.validation.rules.registry import FilterContext

STEPS: list[tuple[str, float, float]] = []
#: The kind of each procedural question type (``other``: its templates are instructions).
KINDS = {
    "advice": "open",
    "how-to": "open",
    "opinion": "open",
    "factual": "open",
    "creative": "other",
    "planning": "other",
}
SEEDS = 400  # the published run had ~400 seed questions; 100 seed examples


def corpus_study(seeds: Corpus) -> tuple[Study, list[SeedQuestion], list[SeedExample]]:
    """A study whose topics and types are the corpus's, with seeds from ``seeds`` (a second corpus
    made by the same grammar with another random seed, as people write in the same patterns as
    each other): the copy rule compares every record with them."""
    study = Study(
        slug="datathon",
        title="Datathon-scale benchmark",
        topics=[Topic(name=t, description=", ".join(nouns)) for t, (_, nouns) in TOPICS.items()],
        question_types=[
            QuestionType(name=q, kind=KINDS[q], description=f"{q} requests", example=templates[0])
            for q, templates in TYPES.items()
        ],
    )
    questions = [r for r in seeds.records if r.stage == "questions"][:SEEDS]
    triples = [r for r in seeds.records if r.stage != "questions" and r.parse_status == "ok"][:100]
    seed_questions = [
        SeedQuestion(
            id=f"sq_{i}",
            text=r.data["question"],
            topic=r.attributes["topic"],
            question_type=r.attributes["question_type"],
        )
        for i, r in enumerate(questions)
    ]
    seed_examples = [
        SeedExample(
            id=f"se_{i}",
            question=r.data.get("question") or "?",
            misaligned_response=r.data.get("misaligned_response") or "-",
            critique=r.data.get("critique") or "-",
            aligned_response=r.data.get("aligned_response") or "-",
            dimensions=[r.attributes.get("dimension") or "safety"],
        )
        for i, r in enumerate(triples)
    ]
    return study, seed_questions, seed_examples


def _vm(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def step(name: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn``, record wall time and the peak RSS reached during it (MiB)."""
    # Reset the high-water mark so each step reports its own peak (Linux ≥ 4.0).
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    peak = _vm("VmHWM")
    STEPS.append((name, seconds, peak))
    print(f"  {name:<38} {seconds:8.1f} s   peak RSS {peak:7.0f} MiB", flush=True)
    return out


def pair_scores(clusters: list[list[int]], groups: list[int]) -> tuple[float, float, int, int]:
    """Pairwise precision and recall of predicted clusters against planted group ids (-1 = none)."""
    predicted = {(a, b) for c in clusters for a, b in itertools.combinations(sorted(c), 2)}
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        if g >= 0:
            members.setdefault(g, []).append(i)
    truth = {(a, b) for m in members.values() for a, b in itertools.combinations(m, 2)}
    hit = len(predicted & truth)
    precision = hit / len(predicted) if predicted else 1.0
    recall = hit / len(truth) if truth else 1.0
    return precision, recall, len(predicted), len(truth)


def exact_jaccard_pairs(texts: list[str], threshold: float, size: int) -> set[tuple[int, int]]:
    """The naive reference: every pair's exact shingle Jaccard."""
    sets = [shingles(normalise(t), size) for t in texts]
    out = set()
    for i in range(len(sets)):
        a = sets[i]
        for j in range(i + 1, len(sets)):
            b = sets[j]
            inter = len(a & b)
            if inter and inter / (len(a) + len(b) - inter) >= threshold:
                out.add((i, j))
    return out


def references(corpus: Corpus, embedder: MiniLMEmbedder) -> None:
    """Measure the naive references on subsets and print the ratios."""
    print("\nReferences measured in this run:")
    settings = DuplicateSettings()
    subset = corpus.question_texts[:3000]
    t0 = time.perf_counter()
    # Pairs at or above the Jaccard where decisions start; the LSH side keeps every candidate
    # whose estimate reaches it (no embedding), so both sides answer the same question.
    exact = exact_jaccard_pairs(subset, settings.jaccard, settings.shingle)
    t_exact = time.perf_counter() - t0
    t0 = time.perf_counter()
    lsh = near_duplicate_clusters(
        subset, None, settings.model_copy(update={"jaccard_alone": settings.jaccard})
    )
    t_lsh = time.perf_counter() - t0
    found = {(a, b) for c in lsh.clusters for a, b in itertools.combinations(c, 2)}
    agree = len(found & exact) / len(exact) if exact else 1.0
    print(
        f"  near-duplicates on {len(subset)} questions: exact all-pairs Jaccard {t_exact:.1f} s, "
        f"MinHash LSH {t_lsh:.1f} s -> {t_exact / max(t_lsh, 1e-9):.1f}x faster; "
        f"LSH finds {agree:.3f} of the {len(exact)} exact pairs with Jaccard ≥ {settings.jaccard} (all pairs would be {len(corpus.question_texts) ** 2 / len(subset) ** 2:.0f}x the subset's work)"
    )

    import numpy as np

    from coalign.validation.rules.set_rules import _word_jaccard

    pairs = corpus.aligned_pairs[:300]
    t0 = time.perf_counter()
    left = embedder.encode([a for a, _ in pairs])
    right = embedder.encode([b for _, b in pairs])
    full = np.einsum("ij,ij->i", left, right) >= 0.9
    t_full = time.perf_counter() - t0
    embedder._cache.clear()
    t0 = time.perf_counter()
    keep = [i for i, (a, b) in enumerate(pairs) if _word_jaccard(a, b) >= 0.3]
    pre = np.zeros(len(pairs), dtype=bool)
    if keep:
        la = embedder.encode([pairs[i][0] for i in keep])
        rb = embedder.encode([pairs[i][1] for i in keep])
        pre[keep] = np.einsum("ij,ij->i", la, rb) >= 0.9
    t_pre = time.perf_counter() - t0
    print(
        f"  too_similar on {len(pairs)} pairs: embed all {t_full:.1f} s, prefilter {t_pre:.1f} s "
        f"-> {t_full / max(t_pre, 1e-9):.1f}x faster; decisions equal on {np.mean(full == pre):.4f}, "
        f"flagged {int(full.sum())} vs {int(pre.sum())}"
    )

    from coalign.validation.metrics.loaders import load_spacy

    sample = corpus.question_texts[:3000]
    full_nlp = load_spacy(exclude=())
    t0 = time.perf_counter()
    list(full_nlp.pipe(sample, batch_size=512))
    t_full = time.perf_counter() - t0
    trimmed = load_spacy()
    t0 = time.perf_counter()
    list(trimmed.pipe(sample, batch_size=512))
    t_trim = time.perf_counter() - t0
    print(
        f"  spaCy on {len(sample)} questions: full pipeline {t_full:.1f} s, without ner {t_trim:.1f} s "
        f"-> {t_full / max(t_trim, 1e-9):.2f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=66_609)
    parser.add_argument("--triples", type=int, default=33_409)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-references", action="store_true")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(2)
    print(
        f"bench_validate: {args.questions:,} questions, {args.triples:,} triples, {os.cpu_count()} cores"
    )
    start = time.perf_counter()
    corpus: Corpus = step(
        "make corpus (not validation)", lambda: make_corpus(args.questions, args.triples, args.seed)
    )
    embedder = MiniLMEmbedder()
    validation_start = time.perf_counter()
    qset = QuestionSet(
        texts=corpus.question_texts, topics=corpus.topics, question_types=corpus.question_types
    )
    step("load embedder", lambda: embedder.encode(["warm up"]))
    q_profile = step(
        "question metrics (format/kind/labels/len/lex)",
        lambda: describe_questions(qset, parse=False, duplicates=False),
    )
    from coalign.validation.metrics.verbnoun import extract_pairs, verb_noun_stats

    pairs = step(
        "verb–noun parse (spaCy, 2 processes)", lambda: extract_pairs(corpus.question_texts)
    )
    stats = verb_noun_stats(pairs)
    from coalign.validation.metrics.embeddings import semantic_diversity

    semantic = step(
        "semantic diversity (2,000 sample)",
        lambda: semantic_diversity(corpus.question_texts, embedder),
    )
    dup = step(
        "near-duplicate clusters (LSH + cosine)",
        lambda: near_duplicate_clusters(corpus.question_texts, embedder),
    )
    rset = ResponseSet(
        misaligned=corpus.misaligned,
        aligned=corpus.aligned,
        critiques=corpus.critiques,
        dimensions=corpus.dimensions,
    )
    r_profile = step(
        "response metrics (len/lex/semantic)", lambda: describe_responses(rset, embedder=embedder)
    )
    study, seed_questions, seed_examples = corpus_study(make_corpus(SEEDS, 100, seed=args.seed + 1))
    context = FilterContext(
        embedder_factory=lambda: embedder,
        study=study,
        seed_questions=seed_questions,
        seed_examples=seed_examples,
    )
    result = step(
        "all default filters over records",
        lambda: validate_records(corpus.records, default_filters(), context),
    )
    validation_seconds = time.perf_counter() - validation_start
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print("\nFilter timings:")
    for f in result.filters:
        print(
            f"  {f.name:<22} {f.seconds:7.1f} s  checked {f.checked:7,}  failed {f.failed:6,}"
            + (f"  ERROR {f.error}" if f.error else "")
        )

    precision, recall, n_pred, n_true = pair_scores(dup.clusters, corpus.groups)
    print(
        f"\nPlanted near-duplicates: {n_true:,} true pairs, {n_pred:,} predicted; "
        f"precision {precision:.4f}, recall {recall:.4f}  (goal ≥ 0.95 each)  "
        f"[{dup.candidate_pairs:,} LSH candidates, {dup.embedded_texts:,} texts embedded]"
    )
    print("\nPlanted defects caught (records with the defect that fail the rule):")
    failing: dict[str, set[str]] = {}
    for v in result.verdicts:
        if not v.passed:
            failing.setdefault(v.rule, set()).add(v.record_id)
    for defect, (rule, ids) in sorted(corpus.defects.items()):
        caught = len(ids & failing.get(rule, set()))
        print(f"  {defect:<14} -> {rule:<18} {caught:5}/{len(ids):<5}")
    clean = set(corpus.clean_ids)
    false_alarms = {
        rule: len(ids & clean) for rule, ids in failing.items() if rule != "near_duplicate"
    }
    print(f"  clean triples flagged by some sensibility rule: {false_alarms}")

    print("\nFigures:")
    print(f"  formats {q_profile.formats}  kinds {q_profile.kinds}")
    print(
        f"  verb–noun: {stats.with_pair:,} pairs, {stats.distinct_verbs} verbs, {stats.distinct_pairs:,} distinct pairs, "
        f"repetition {stats.repetition_rate:.3f}; top {stats.top_pairs[:3]}"
    )
    print(
        f"  questions lexical {q_profile.lexical}; mean pairwise cosine {semantic['mean_pairwise_cosine']:.3f}"
    )
    print(
        f"  aligned mean length {r_profile.lengths['aligned'].mean:.1f}, misaligned {r_profile.lengths['misaligned'].mean:.1f}"
    )
    accepted = len(corpus.records) - len(result.rejected_ids())
    print(
        f"  records {len(corpus.records):,}, accepted {accepted:,}, verdicts {len(result.verdicts):,}"
    )
    print(
        f"\nWHOLE VALIDATION: {validation_seconds:.1f} s wall (goal ≤ 300 s), peak RSS {peak_self:.0f} MiB "
        f"(+ spaCy worker peak {peak_children:.0f} MiB; goal ≤ 3072 MiB)"
    )
    if not args.no_references:
        references(corpus, embedder)
    print(f"\ntotal run {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
