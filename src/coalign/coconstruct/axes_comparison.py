"""Comparing the axes of two or more discussion groups: definitions side by side, every axis on one
map by meaning, and suggested overlaps a facilitator marks as the same or different.

Each axis is embedded as ``"name: definition"`` with the bundled all-MiniLM-L6-v2 (the label map's
embedder) and projected with the label map's PCA (:func:`coalign.coconstruct.labelmap.project`),
so axes that mean similar things lie close together. Pairs of axes from *different* groups whose
cosine similarity reaches the threshold are suggested as overlaps. Nothing is merged: a
facilitator may record a verdict ("same" or "different") on a pair, and the axes stay as their
groups wrote them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import combinations
from typing import Literal, get_args

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from coalign.coconstruct.axes import group_in_study
from coalign.coconstruct.labelmap import project
from coalign.core.errors import InputError, NotFoundError
from coalign.store import Store
from coalign.store.coconstruction import axes_of, group_by_id, study_group_rows
from coalign.store.coconstruction_tables import AxisRow
from coalign.store.group_axes import axis_by_id, pair_judgement_rows, upsert_pair_judgement
from coalign.store.group_axes_tables import AxisPairJudgementRow
from coalign.store.studies import study_row
from coalign.validation.metrics.embeddings import Embedder, MiniLMEmbedder

#: Cosine similarity from which two groups' axes are suggested as overlapping.
DEFAULT_THRESHOLD = 0.5
Verdict = Literal["same", "different"]
VERDICTS: tuple[str, ...] = get_args(Verdict)


class AxisPoint(BaseModel):
    """One axis on the map: its group, name and definition, at ``x, y`` in the unit square."""

    axis_id: int
    group_id: int
    group: str
    name: str
    definition: str
    x: float
    y: float


class AxisPair(BaseModel):
    """Two axes of different groups, their similarity, and a facilitator's verdict if any.

    Attributes:
        suggested: the similarity reaches the comparison's threshold.
        verdict: ``same`` or ``different`` as a facilitator judged it (``None``: not judged).
    """

    axis_id: int
    other_axis_id: int
    axis: str
    other_axis: str
    group: str
    other_group: str
    similarity: float
    suggested: bool
    verdict: Verdict | None = None
    judged_by: str | None = None
    judged_at: datetime | None = None


class AxesComparison(BaseModel):
    """Two or more groups' axes on one map, with suggested and judged pairs (most similar first)."""

    study: str
    groups: list[str]
    group_ids: list[int]
    embedder: str
    method: str = "pca"
    threshold: float
    explained_variance: list[float] = Field(default_factory=list)
    points: list[AxisPoint] = Field(default_factory=list)
    pairs: list[AxisPair] = Field(default_factory=list)


class AxisPairJudgement(BaseModel):
    """A recorded verdict on two axes of different groups, for export (smaller axis id first)."""

    axis_ids: list[int]
    axes: list[str]
    groups: list[str]
    verdict: Verdict
    similarity: float
    embedder: str
    facilitator: str
    judged_at: datetime


def axis_text(row: AxisRow) -> str:
    """The text an axis is embedded as: its name and definition."""
    return f"{row.name}: {row.definition}"


def _judgement(pair: AxisPair, row: AxisPairJudgementRow | None) -> AxisPair:
    if row is not None:
        pair.verdict = row.verdict  # type: ignore[assignment]  # checked on the way in
        pair.judged_by, pair.judged_at = row.facilitator, row.judged_at
    return pair


