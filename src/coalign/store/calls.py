"""The log of model calls, which is also the response cache."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from coalign.core.calls import Completion, ModelCall
from coalign.store.engine import Store
from coalign.store.tables import ModelCallRow


def log_call(store: Store, call: ModelCall) -> None:
    """Persist one call (cached or not, failed or not)."""
    data = call.model_dump(mode="json", exclude={"created_at"}, exclude_none=True)
    with store.session() as session:
        session.add(ModelCallRow(**data))


def cached_completion(store: Store, request_hash: str) -> Completion | None:
    """The answer of the first successful uncached call with this request hash, if any.

    The answer keeps the finish reason it was given, so a cached text that the token limit cut
    off is still known to be cut off.
    """
    query = (
        select(ModelCallRow)
        .where(
            ModelCallRow.request_hash == request_hash,
            ModelCallRow.cache_hit.is_(False),
            ModelCallRow.error.is_(None),
        )
        .order_by(ModelCallRow.id)
        .limit(1)
    )
    with store.read() as session:
        row = session.scalars(query).first()
        if row is None or row.response is None:
            return None
        return Completion(
            text=row.response,
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
            finish_reason=row.finish_reason,
        )


@dataclass(frozen=True)
class CallStats:
    """Counts over the call log, for summaries."""

    total: int
    cache_hits: int
    errors: int


def call_stats(store: Store) -> CallStats:
    """How many calls were logged, how many were cache hits and how many failed."""
    with store.read() as session:
        total, hits, errors = session.execute(
            select(
                func.count(ModelCallRow.id),
                func.count(ModelCallRow.id).filter(ModelCallRow.cache_hit.is_(True)),
                func.count(ModelCallRow.id).filter(ModelCallRow.error.is_not(None)),
            )
        ).one()
    return CallStats(total=total, cache_hits=hits, errors=errors)


def recent_calls(store: Store, limit: int = 20) -> list[ModelCall]:
    """The newest calls first."""
    with store.read() as session:
        rows = session.scalars(select(ModelCallRow).order_by(ModelCallRow.id.desc()).limit(limit))
        return [
            ModelCall.model_validate(
                {attr.key: getattr(row, attr.key) for attr in ModelCallRow.__mapper__.column_attrs}
            )
            for row in rows
        ]
