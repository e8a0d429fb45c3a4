"""A word cloud laid out by our own code, drawn as SVG by the template that shows it.

Each term's font size grows linearly with its count, from ``min_size`` (the rarest) to
``max_size`` (the most frequent). Terms are placed most frequent first, each at the first free
spot along an Archimedean spiral out from the centre; a term's box is estimated from its length
(no fonts are measured), with a margin. A term that finds no free spot is listed in
:attr:`WordCloud.left_out`, never dropped silently. The layout is deterministic: the same counts
give the same cloud.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import BaseModel, Field

#: Width of an average character as a share of the font size (sans-serif).
CHAR_WIDTH = 0.58


class PlacedWord(BaseModel):
    """A term at ``(x, y)`` (the middle of its baseline), ``size`` pixels high, in colour ``colour``."""

    text: str
    count: int
    x: float
    y: float
    size: float
    colour: int


class WordCloud(BaseModel):
    """Placed terms in a ``width`` × ``height`` box, and the terms that did not fit."""

    width: int
    height: int
    words: list[PlacedWord] = Field(default_factory=list)
    left_out: list[str] = Field(default_factory=list)


def _box(x: float, y: float, text: str, size: float) -> tuple[float, float, float, float]:
    half = (CHAR_WIDTH * size * len(text) + 4) / 2
    return x - half, y - size * 0.85, x + half, y + size * 0.3


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def word_cloud(
    counts: Mapping[str, int],
    *,
    width: int = 640,
    height: int = 360,
    max_words: int = 60,
    min_size: float = 12.0,
    max_size: float = 44.0,
    colours: int = 8,
) -> WordCloud:
    """Lay out the ``max_words`` most frequent terms of ``counts`` (term → count > 0).

    Terms beyond ``max_words``, and those without room, are named in ``left_out``.
    """
    ranked = sorted(((t, c) for t, c in counts.items() if c > 0), key=lambda tc: (-tc[1], tc[0]))
    cloud = WordCloud(width=width, height=height, left_out=[t for t, _ in ranked[max_words:]])
    ranked = ranked[:max_words]
    if not ranked:
        return cloud
    low, high = ranked[-1][1], ranked[0][1]
    placed: list[tuple[float, float, float, float]] = []
    for index, (text, count) in enumerate(ranked):
        share = (count - low) / (high - low) if high > low else 0.5
        size = round(min_size + (max_size - min_size) * share, 1)
        spot = _spot(text, size, width, height, placed)
        if spot is None:
            cloud.left_out.append(text)
            continue
        placed.append(_box(*spot, text, size))
        cloud.words.append(
            PlacedWord(
                text=text,
                count=count,
                x=round(spot[0], 1),
                y=round(spot[1], 1),
                size=size,
                colour=index % colours,
            )
        )
    return cloud


def _spot(
    text: str,
    size: float,
    width: int,
    height: int,
    placed: list[tuple[float, float, float, float]],
) -> tuple[float, float] | None:
    """The first free spot along a spiral from the centre (wider than high, like the box)."""
    stretch = width / height
    for step in range(4000):
        angle = step * 0.1
        radius = 1.5 * angle
        x = width / 2 + radius * math.cos(angle) * stretch
        y = height / 2 + size * 0.3 + radius * math.sin(angle)
        box = _box(x, y, text, size)
        if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
            if radius > max(width, height):
                return None
            continue
        if not any(_overlaps(box, other) for other in placed):
            return x, y
    return None
