"""Lexical diversity: distinct-n and compression ratio."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from coalign.core.errors import InputError
from coalign.validation.metrics.distributions import word_tokens


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Distinct n-grams divided by all n-grams, pooled over ``texts`` (n-grams never cross texts).

    1.0 means no n-gram repeats anywhere; values near 0 mean the set says the same thing
    over and over.

    Raises:
        InputError: ``n`` < 1 or the texts hold no n-gram at all.
    """
    if n < 1:
        raise InputError("distinct-n needs n ≥ 1")
    seen: set[tuple[str, ...]] = set()
    total = 0
    for text in texts:
        tokens = word_tokens(text)
        for i in range(len(tokens) - n + 1):
            seen.add(tuple(tokens[i : i + n]))
            total += 1
    if total == 0:
        raise InputError(f"distinct-{n} needs texts with at least {n} tokens")
    return len(seen) / total


def compression_ratio(texts: Sequence[str], level: int = 6) -> float:
    """Size of the joined texts divided by their zlib-compressed size.

    Repetitive sets compress well, so a higher ratio means less lexical diversity.

    Raises:
        InputError: the texts are all empty.
    """
    raw = "\n".join(texts).encode("utf-8")
    if not raw.strip():
        raise InputError("compression ratio needs non-empty texts")
    return len(raw) / len(zlib.compress(raw, level))


def lexical_diversity(texts: Sequence[str]) -> dict[str, float]:
    """``distinct_1``, ``distinct_2`` and ``compression_ratio`` of ``texts`` in one dict."""
    return {
        "distinct_1": distinct_n(texts, 1),
        "distinct_2": distinct_n(texts, 2),
        "compression_ratio": compression_ratio(texts),
    }
