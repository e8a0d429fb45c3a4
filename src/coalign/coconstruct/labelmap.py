"""The label map: every code of a study laid out by meaning, with suggested clusters.

Codes are embedded with the bundled all-MiniLM-L6-v2 (through :mod:`coalign.validation.metrics.embeddings`),
projected to two dimensions with PCA, and scaled into the unit square. Agglomerative clustering
(average linkage on cosine distance) proposes groups; they are *suggestions* for the discussion,
stored nowhere and never mixed up with the clusters participants made themselves.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from coalign.coconstruct.coding import study_codes
from coalign.coconstruct.interact import conversations_for
from coalign.core.errors import InputError
from coalign.store import Store
from coalign.validation.metrics.embeddings import Embedder, MiniLMEmbedder
from coalign.validation.metrics.loaders import require

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

DEFAULT_DISTANCE = 0.6
PRIVATE_TURN = "(a turn from another participant's own conversation)"
#: Most codes clustered directly (linkage memory grows with the square of this).
MAX_CLUSTERED = 4000


class MapPoint(BaseModel):
    """One code on the map.

    Attributes:
        x, y: position in the unit square.
        author: a pseudonym (``P1``, ``P2`` …) numbered by each author's first code.
        cluster: the author's own cluster for the code, if any.
        suggestion: index into :attr:`LabelMap.suggestions`.
    """

    code_id: int
    text: str
    x: float
    y: float
    author: str
    cluster: str | None
    turn_id: int
    turn_text: str
    quote: str | None
    suggestion: int


class Suggestion(BaseModel):
    """A group proposed by agglomerative clustering, labelled by the code nearest its centre."""

    label: str
    code_ids: list[int]


class LabelMap(BaseModel):
    """Points for every code of a study and the suggested clusters."""

    study: str
    embedder: str
    method: str = "pca"
    points: list[MapPoint] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    explained_variance: list[float] = Field(default_factory=list)


def project(vectors: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Two PCA coordinates per row scaled into [0, 1], and the share of variance each explains.

    Fewer than three rows, or rows without spread, are placed along a line or at the centre.
    """
    np = require("numpy")
    n = vectors.shape[0]
    coords = np.full((n, 2), 0.5)
    if n < 2:
        return coords, []
    centred = vectors.astype(np.float64) - vectors.mean(axis=0)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    k = min(2, components.shape[0])
    raw = centred @ components[:k].T
    total = float((singular**2).sum())
    explained = [float(s**2 / total) if total else 0.0 for s in singular[:k]]
    for axis in range(k):
        low, high = raw[:, axis].min(), raw[:, axis].max()
        if high - low > 1e-9:
            coords[:, axis] = (raw[:, axis] - low) / (high - low)
    return coords, explained


def suggest_clusters(
    vectors: np.ndarray,
    distance: float = DEFAULT_DISTANCE,
    *,
    limit: int = MAX_CLUSTERED,
    seed: int = 0,
) -> list[int]:
    """Agglomerative clusters (average linkage, cosine distance cut at ``distance``), numbered from 0
    by first appearance.

    Linkage needs memory quadratic in the number of codes; above ``limit`` codes a seeded sample of
    ``limit`` is clustered and every code joins the cluster whose centre it is closest to.
    """
    n = vectors.shape[0]
    if n < 2:
        return [0] * n
    hierarchy = require("scipy.cluster.hierarchy")
    np = require("numpy")
    sample = sorted(random.Random(seed).sample(range(n), limit)) if n > limit else list(range(n))
    tree = hierarchy.linkage(vectors[sample].astype(np.float64), method="average", metric="cosine")
    raw = hierarchy.fcluster(tree, t=distance, criterion="distance")
    if n > limit:
        labels = sorted(set(raw.tolist()))
        centres = np.stack(
            [
                vectors[[sample[i] for i in np.flatnonzero(raw == label)]].mean(axis=0)
                for label in labels
            ]
        )
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        raw = np.asarray(labels)[np.argmax(vectors @ centres.T, axis=1)]
    order: dict[int, int] = {}
    return [order.setdefault(int(label), len(order)) for label in raw]


def label_map(
    store: Store,
    slug: str,
    *,
    embedder: Embedder | None = None,
    distance: float = DEFAULT_DISTANCE,
    viewer: str | None = None,
) -> LabelMap:
    """Lay out every code of study ``slug`` by meaning and suggest clusters.

    Args:
        embedder: the sentence embedder (default: the bundled MiniLM).
        distance: the cosine distance (0–2) at which suggested clusters are cut; smaller gives more.
        viewer: the participant who looks at the map; turns from other people's own conversations
            are then left out (their codes still show), so nobody reads another person's chat.

    Raises:
        NotFoundError: no such study.
        InputError: ``distance`` outside (0, 2].
    """
    if not 0 < distance <= 2:
        raise InputError(f"the cluster distance must lie in (0, 2], not {distance}")
    codes = study_codes(store, slug)
    visible = None
    if viewer is not None:
        visible = {t.id for c in conversations_for(store, viewer) for t in c.turns}
    embedder = embedder or MiniLMEmbedder()
    result = LabelMap(study=slug, embedder=embedder.name)
    if not codes:
        return result
    vectors = embedder.encode([code.text for code in codes])
    coords, result.explained_variance = project(vectors)
    groups = suggest_clusters(vectors, distance)
    authors: dict[str, str] = {}
    for code, (x, y), group in zip(codes, coords, groups, strict=True):
        author = authors.setdefault(code.participant_id, f"P{len(authors) + 1}")
        result.points.append(
            MapPoint(
                code_id=code.id,
                text=code.text,
                x=round(float(x), 4),
                y=round(float(y), 4),
                author=author,
                cluster=code.cluster,
                turn_id=code.turn_id,
                turn_text=code.turn_text
                if visible is None or code.turn_id in visible
                else PRIVATE_TURN,
                quote=code.quote if visible is None or code.turn_id in visible else None,
                suggestion=group,
            )
        )
    for group in range(max(groups) + 1):
        members = [i for i, g in enumerate(groups) if g == group]
        nearest = central_member(vectors, members)
        result.suggestions.append(
            Suggestion(label=codes[nearest].text, code_ids=[codes[i].id for i in members])
        )
    return result


def central_member(vectors: np.ndarray, members: list[int]) -> int:
    """Of the rows ``members`` of ``vectors``, the one nearest their centre (a cluster's label)."""
    np = require("numpy")
    centre = vectors[members].mean(axis=0)
    return members[int(np.argmax(vectors[members] @ centre))]
