"""``coalign init`` and ``coalign db …``: create and migrate the database."""

from __future__ import annotations

import typer

from coalign.cli.state import console, state
from coalign.store import open_store
from coalign.store.engine import create_store_engine
from coalign.store.migrate import upgrade as upgrade_schema

app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


def init(ctx: typer.Context) -> None:
    """Create the database (SQLite file by default) with the newest schema."""
    with open_store(state(ctx).db) as store:
        console.print(f"database ready: {store.display_url}")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Apply any pending schema migrations."""
    from coalign.store import resolve_url

    engine = create_store_engine(resolve_url(state(ctx).db))
    try:
        before, after = upgrade_schema(engine)
    finally:
        engine.dispose()
    if before == after:
        console.print(f"schema already at {after}")
    else:
        console.print(f"schema migrated from {before or 'empty'} to {after}")
