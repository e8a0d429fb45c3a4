"""The log of model calls, which is also the response cache."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from coalign.core.calls import ModelCall
from coalign.store.engine import Store
from coalign.store.tables import ModelCallRow


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


@dataclass(frozen=True)
class CallUsage:
    """What the calls of one purpose cost: tokens and model seconds (cache hits cost none)."""

    calls: int
    cache_hits: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float


def usage_by_purpose(store: Store, prefix: str) -> CallUsage:
    """Calls, tokens and seconds of every logged call whose purpose starts with ``prefix``
    (a generation run's calls: ``synth:RUN_ID:``)."""
    fresh = ModelCallRow.cache_hit.is_(False)
    with store.read() as session:
        calls, hits, prompt, completion, millis = session.execute(
            select(
                func.count(ModelCallRow.id),
                func.count(ModelCallRow.id).filter(ModelCallRow.cache_hit.is_(True)),
                func.coalesce(func.sum(ModelCallRow.prompt_tokens).filter(fresh), 0),
                func.coalesce(func.sum(ModelCallRow.completion_tokens).filter(fresh), 0),
                func.coalesce(func.sum(ModelCallRow.latency_ms).filter(fresh), 0.0),
            ).where(ModelCallRow.purpose.startswith(prefix, autoescape=True))
        ).one()
    return CallUsage(
        calls, hits, int(prompt or 0), int(completion or 0), float(millis or 0) / 1000.0
    )


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
