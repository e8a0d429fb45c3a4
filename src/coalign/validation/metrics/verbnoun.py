"""Verb–noun structure of questions: the root verb and its direct-object noun.

The rule, per text (first sentence only):

1. Take the sentence root. If it is a verb, that is the verb (lemma, lower case).
2. Its noun is the first direct object (``dobj``/``obj``) that is a noun or proper noun (lemma).
3. If the root verb has no noun object (``Can you help me write a letter?``: *help* → *me*),
   the first open or clausal complement verb (``xcomp``/``ccomp``) with a noun object is used
   instead (*write* → *letter*).
4. If the root is not a verb (``What is the best way …``), the text has no pair.

Parsing runs through ``nlp.pipe`` with the named-entity recogniser left out and, for large
sets, in two worker processes that return only the pairs.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from coalign.core.errors import InputError
from coalign.validation.metrics.loaders import load_spacy

_OBJECT_DEPS = frozenset({"dobj", "obj"})
_NOUNS = frozenset({"NOUN", "PROPN"})
_COMPLEMENT_DEPS = frozenset({"xcomp", "ccomp"})


class VerbNoun(BaseModel):
    """The pair found in one text; ``verb`` or ``noun`` is ``None`` when the rule found none."""

    verb: str | None = None
    noun: str | None = None


class VerbNounStats(BaseModel):
    """Counts over a set of texts.

    Attributes:
        n: texts analysed.
        with_verb: texts whose root is a verb.
        with_pair: texts with both a verb and a noun.
        distinct_verbs / distinct_pairs: how many different verbs / pairs.
        repetition_rate: share of pairs that repeat an earlier pair, ``1 − distinct/with_pair``.
        top_verbs: ``[verb, count]`` most common first.
        top_pairs: ``[verb, noun, count]`` most common first.
    """

    n: int
    with_verb: int
    with_pair: int
    distinct_verbs: int
    distinct_pairs: int
    repetition_rate: float
    top_verbs: list[tuple[str, int]]
    top_pairs: list[tuple[str, str, int]]


def _object_noun(verb: Any) -> str | None:
    for child in verb.children:
        if child.dep_ in _OBJECT_DEPS and child.pos_ in _NOUNS:
            lemma: str = child.lemma_  # spaCy tokens are untyped here
            return lemma.lower()
    return None


def pair_from_doc(doc: Any) -> VerbNoun:
    """Apply the module's rule to one parsed spaCy ``Doc`` (or ``Span``)."""
    sentences = list(doc.sents) if doc.has_annotation("SENT_START") else [doc]
    if not sentences:
        return VerbNoun()
    root = sentences[0].root
    if root.pos_ != "VERB":
        return VerbNoun()
    noun = _object_noun(root)
    if noun is not None:
        return VerbNoun(verb=root.lemma_.lower(), noun=noun)
    for child in root.children:
        if child.dep_ in _COMPLEMENT_DEPS and child.pos_ == "VERB":
            inner = _object_noun(child)
            if inner is not None:
                return VerbNoun(verb=child.lemma_.lower(), noun=inner)
    return VerbNoun(verb=root.lemma_.lower())


def extract_pairs(
    texts: Sequence[str],
    nlp: Any | None = None,
    batch_size: int = 256,
    n_process: int | None = None,
) -> list[VerbNoun]:
    """The verb–noun pair of every text, in order.

    Args:
        texts: questions or instructions.
        nlp: a spaCy pipeline with a parser; by default the bundled small English model.
        batch_size: texts per ``nlp.pipe`` batch.
        n_process: worker processes; by default 2 for more than 20,000 texts, else 1
            (starting workers costs more than it saves on small sets). Workers load the
            default pipeline and send back only the pairs (sending parsed ``Doc`` objects
            back, as ``nlp.pipe(n_process=…)`` does, costs the parent more than parsing);
            with a given ``nlp`` parsing stays in this process.
    """
    if n_process is None:
        n_process = 2 if len(texts) > 20_000 else 1
    # Parsing is the slow part; texts repeat often in generated data, so parse each once.
    unique = list(dict.fromkeys(texts))
    if n_process > 1 and nlp is None:
        chunks = [unique[i : i + _CHUNK] for i in range(0, len(unique), _CHUNK)]
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        )
        with context.Pool(n_process, initializer=_start_worker, initargs=(batch_size,)) as pool:
            parsed = [pair for chunk in pool.imap(_worker_pairs, chunks) for pair in chunk]
    else:
        pipeline = nlp if nlp is not None else load_spacy()
        parsed = _pairs_of(pipeline, unique, batch_size)
    found = dict(zip(unique, parsed, strict=True))
    return [found[t] for t in texts]


_CHUNK = 2000
_worker: dict[str, Any] = {}


def _pairs_of(nlp: Any, texts: Sequence[str], batch_size: int) -> list[VerbNoun]:
    return [pair_from_doc(doc) for doc in nlp.pipe(texts, batch_size=batch_size)]


def _start_worker(batch_size: int) -> None:
    _worker["nlp"] = load_spacy()
    _worker["batch_size"] = batch_size


def _worker_pairs(texts: list[str]) -> list[VerbNoun]:
    return _pairs_of(_worker["nlp"], texts, _worker["batch_size"])


def verb_noun_stats(pairs: Sequence[VerbNoun], top: int = 20) -> VerbNounStats:
    """Summarise pairs into counts and a repetition rate.

    Raises:
        InputError: ``pairs`` is empty.
    """
    if not pairs:
        raise InputError("verb–noun statistics need at least one text")
    verbs = Counter(p.verb for p in pairs if p.verb)
    full = Counter((p.verb, p.noun) for p in pairs if p.verb and p.noun)
    with_pair = sum(full.values())
    return VerbNounStats(
        n=len(pairs),
        with_verb=sum(verbs.values()),
        with_pair=with_pair,
        distinct_verbs=len(verbs),
        distinct_pairs=len(full),
        repetition_rate=(1.0 - len(full) / with_pair) if with_pair else 0.0,
        top_verbs=verbs.most_common(top),
        top_pairs=[(v, n, c) for (v, n), c in full.most_common(top)],
    )


def sunburst(
    pairs: Sequence[VerbNoun], verbs: int = 20, nouns_per_verb: int = 4
) -> list[dict[str, Any]]:
    """Data for a two-ring sunburst: inner ring verbs, outer ring their nouns.

    Returns:
        One entry per top verb, most common first:
        ``{"verb", "count", "nouns": [{"noun", "count"}, …], "other": count of the rest}``.
    """
    by_verb: dict[str, Counter[str]] = {}
    for p in pairs:
        if p.verb and p.noun:
            by_verb.setdefault(p.verb, Counter())[p.noun] += 1
    ranked = sorted(by_verb.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:verbs]
    rings = []
    for verb, nouns in ranked:
        total = sum(nouns.values())
        kept = sorted(nouns.items(), key=lambda kv: (-kv[1], kv[0]))[:nouns_per_verb]
        rings.append(
            {
                "verb": verb,
                "count": total,
                "nouns": [{"noun": n, "count": c} for n, c in kept],
                "other": total - sum(c for _, c in kept),
            }
        )
    return rings
