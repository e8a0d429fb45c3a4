"""Migration 0014 creates exactly the ``translations`` table the SQLAlchemy model describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from coalign.store import Store
from coalign.store.tables import Base


def test_migration_matches_the_model(store: Store) -> None:
    with store.engine.connect() as connection:
        assert "translations" in inspect(connection).get_table_names()
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if "'translations'" in repr(d)] == []
    uniques = inspect(store.engine).get_unique_constraints("translations")
    assert [u["column_names"] for u in uniques] == [
        ["campaign_id", "part", "subject", "field", "language"]
    ]
