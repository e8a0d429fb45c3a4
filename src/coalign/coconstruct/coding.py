"""Reflect: open coding of model turns, then focused coding of one's codes into named clusters.

Initial coding attaches a short free-text code to a model turn, or to a span of it (character
offsets into the turn, or a quoted passage found in it). Focused coding groups a person's own
codes into clusters they name. People code their own conversations and the shared baselines;
they can change only their own codes and clusters. Facilitators see every code with its turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coalign.coconstruct.interact import visible_conversation
from coalign.coconstruct.training import require_training
from coalign.core.coconstruction import MAX_NAME, Code, CodeInput
from coalign.core.errors import InputError, NotFoundError
from coalign.participation.members import member, owned, validated
from coalign.store import Store
from coalign.store.coconstruction import (
    CodeWithTurn,
    add_cluster,
    add_turn_code,
    cluster_by_id,
    clusters_of,
    code_by_id,
    codes_of,
    remove_code,
    study_code_rows,
    turn_by_id,
)
from coalign.store.coconstruction_tables import CodeClusterRow, CodeRow, TurnRow
from coalign.store.studies import study_row


class Cluster(BaseModel):
    """A participant's named group of codes."""

    id: int
    name: str
    codes: list[Code] = Field(default_factory=list)


def _code(row: CodeRow, turn: TurnRow, cluster: CodeClusterRow | None) -> Code:
    return Code(
        id=row.id,
        participant_id=row.participant_id,
        turn_id=row.turn_id,
        text=row.text,
        span_start=row.span_start,
        span_end=row.span_end,
        quote=row.quote,
        cluster_id=row.cluster_id,
        cluster=cluster.name if cluster else None,
        turn_text=turn.content,
    )


def _span(content: str, data: CodeInput, quote: str | None) -> tuple[int | None, int | None]:
    start, end = data.span_start, data.span_end
    if start is None and end is None and quote and quote.strip():
        found = content.find(quote.strip())
        if found < 0:
            raise InputError("the selected passage is not part of this turn")
        return found, found + len(quote.strip())
    if (start is None) != (end is None):
        raise InputError("a span needs both a start and an end")
    if start is not None and end is not None and not 0 <= start < end <= len(content):
        raise InputError(f"the span {start}–{end} lies outside this turn (0–{len(content)})")
    return start, end


def add_code(store: Store, participant_id: str, fields: Mapping[str, object]) -> Code:
    """Attach a code to a model turn the participant may see.

    Args:
        fields: ``turn_id``, ``text``, and optionally ``span_start``/``span_end`` or ``quote``.

    Raises:
        InputError: empty or too long code, a bad span, or a turn that is not the model's.
        NotFoundError: the turn is not in a conversation the participant may see.
        TrainingRequiredError: the study trains its participants first, and this one has not
            passed the training check yet.
    """
    fields = dict(fields)
    quote = fields.pop("quote", None)
    data = validated(CodeInput, fields, "code")
    with store.session() as session:
        person = member(session, participant_id)
        require_training(session, participant_id, person.study_id)
        turn = turn_by_id(session, data.turn_id)
        if turn is None:
            raise NotFoundError(f"no turn {data.turn_id} for you")
        visible_conversation(session, participant_id, turn.conversation_id)
        if turn.role != "assistant":
            raise InputError("codes go on the model's turns")
        start, end = _span(turn.content, data, str(quote) if quote is not None else None)
        row = add_turn_code(
            session,
            person.study_id,
            participant_id,
            turn.id,
            data.text,
            span_start=start,
            span_end=end,
            quote=turn.content[start:end] if start is not None else None,
        )
        return _code(row, turn, None)


def delete_code(store: Store, participant_id: str, code_id: int) -> None:
    """Remove one of one's own codes (:class:`NotFoundError` for anyone else's)."""
    with store.session() as session:
        member(session, participant_id)
        row = owned(code_by_id(session, code_id), participant_id, "code", code_id)
        remove_code(session, row)


def _codes(rows: list[CodeWithTurn]) -> list[Code]:
    return [_code(code, turn, cluster) for code, turn, cluster in rows]


def own_codes(store: Store, participant_id: str) -> list[Code]:
    """A participant's codes, oldest first."""
    with store.read() as session:
        member(session, participant_id)
        return _codes(codes_of(session, participant_id))


def study_codes(store: Store, slug: str) -> list[Code]:
    """Every code of a study with its turn and its author's cluster (the facilitator's view)."""
    with store.read() as session:
        return _codes(study_code_rows(session, study_row(session, slug).id))


def _own_code_rows(session: Session, participant_id: str, code_ids: Sequence[int]) -> list[CodeRow]:
    rows = []
    for code_id in dict.fromkeys(code_ids):
        rows.append(owned(code_by_id(session, code_id), participant_id, "code", code_id))
    return rows


def create_cluster(
    store: Store, participant_id: str, name: str, code_ids: Sequence[int] = ()
) -> Cluster:
    """Name a new cluster of one's own codes and move the chosen codes into it.

    Raises:
        InputError: an empty or too long name, or a name the participant already uses.
        NotFoundError: a code that is not the participant's.
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InputError(f"a cluster needs a name of 1 to {MAX_NAME} characters")
    try:
        with store.session() as session:
            person = member(session, participant_id)
            rows = _own_code_rows(session, participant_id, code_ids)
            cluster = add_cluster(session, person.study_id, participant_id, name)
            for row in rows:
                row.cluster_id = cluster.id
            cluster_id = cluster.id
    except IntegrityError as exc:
        raise InputError(f"you already have a cluster called {name!r}") from exc
    return next(c for c in own_clusters(store, participant_id) if c.id == cluster_id)


def move_codes(
    store: Store, participant_id: str, code_ids: Sequence[int], cluster_id: int | None
) -> None:
    """Put one's own codes into one's own cluster, or out of any cluster (``cluster_id=None``).

    Raises:
        NotFoundError: a code or the cluster is not the participant's.
    """
    with store.session() as session:
        member(session, participant_id)
        if cluster_id is not None:
            owned(cluster_by_id(session, cluster_id), participant_id, "cluster", cluster_id)
        for row in _own_code_rows(session, participant_id, code_ids):
            row.cluster_id = cluster_id


def own_clusters(store: Store, participant_id: str) -> list[Cluster]:
    """A participant's clusters with their codes, in the order they were made."""
    with store.read() as session:
        member(session, participant_id)
        clusters = clusters_of(session, participant_id)
        codes = _codes(codes_of(session, participant_id))
    return [
        Cluster(id=c.id, name=c.name, codes=[code for code in codes if code.cluster_id == c.id])
        for c in clusters
    ]
