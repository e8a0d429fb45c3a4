"""``coalign serve``, ``coalign account`` and ``coalign survey``: the participation web app, its
facilitator accounts, and each study's demographics survey."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from coalign.cli.state import console, state
from coalign.core.errors import InputError
from coalign.participation.accounts import create_account
from coalign.participation.demographics import get_survey, set_survey
from coalign.study.files import read_structured

accounts = typer.Typer(help="Facilitator and admin accounts of the web app.", no_args_is_help=True)
survey = typer.Typer(
    help="A study's demographics survey (every question skippable).", no_args_is_help=True
)


def serve(
    ctx: typer.Context,
    host: str = typer.Option(
        "127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."
    ),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    secure_cookies: bool = typer.Option(
        False, help="Send session cookies over HTTPS only (behind a TLS proxy)."
    ),
    workers: int = typer.Option(
        1,
        help="Worker processes (PostgreSQL only; SQLite is served by one). "
        "About one per CPU core for a crowd study.",
    ),
) -> None:
    """Serve the participation web app: participants' study links and the facilitator dashboard."""
    from coalign.web.server import check_workers
    from coalign.web.server import serve as serve_app

    store = state(ctx).store()
    check_workers(store, workers)
    console.print(
        f"coalign web app on http://{host}:{port}/ (database {store.display_url}, "
        f"{workers} worker{'s' if workers > 1 else ''}); facilitators log in at /login; "
        "Ctrl+C stops it"
    )
    serve_app(store, host, port, secure_cookies=secure_cookies, workers=workers)


@accounts.command("add")
def add(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The login name."),
    role: str = typer.Option(
        "facilitator", help="facilitator (dashboard, exports without demographics) or admin."
    ),
    password: str = typer.Option(
        None, envvar="COALIGN_PASSWORD", help="The password (asked for when not given)."
    ),
) -> None:
    """Create a facilitator or admin account."""
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    account = create_account(state(ctx).store(), username, password, role)  # type: ignore[arg-type]
    console.print(f"created {account.role} account {account.username!r}")


@survey.command("show")
def survey_show(
    ctx: typer.Context, study: str = typer.Argument(..., help="The study's slug.")
) -> None:
    """Print a study's demographics questions as YAML (the default survey unless the study set its own)."""
    questions = get_survey(state(ctx).store(), study)
    console.print(
        yaml.safe_dump(
            [q.model_dump(exclude_defaults=True) for q in questions],
            sort_keys=False,
            allow_unicode=True,
        ),
        highlight=False,
        soft_wrap=True,
    )


@survey.command("set")
def survey_set(
    ctx: typer.Context,
    study: str = typer.Argument(..., help="The study's slug."),
    file: Path = typer.Argument(
        ...,
        help="YAML list of questions: name, label, kind (choice|text), options, "
        "self_describe, depends_on and options_by_answer (options per answer to an earlier "
        "question), translations.",
    ),
) -> None:
    """Replace a study's demographics questions ("prefer not to say" is always offered)."""
    questions = read_structured(file, "survey file")
    if not isinstance(questions, list):
        raise InputError(f"{file}: expected a YAML list of questions")
    set_survey(state(ctx).store(), study, questions)
    console.print(f"study {study!r}: {len(questions)} demographics questions")
