"""Degenerate repetition in one text: loops, repeated sentences and phrases, very low distinct-n.

Small models under greedy or low-temperature decoding fall into loops ("I'm sorry. I'm sorry.
I'm sorry. …", the same sentence again and again, a clause that keeps coming back until the
token limit). :func:`find_repetition` looks for four signs, in this order, on lower-cased word
tokens (``\\w+``):

1. **loop**: a unit of 1 to ``max_period`` words repeated back to back at least
   ``loop_repeats`` (3) times and covering at least ``loop_words`` (8) words, or at least
   ``word_repeats`` (5) times whatever its length ("the the the the the").
2. **sentence**: a sentence of at least ``sentence_words`` (4) words occurring
   ``sentence_repeats`` (3) or more times anywhere in the text.
3. **phrase**: a phrase of ``phrase_words`` (3) or more words occurring ``phrase_repeats`` (10)
   or more times.
4. **distinct-n**: in a text of at least ``distinct_min_words`` (30) words, distinct word
   trigrams over all trigrams below ``min_distinct_3`` (0.5) or distinct bigrams below
   ``min_distinct_2`` (0.4).

The limits leave normal text alone: a word used twice ("very, very"), a sentence said twice
(a recap), and lists with parallel structure ("You can pay by card. You can pay by
transfer. …", whose distinct-3 stays above 0.6 and whose shared prefix is not back to back)
all pass.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, Field

from coalign.validation.metrics.loaders import require

_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.!?。])\s+|\n+")

Sign = Literal["loop", "sentence", "phrase", "distinct-n"]


class RepetitionSettings(BaseModel):
    """Limits of :func:`find_repetition` (see the module doc)."""

    max_period: int = Field(40, ge=1, le=200)
    loop_repeats: int = Field(3, ge=2)
    loop_words: int = Field(8, ge=2)
    word_repeats: int = Field(5, ge=2)
    sentence_words: int = Field(4, ge=1)
    sentence_repeats: int = Field(3, ge=2)
    phrase_words: int = Field(3, ge=1)
    phrase_repeats: int = Field(10, ge=2)
    distinct_min_words: int = Field(30, ge=3)
    min_distinct_2: float = Field(0.4, ge=0.0, le=1.0)
    min_distinct_3: float = Field(0.5, ge=0.0, le=1.0)
    max_words: int = Field(4000, ge=10)


class Repetition(BaseModel):
    """What was found: the sign, the repeated phrase as written, how often, and the ratio if any."""

    sign: Sign
    phrase: str = ""
    count: int = 0
    value: float | None = None
    n: int | None = None

    def describe(self) -> str:
        """A reason such as ``repeats "I'm sorry" 20 times in a row``."""
        shown = self.phrase if len(self.phrase) <= 80 else self.phrase[:77] + "…"
        if self.sign == "loop":
            return f'repeats "{shown}" {self.count} times in a row'
        if self.sign == "sentence":
            return f'repeats the sentence "{shown}" {self.count} times'
        if self.sign == "phrase":
            return f'repeats the phrase "{shown}" {self.count} times'
        return f'distinct-{self.n} is {self.value} ("{shown}" occurs {self.count} times)'


class _Tokens:
    """Word tokens with their character offsets, so a phrase can be shown as it was written."""

    def __init__(self, text: str, limit: int) -> None:
        self.text = text
        matches = list(_WORD.finditer(text))[:limit]
        self.words = [m.group(0).lower() for m in matches]
        self.spans = [m.span() for m in matches]

    def written(self, start: int, length: int) -> str:
        """The original text of ``length`` tokens from token ``start``."""
        return self.text[self.spans[start][0] : self.spans[start + length - 1][1]]


def distinct_ratio(words: list[str], n: int) -> float:
    """Distinct word n-grams over all n-grams of one text (1.0 when it has none)."""
    total = len(words) - n + 1
    if total <= 0:
        return 1.0
    return len({tuple(words[i : i + n]) for i in range(total)}) / total


def find_repetition(text: str, settings: RepetitionSettings | None = None) -> Repetition | None:
    """The first sign of degenerate repetition in ``text``, or ``None`` if it reads normally."""
    settings = settings or RepetitionSettings()
    tokens = _Tokens(text, settings.max_words)
    words = tokens.words
    trigrams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    repeats_something = len(set(trigrams)) < len(trigrams) or _has_word_run(words, settings)
    if not repeats_something:
        return None  # no word trigram occurs twice: no loop, sentence or phrase can repeat
    return (
        _loop(tokens, settings)
        or _sentence(text, settings)
        or _phrase(tokens, settings)
        or _distinct(tokens, settings)
    )


def _has_word_run(words: list[str], settings: RepetitionSettings) -> bool:
    run = 1
    for a, b in pairwise(words):
        run = run + 1 if a == b else 1
        if run >= settings.word_repeats:
            return True
    return False


def _loop(tokens: _Tokens, settings: RepetitionSettings) -> Repetition | None:
    """The shortest unit repeated back to back often enough (see the module doc)."""
    np = require("numpy")
    words = tokens.words
    if len(words) < 2:
        return None
    ids: dict[str, int] = {}
    arr = np.fromiter((ids.setdefault(w, len(ids)) for w in words), dtype=np.int64)
    for period in range(1, min(settings.max_period, len(words) // 2) + 1):
        same = np.concatenate(([False], arr[:-period] == arr[period:], [False]))
        edges = np.diff(same.astype(np.int8))
        starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
        if not len(starts):
            continue
        lengths = ends - starts
        k = int(lengths.argmax())
        copies = (int(lengths[k]) + period) // period
        if (copies >= settings.loop_repeats and copies * period >= settings.loop_words) or (
            copies >= settings.word_repeats
        ):
            return Repetition(
                sign="loop", phrase=tokens.written(int(starts[k]), period), count=copies
            )
    return None


def _sentence(text: str, settings: RepetitionSettings) -> Repetition | None:
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for raw in _SENTENCE.split(text):
        key = " ".join(_WORD.findall(raw.lower()))
        if len(key.split()) >= settings.sentence_words:
            counts[key] += 1
            first.setdefault(key, raw.strip())
    if counts:
        key, count = counts.most_common(1)[0]
        if count >= settings.sentence_repeats:
            return Repetition(sign="sentence", phrase=first[key], count=count)
    return None


def _phrase(tokens: _Tokens, settings: RepetitionSettings) -> Repetition | None:
    words, n = tokens.words, settings.phrase_words
    counts: Counter[tuple[str, ...]] = Counter()
    where: dict[tuple[str, ...], int] = {}
    for i in range(len(words) - n + 1):
        gram = tuple(words[i : i + n])
        counts[gram] += 1
        where.setdefault(gram, i)
    if counts:
        gram, count = counts.most_common(1)[0]
        if count >= settings.phrase_repeats:
            return Repetition(sign="phrase", phrase=tokens.written(where[gram], n), count=count)
    return None


def _distinct(tokens: _Tokens, settings: RepetitionSettings) -> Repetition | None:
    words = tokens.words
    if len(words) < settings.distinct_min_words:
        return None
    for n, limit in ((3, settings.min_distinct_3), (2, settings.min_distinct_2)):
        ratio = distinct_ratio(words, n)
        if ratio < limit:
            counts = Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
            gram, count = counts.most_common(1)[0]
            start = next(i for i in range(len(words)) if tuple(words[i : i + n]) == gram)
            return Repetition(
                sign="distinct-n",
                phrase=tokens.written(start, n),
                count=count,
                value=round(ratio, 2),
                n=n,
            )
    return None