def compare_axes(
    store: Store,
    slug: str,
    group_ids: Sequence[int],
    *,
    embedder: Embedder | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> AxesComparison:
    """Place the axes of groups ``group_ids`` of study ``slug`` on one map and list pairs of
    axes from different groups that are suggested (similarity ≥ ``threshold``) or judged.

    Raises:
        InputError: fewer than two different groups, or ``threshold`` outside (0, 1].
        NotFoundError: no such study, or a group not in it.
    """
    ids = list(dict.fromkeys(group_ids))
    if len(ids) < 2:
        raise InputError("choose two or more discussion groups to compare")
    if not 0 < threshold <= 1:
        raise InputError(f"the similarity threshold must lie in (0, 1], not {threshold}")
    embedder = embedder or MiniLMEmbedder()
    with store.read() as session:
        groups = [group_in_study(session, slug, gid) for gid in ids]
        axes = [row for g in groups for row in axes_of(session, g.id)]
        rows = pair_judgement_rows(session, [row.id for row in axes])
        judged = {(j.axis_id, j.other_axis_id): j for j in rows}
    names = {g.id: g.name for g in groups}
    result = AxesComparison(
        study=slug,
        groups=[g.name for g in groups],
        group_ids=ids,
        embedder=embedder.name,
        threshold=threshold,
    )
    if not axes:
        return result
    vectors = embedder.encode([axis_text(row) for row in axes])
    coords, result.explained_variance = project(vectors)
    for row, (x, y) in zip(axes, coords, strict=True):
        result.points.append(
            AxisPoint(
                axis_id=row.id,
                group_id=row.group_id,
                group=names[row.group_id],
                name=row.name,
                definition=row.definition,
                x=round(float(x), 4),
                y=round(float(y), 4),
            )
        )
    similarity = vectors @ vectors.T
    for i, j in combinations(range(len(axes)), 2):
        a, b = sorted((axes[i], axes[j]), key=lambda r: r.id)
        score = round(float(similarity[i, j]), 4)
        if a.group_id == b.group_id or (score < threshold and (a.id, b.id) not in judged):
            continue
        pair = AxisPair(
            axis_id=a.id,
            other_axis_id=b.id,
            axis=a.name,
            other_axis=b.name,
            group=names[a.group_id],
            other_group=names[b.group_id],
            similarity=score,
            suggested=score >= threshold,
        )
        result.pairs.append(_judgement(pair, judged.get((a.id, b.id))))
    result.pairs.sort(key=lambda p: (-p.similarity, p.axis_id, p.other_axis_id))
    return result


def _axis_in_study(session: Session, study_id: int, slug: str, axis_id: int) -> tuple[AxisRow, str]:
    """The axis and its group's name (:class:`NotFoundError` if the axis is not in the study)."""
    row = axis_by_id(session, axis_id)
    group = group_by_id(session, row.group_id) if row is not None else None
    if row is None or group is None or group.study_id != study_id:
        raise NotFoundError(f"no axis {axis_id} in study {slug!r}")
    return row, group.name


def judge_axis_pair(
    store: Store,
    slug: str,
    axis_id: int,
    other_axis_id: int,
    verdict: str,
    *,
    facilitator: str,
    embedder: Embedder | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> AxisPair:
    """Record a facilitator's verdict (``same`` or ``different``) on two axes of different groups,
    with their similarity now (``suggested`` says whether it reaches ``threshold``); a later verdict
    on the pair replaces it. Neither axis changes.

    Raises:
        InputError: an unknown verdict, the same axis twice, or two axes of one group.
        NotFoundError: an axis not in the study.
    """
    if verdict not in VERDICTS:
        raise InputError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    if axis_id == other_axis_id:
        raise InputError("a pair needs two different axes")
    embedder = embedder or MiniLMEmbedder()
    with store.read() as session:
        study_id = study_row(session, slug).id
        (a, group), (b, other_group) = sorted(
            (
                _axis_in_study(session, study_id, slug, axis_id),
                _axis_in_study(session, study_id, slug, other_axis_id),
            ),
            key=lambda found: found[0].id,
        )
        if a.group_id == b.group_id:
            raise InputError(
                f"axes {a.name!r} and {b.name!r} are of one group; compare axes across groups"
            )
        texts = [axis_text(a), axis_text(b)]
        pair = AxisPair(
            axis_id=a.id,
            other_axis_id=b.id,
            axis=a.name,
            other_axis=b.name,
            group=group,
            other_group=other_group,
            similarity=0.0,
            suggested=False,
        )
    # embedded outside any transaction: loading the model must not hold the store's write lock
    vectors = embedder.encode(texts)
    pair.similarity = round(float(vectors[0] @ vectors[1]), 4)
    pair.suggested = pair.similarity >= threshold
    with store.session() as session:
        row = upsert_pair_judgement(
            session,
            pair.axis_id,
            pair.other_axis_id,
            verdict=verdict,
            similarity=pair.similarity,
            embedder=embedder.name,
            facilitator=facilitator,
        )
        return _judgement(pair, row)


def study_pair_judgements(store: Store, slug: str) -> list[AxisPairJudgement]:
    """Every verdict on a pair of the study's axes, oldest first.

    Raises:
        NotFoundError: no such study.
    """
    with store.read() as session:
        groups = {g.id: g.name for g in study_group_rows(session, study_row(session, slug).id)}
        axes = {row.id: row for gid in groups for row in axes_of(session, gid)}
        return [
            AxisPairJudgement(
                axis_ids=[j.axis_id, j.other_axis_id],
                axes=[axes[j.axis_id].name, axes[j.other_axis_id].name],
                groups=[groups[axes[j.axis_id].group_id], groups[axes[j.other_axis_id].group_id]],
                verdict=j.verdict,
                similarity=j.similarity,
                embedder=j.embedder,
                facilitator=j.facilitator,
                judged_at=j.judged_at,
            )
            for j in pair_judgement_rows(session, list(axes))
        ]
