"""The ``coalign`` command: global options, command groups, and one-line errors.

Commands stay thin: they parse options, call one service function, and print the result.
"""

from __future__ import annotations

import os
import sys

import typer

from coalign import __version__
from coalign.cli import (
    analyze,
    axes,
    campaigns,
    db,
    demo,
    export,
    models,
    participants,
    ratings,
    runs,
    steer,
    study,
    trace,
    validate,
    web,
    workshops,
)
from coalign.cli.state import CliState, err_console
from coalign.core.errors import CoalignError

app = typer.Typer(
    name="coalign",
    help="coalign: participatory, pluralistic alignment data — studies, seeds, synthetic data, "
    "validation, ratings, analysis and exports, with provenance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"coalign {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    db_url: str = typer.Option(
        None,
        "--db",
        envvar="COALIGN_DB",
        help="SQLite path or postgresql:// URL (default ./coalign.db).",
    ),
    model: str = typer.Option(
        None,
        "--model",
        envvar="COALIGN_MODEL",
        help="Model string (default llama-cpp:smollm2-135m).",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    ctx.obj = CliState(db=db_url, model=model, debug=debug)


app.command("init")(db.init)
app.command("models")(models.models)
app.command("ask")(models.ask)
app.command("demo")(demo.demo)
app.command("serve")(web.serve)
app.command("analyze")(analyze.analyze)
app.command("export")(export.export)
app.command("trace")(trace.trace)
app.command("validate")(validate.validate)
app.command("report")(validate.report)
app.command("review")(validate.review)
app.command("generate")(runs.generate)
app.add_typer(study.app, name="study")
app.add_typer(db.app, name="db")
app.add_typer(runs.app, name="runs")
app.add_typer(axes.app, name="axes")
axes.activities.command("handout")(workshops.handout)
axes.activities.command("boards")(workshops.boards)
app.add_typer(axes.activities, name="activities")
app.add_typer(steer.app, name="steer")
app.add_typer(web.accounts, name="account")
app.add_typer(web.survey, name="survey")
app.add_typer(campaigns.app, name="campaign")
app.add_typer(participants.app, name="participants")
app.add_typer(ratings.app, name="ratings")


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return the exit code; coalign errors become one line on stderr."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or bool(os.environ.get("COALIGN_DEBUG"))
    try:
        app(args=args, prog_name="coalign", standalone_mode=False)
    except CoalignError as exc:
        if debug:
            raise
        err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except Exception as exc:  # usage errors (a missing option …) from click or typer's own copy
        import click

        if isinstance(exc, click.ClickException | typer.exceptions.TyperException):
            show = getattr(exc, "show", None)
            if callable(show):
                show()
            else:
                err_console.print(f"error: {exc.format_message()}", highlight=False)
            return exc.exit_code
        raise
    return 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
