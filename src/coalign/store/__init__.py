"""Every artefact lives here: SQLite by default, PostgreSQL by URL, same code.

Open a store with :func:`open_store`; repository functions live in the modules beside this one
(``studies``, ``calls`` …) and take the :class:`Store` as their first argument.
"""

from __future__ import annotations

from coalign.core.errors import StoreError

# Every table registers on Base.metadata when its module loads; load them all here, in one place.
from coalign.store import (  # noqa: F401
    coconstruction_tables,
    group_axes_tables,
    group_phase_tables,
    participation_tables,
    process_feedback_tables,
    rating_tables,
    steer_tables,
    workshop_tables,
)
from coalign.store.engine import Store, create_store_engine, resolve_url
from coalign.store.migrate import upgrade


def open_store(db: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and by default migrate) the database named by ``db``, ``COALIGN_DB`` or the default.

    Raises:
        StoreError: the URL is invalid, the server unreachable, or migration failed.
    """
    url = resolve_url(db)
    engine = create_store_engine(url)
    if migrate:
        try:
            upgrade(engine)
        except Exception as exc:  # a failed migration leaves the transaction rolled back
            engine.dispose()
            raise StoreError(f"could not migrate the database: {exc}") from exc
    return Store(url, engine)


__all__ = ["Store", "StoreError", "open_store", "resolve_url"]
