"""Options shared by every command (``--db``, ``--model``, ``--debug``) and helpers to use them."""

from __future__ import annotations

from dataclasses import dataclass

import typer
from rich.console import Console

from coalign.store import Store, open_store

console = Console()
err_console = Console(stderr=True)


@dataclass
class CliState:
    """What the top-level options chose."""

    db: str | None = None
    model: str | None = None
    debug: bool = False

    def store(self) -> Store:
        """Open (and migrate) the chosen database."""
        return open_store(self.db)


def state(ctx: typer.Context) -> CliState:
    """The :class:`CliState` of the running command."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
