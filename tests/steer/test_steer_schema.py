"""Migrations 0005 and 0021 create exactly the steerable-chat tables the SQLAlchemy models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from coalign.store import Store, steer_tables
from coalign.store.tables import Base

TABLES = {
    cls.__tablename__
    for cls in vars(steer_tables).values()
    if isinstance(cls, type) and issubclass(cls, Base) and cls is not Base
}


def test_migration_matches_models(store: Store) -> None:
    assert len(TABLES) == 7
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    touched = [d for d in flat if any(name in repr(d) for name in TABLES)]
    assert touched == []
