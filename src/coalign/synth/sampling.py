"""Seeded choices: per-task seeds, in-context example sampling, and entity slot expansion.

Every random choice in a run comes from a :class:`random.Random` seeded by :func:`derive_seed`
from the run's seed and the task's identity, so the same recipe and seeds always give the same
plan, whatever order tasks run in.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")

SLOT = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def stratified(
    pool: Sequence[T], k: int, key: Callable[[T], Hashable], rng: random.Random
) -> list[T]:
    """``k`` items spread over as many strata (values of ``key``) as possible.

    Strata are visited in a shuffled order, one item each per round, until ``k`` are taken.
    """
    groups: dict[Hashable, list[T]] = {}
    for item in pool:
        groups.setdefault(key(item), []).append(item)
    order = list(groups.values())
    rng.shuffle(order)
    for group in order:
        rng.shuffle(group)
    chosen: list[T] = []
    while len(chosen) < k and any(order):
        for group in order:
            if group and len(chosen) < k:
                chosen.append(group.pop())
    return chosen


def sample(pool: Sequence[T], k: int, rng: random.Random) -> list[T]:
    """Up to ``k`` distinct items of ``pool``, in a seeded random order."""
    return rng.sample(list(pool), min(k, len(pool)))


def slots(text: str) -> set[str]:
    """The entity slot names (``{country}``) a text contains."""
    return set(SLOT.findall(text))


def expand(
    text: str, values: dict[str, list[str]], chosen: dict[str, str], rng: random.Random
) -> str:
    """Fill the entity slots of ``text``; a slot already in ``chosen`` keeps its value.

    ``chosen`` is updated in place, so the caller can record what was filled in. Slots that
    are not study entities are left as written.
    """

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values or not values[name]:
            return match.group(0)
        if name not in chosen:
            chosen[name] = rng.choice(values[name])
        return chosen[name]

    return SLOT.sub(fill, text)
