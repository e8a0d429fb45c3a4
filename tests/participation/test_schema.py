"""The participation tables created by migration 0003 match the SQLAlchemy models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from coalign.store import Store
from coalign.store.tables import Base

TABLES = {
    "accounts",
    "login_attempts",
    "app_settings",
    "demographic_surveys",
    "campaigns",
    "campaign_items",
    "enrollments",
    "assignments",
}


def _table_of(diff: tuple) -> str | None:
    for part in diff[1:]:
        name = (
            getattr(part, "name", None)
            if not hasattr(part, "table")
            else getattr(part.table, "name", None)
        )
        if name:
            return name
        if isinstance(part, str):
            return part
    return None


def test_migration_matches_models(store: Store) -> None:
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    ours = [d for d in flat if _table_of(d) in TABLES]
    assert ours == []
