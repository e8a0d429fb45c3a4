"""Each metric on hand-made cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coalign.core.errors import InputError
from coalign.validation import (
    QuestionSet,
    ResponseSet,
    compression_ratio,
    describe_questions,
    describe_responses,
    distinct_n,
    extract_pairs,
    form_counts,
    jensen_shannon,
    label_counts,
    length_stats,
    mean_pairwise_cosine,
    near_duplicate_clusters,
    question_format,
    question_kind,
    semantic_diversity,
    sunburst,
    verb_noun_stats,
)
from coalign.validation.metrics.distributions import binned
from coalign.validation.metrics.duplicates import DuplicateSettings
from coalign.validation.metrics.verbnoun import VerbNoun


@pytest.mark.parametrize(
    ("text", "fmt", "kind"),
    [
        ("How do I open an account?", "question", "open"),
        ("Can I freeze my card from the app?", "question", "closed"),
        ("Could you explain the fees on my account?", "question", "open"),
        ("Write a letter to my landlord about the late rent.", "instruction", "other"),
        ("Please list three ways to save on fees", "instruction", "other"),
        ("I need a plan for paying off my loan.", "statement", "other"),
        ("As a student, how should I budget my first salary?", "question", "open"),
        ('Is this message really from my bank?"', "question", "closed"),
    ],
)
def test_question_format_and_kind(text, fmt, kind):
    assert question_format(text) == fmt
    assert question_kind(text) == kind


def test_question_kinds_agree_with_the_study_question_types():
    # One definition of kinds: the rules label each question type's own example with the
    # kind the study gives that type (open and closed questions, "other" instructions).
    from coalign.study.files import load_study_file

    from .conftest import BANK

    types = load_study_file(BANK).study.question_types
    assert {t.kind for t in types} == {"open", "closed", "other"}
    assert [(t.name, question_kind(t.example)) for t in types] == [(t.name, t.kind) for t in types]


def test_form_counts_lists_every_label():
    counts = form_counts(["How?", "Write it.", "Is it?"])
    assert counts["format"] == {"question": 2, "instruction": 1, "statement": 0}
    assert counts["kind"] == {"open": 1, "closed": 1, "other": 1}


def test_verb_noun_pairs_follow_the_documented_rule():
    pairs = extract_pairs(
        [
            "Write a letter to my landlord.",
            "Can you help me write a complaint?",  # help → me, so the complement verb's object counts
            "What is the best savings account?",  # root is not a verb: no pair
            "Open a savings account for my son.",
            "Write a letter to my bank.",
        ]
    )
    assert pairs[0] == VerbNoun(verb="write", noun="letter")
    assert pairs[1] == VerbNoun(verb="write", noun="complaint")
    assert pairs[2].noun is None
    assert pairs[3] == VerbNoun(verb="open", noun="account")
    stats = verb_noun_stats(pairs)
    assert stats.with_pair == 4
    assert stats.distinct_pairs == 3
    assert stats.repetition_rate == pytest.approx(1 - 3 / 4)
    assert stats.top_pairs[0] == ("write", "letter", 2)
    rings = sunburst(pairs)
    assert rings[0]["verb"] == "write" and rings[0]["count"] == 3
    assert {n["noun"] for n in rings[0]["nouns"]} == {"letter", "complaint"}


def test_worker_processes_give_the_pairs_of_one_process():
    texts = [
        f"{verb} a {noun} for my {who}."
        for verb in ("Write", "Open", "Plan")
        for noun in ("letter", "account", "budget")
        for who in ("son", "bank")
    ] * 2
    texts.append("What is the best savings account?")
    assert extract_pairs(texts, n_process=2) == extract_pairs(texts, n_process=1)


def test_verb_noun_stats_of_nothing_is_an_input_error():
    with pytest.raises(InputError):
        verb_noun_stats([])


def test_jensen_shannon_known_values():
    assert jensen_shannon({"a": 5, "b": 5}, {"a": 1, "b": 1}) == pytest.approx(0.0)
    assert jensen_shannon({"a": 3}, {"b": 7}) == pytest.approx(1.0)
    # p = (1, 0), q = (1/2, 1/2): JS = 1/2·log2(1/0.75) + 1/2·(1/2·log2(0.5/0.75)·… ) computed directly
    m = {"a": 0.75, "b": 0.25}
    expected = 0.5 * (1 * math.log2(1 / m["a"])) + 0.5 * (
        0.5 * math.log2(0.5 / m["a"]) + 0.5 * math.log2(0.5 / m["b"])
    )
    assert jensen_shannon({"a": 4}, {"a": 2, "b": 2}) == pytest.approx(expected)
    with pytest.raises(InputError):
        jensen_shannon({}, {"a": 1})


def test_labels_and_lengths():
    assert label_counts(["x", None, "x"]) == {"x": 2, "(none)": 1}
    stats = length_stats([1, 2, 3, 4, 100], bin_width=10)
    assert (stats.median, stats.minimum, stats.maximum, stats.mean) == (3, 1, 100, 22)
    assert stats.histogram == {0: 4, 100: 1}
    assert binned([0, 9, 10], 10) == {"0-9": 2, "10-19": 1}
    with pytest.raises(InputError):
        length_stats([])


def test_lexical_diversity_known_values():
    assert distinct_n(["a b a b"], 1) == pytest.approx(2 / 4)
    assert distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)  # (a b), (b a), (a b)
    assert distinct_n(["a b", "a b"], 2) == pytest.approx(1 / 2)  # n-grams never cross texts
    repetitive = compression_ratio(["the same sentence again"] * 50)
    varied = compression_ratio(
        [f"text number {i} about {w}" for i, w in enumerate("abcdefghij" * 5)]
    )
    assert repetitive > varied > 1.0
    with pytest.raises(InputError):
        distinct_n(["one"], 2)


def test_mean_pairwise_cosine_equals_brute_force():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(30, 8))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    sims = v @ v.T
    brute = (sims.sum() - np.trace(sims)) / (30 * 29)
    assert mean_pairwise_cosine(v.astype(np.float32)) == pytest.approx(brute, abs=1e-6)
    with pytest.raises(InputError):
        mean_pairwise_cosine(v[:1])


def test_semantic_diversity_with_minilm(embedder):
    paraphrases = [
        "How do I block my lost card?",
        "How can I freeze my missing card?",
        "My card is lost, how do I stop it?",
    ]
    unrelated = [
        "How do I block my lost card?",
        "What is a good recipe for lentil soup?",
        "Who won the 1998 World Cup?",
    ]
    close = semantic_diversity(paraphrases, embedder)["mean_pairwise_cosine"]
    far = semantic_diversity(unrelated, embedder)["mean_pairwise_cosine"]
    assert close > far + 0.3
    sampled = semantic_diversity(paraphrases * 10, embedder, sample_size=5)
    assert sampled["sampled"] and sampled["n_used"] == 5


PLANTED = [
    "How do I report my debit card as stolen at night?",
    "how do I report my debit card as stolen at night??",
    "How do I actually report my debit card as stolen at night?",
    "What documents do I need to open a joint account?",
    "What documents do I need to open a joint acount?",
    "Explain how interest on an instant-access savings account is calculated.",
    "Is it safe to save my card details in an online shop?",
    "Write a short letter asking my bank to raise my overdraft limit.",
]


@pytest.mark.parametrize("use_embedder", [False, True])
def test_near_duplicate_clusters_find_planted_groups(use_embedder, embedder):
    result = near_duplicate_clusters(PLANTED, embedder if use_embedder else None)
    assert result.clusters == [[0, 1, 2], [3, 4]]
    assert result.duplicates() == {1, 2, 4}
    if use_embedder:
        assert result.embedded_texts <= 5  # only texts of candidate pairs are embedded


def test_embedding_threshold_rejects_lexical_lookalikes(embedder):
    # Same words, opposite meaning at a strict cosine: the embedding has the last word.
    texts = ["Should I close my savings account now?", "Should I open my savings account now?"]
    strict = DuplicateSettings(cosine=0.99, lsh_threshold=0.3, jaccard=0.3)
    assert near_duplicate_clusters(texts, None, strict).clusters == [[0, 1]]
    assert near_duplicate_clusters(texts, embedder, strict).clusters == []


def test_profiles_of_questions_and_responses(embedder):
    qset = QuestionSet(texts=PLANTED, topics=["cards"] * 3 + ["accounts"] * 5, question_types=None)
    profile = describe_questions(qset, embedder=embedder)
    assert profile.n == 8
    assert profile.topics == {"accounts": 5, "cards": 3}
    assert profile.question_types == {"(none)": 8}
    assert profile.formats == {"question": 6, "instruction": 2, "statement": 0}
    assert profile.near_duplicates["duplicates"] == 3
    assert profile.verb_noun is not None and profile.sunburst
    rset = ResponseSet(
        misaligned=["Bad answer here.", "Another bad one."],
        aligned=["A good, longer answer here.", "Fine."],
        dimensions=["safety", "safety"],
    )
    rprofile = describe_responses(rset, embedder=embedder)
    assert rprofile.lengths["misaligned"].n == 2 and rprofile.dimensions == {"safety": 2}
    with pytest.raises(InputError):
        describe_questions(QuestionSet(texts=[]))
    with pytest.raises(ValueError):
        QuestionSet(texts=["a"], topics=["x", "y"])
