"""Verbatim overlap between two texts: how much of one is copied from the other.

Both measures work on words after :func:`coalign.validation.metrics.duplicates.normalise`
(lower case, punctuation dropped), so a copy with changed capitals or commas is still a copy:

* :func:`copied_share` — the share of the copier's word ``n``-grams (trigrams by default) that
  also occur in the source: 1.0 when every three-word run of the copier is in the source.
* :func:`longest_shared_run` — the longest run of consecutive words both texts hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from coalign.validation.metrics.duplicates import normalise


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return normalise(text).split()


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """The ``n``-grams of ``tokens`` in order (the whole sequence once if shorter than ``n``)."""
    if len(tokens) < n:
        return [tuple(tokens)] if tokens else []
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def copied_share(copier: Sequence[str], source: Sequence[str], n: int = 3) -> float:
    """Share of ``copier``'s word ``n``-grams found anywhere in ``source`` (0.0 for no words)."""
    mine = ngrams(copier, n)
    if not mine:
        return 0.0
    theirs = set(ngrams(source, n))
    return sum(1 for gram in mine if gram in theirs) / len(mine)


def longest_shared_run(a: Sequence[str], b: Sequence[str]) -> tuple[int, str]:
    """The length of the longest run of words ``a`` and ``b`` share, and that run as text."""
    if not a or not b:
        return 0, ""
    match = SequenceMatcher(None, list(a), list(b), autojunk=False).find_longest_match(
        0, len(a), 0, len(b)
    )
    return match.size, " ".join(a[match.a : match.a + match.size])
