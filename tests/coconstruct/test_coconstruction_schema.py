"""Migrations 0004, 0011 and 0018 create exactly the co-construction tables the SQLAlchemy models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from coalign.store import Store, coconstruction_tables
from coalign.store.tables import Base

TABLES = {
    table.name
    for table in Base.metadata.sorted_tables
    if table.name
    in {
        cls.__tablename__
        for cls in vars(coconstruction_tables).values()
        if isinstance(cls, type) and hasattr(cls, "__tablename__")
    }
}


def _tables_in(diff: object) -> set[str]:
    names = set()
    for part in diff if isinstance(diff, tuple) else ():
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if isinstance(part, str):
            name = part
        if name:
            names.add(name)
    return names


def test_migration_matches_models(store: Store) -> None:
    assert len(TABLES) == 15
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if _tables_in(d) & TABLES] == []
