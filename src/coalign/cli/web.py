"""``coalign serve`` and ``coalign account``: the participation web app and its facilitator accounts."""

from __future__ import annotations

import typer

from coalign.cli.state import console, state
from coalign.elicit.accounts import create_account

accounts = typer.Typer(help="Facilitator and admin accounts of the web app.", no_args_is_help=True)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    secure_cookies: bool = typer.Option(False, help="Send session cookies over HTTPS only (behind a TLS proxy)."),
) -> None:
    """Serve the participation web app: participants' study links and the facilitator dashboard."""
    from coalign.web.server import serve as serve_app

    store = state(ctx).store()
    console.print(f"coalign web app on http://{host}:{port}/ (database {store.display_url}); "
                  "facilitators log in at /login; Ctrl+C stops it")
    serve_app(store, host, port, secure_cookies=secure_cookies)


@accounts.command("add")
def add(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The login name."),
    role: str = typer.Option("facilitator", help="facilitator (dashboard, exports without demographics) or admin."),
    password: str = typer.Option(None, envvar="COALIGN_PASSWORD", help="The password (asked for when not given)."),
) -> None:
    """Create a facilitator or admin account."""
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    account = create_account(state(ctx).store(), username, password, role)  # type: ignore[arg-type]
    console.print(f"created {account.role} account {account.username!r}")
