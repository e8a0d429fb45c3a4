"""``coalign participants …``: delete a participant's data, and the log of withdrawals."""

from __future__ import annotations

import getpass

import typer

from coalign.cli.state import console, state
from coalign.participation.withdrawal import (
    data_summary,
    delete_participant,
    find_participant,
    list_withdrawals,
)

app = typer.Typer(
    help="Participants: delete one's data (withdrawal), list withdrawals.", no_args_is_help=True
)


@app.command("delete")
def delete(
    ctx: typer.Context,
    participant_id: str = typer.Argument(None, help="The participant id (p_…)."),
    crowd_id: str = typer.Option(
        None, "--crowd-id", help="Or the crowd platform's id (PROLIFIC_PID), with --study."
    ),
    study: str = typer.Option(None, "--study", help="The study a --crowd-id belongs to."),
    by: str = typer.Option(
        None, "--by", help="Who asks, for the log (default: the user running this command)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete every row of a participant's data in one transaction, and log who did it."""
    store = state(ctx).store()
    pid = find_participant(store, participant_id, crowd_id=crowd_id, study=study)
    summary = data_summary(store, pid)
    console.print(f"participant {pid} of study {summary.study}; rows to delete:", highlight=False)
    for table, n in summary.counts.items():
        if n:
            console.print(f"  {table}: {n}", highlight=False)
    if summary.used_seeds:
        console.print(
            f"  {summary.used_seeds} seed(s) used by generation runs keep a tombstone (id, runs)",
            highlight=False,
        )
    if not yes and not typer.confirm("Delete this participant's data?"):
        raise typer.Abort()
    done = delete_participant(store, pid, admin=by or getpass.getuser(), channel="cli")
    console.print(
        f"deleted {done.rows_deleted} rows of participant {pid} (withdrawal {done.id})",
        highlight=False,
    )


@app.command("withdrawals")
def withdrawals(
    ctx: typer.Context,
    study: str = typer.Argument(None, help="Only this study (default: every study)."),
) -> None:
    """List logged withdrawals, newest first: when, who asked, rows deleted, seeds kept."""
    rows = list_withdrawals(state(ctx).store(), study)
    if not rows:
        console.print("nobody has withdrawn")
    for w in rows:
        who = "the participant" if w.requested_by == "participant" else f"admin {w.account}"
        seeds = f", {len(w.tombstones)} used seed(s) kept as tombstones" if w.tombstones else ""
        console.print(
            f"{w.id:>4}  {w.created_at:%Y-%m-%d %H:%M} UTC  {w.study}  {w.participant_id}  "
            f"by {who} ({w.channel}): {w.rows_deleted} rows{seeds}",
            highlight=False,
            soft_wrap=True,
        )
