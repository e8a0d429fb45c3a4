"""Label distributions, length distributions and Jensen–Shannon divergence between two sets."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from pydantic import BaseModel

from coalign.core.errors import InputError

_TOKEN = re.compile(r"\w+|[^\w\s]")

#: Counts tokens in one text; the generating model's tokenizer can stand in for the default.
TokenCounter = Callable[[str], int]


def word_tokens(text: str) -> list[str]:
    """Words and punctuation marks, lower-cased: the default tokenisation of lexical metrics."""
    return _TOKEN.findall(text.lower())


def count_tokens(text: str) -> int:
    """Number of :func:`word_tokens` in ``text`` (the default :data:`TokenCounter`)."""
    return len(_TOKEN.findall(text))


def label_counts(labels: Iterable[str | None], missing: str = "(none)") -> dict[str, int]:
    """How often each label occurs, most common first; ``None`` counts as ``missing``."""
    counts = Counter(missing if label is None else label for label in labels)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def proportions(counts: Mapping[str, int]) -> dict[str, float]:
    """Counts turned into shares that sum to 1.

    Raises:
        InputError: all counts are zero.
    """
    total = sum(counts.values())
    if total <= 0:
        raise InputError("a distribution needs at least one observation")
    return {k: v / total for k, v in counts.items()}


def jensen_shannon(p_counts: Mapping[str, int], q_counts: Mapping[str, int]) -> float:
    """Jensen–Shannon divergence (base 2, so 0 = same, 1 = disjoint) of two label distributions.

    Labels missing on one side count as zero there.

    Raises:
        InputError: either side has no observations.
    """
    p, q = proportions(p_counts), proportions(q_counts)
    js = 0.0
    for label in set(p) | set(q):
        a, b = p.get(label, 0.0), q.get(label, 0.0)
        m = (a + b) / 2
        if a > 0:
            js += 0.5 * a * math.log2(a / m)
        if b > 0:
            js += 0.5 * b * math.log2(b / m)
    return max(0.0, min(1.0, js))


class LengthStats(BaseModel):
    """Summary of token lengths; ``histogram`` maps each bin's lower edge to its count."""

    n: int
    mean: float
    median: float
    p10: float
    p90: float
    minimum: int
    maximum: int
    bin_width: int
    histogram: dict[int, int]


def _quantile(sorted_values: Sequence[int], q: float) -> float:
    pos = q * (len(sorted_values) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def lengths(texts: Sequence[str], tokenizer: TokenCounter = count_tokens) -> list[int]:
    """Token length of each text."""
    return [tokenizer(t) for t in texts]


def length_stats(values: Sequence[int], bin_width: int = 10) -> LengthStats:
    """Summarise token lengths, with a histogram of ``bin_width``-token bins.

    Raises:
        InputError: ``values`` is empty or ``bin_width`` is not positive.
    """
    if not values:
        raise InputError("length statistics need at least one text")
    if bin_width <= 0:
        raise InputError("bin_width must be positive")
    ordered = sorted(values)
    hist = Counter((v // bin_width) * bin_width for v in ordered)
    return LengthStats(
        n=len(ordered),
        mean=sum(ordered) / len(ordered),
        median=_quantile(ordered, 0.5),
        p10=_quantile(ordered, 0.1),
        p90=_quantile(ordered, 0.9),
        minimum=ordered[0],
        maximum=ordered[-1],
        bin_width=bin_width,
        histogram=dict(sorted(hist.items())),
    )


def binned(values: Sequence[int], bin_width: int = 10) -> dict[str, int]:
    """Lengths as string-labelled bins (``"20-29"``), ready for :func:`jensen_shannon`."""
    out: Counter[str] = Counter()
    for v in values:
        low = (v // bin_width) * bin_width
        out[f"{low}-{low + bin_width - 1}"] += 1
    return dict(out)
