"""``coalign models`` and ``coalign ask``: see which models are usable and make one logged call."""

from __future__ import annotations

import typer

from coalign.cli.state import console, state
from coalign.core.calls import SamplingParams
from coalign.llm import DEFAULT_MODEL, backend_types, embedded_models, load_model, parse_model
from coalign.llm.probe import check_model
from coalign.store.calls import call_stats


def models(
    ctx: typer.Context,
    check: bool = typer.Option(
        False,
        "--check",
        help="Also ask the selected model for a few tokens in a child process; a crash or an "
        "unreachable server becomes one error that says what to do.",
    ),
) -> None:
    """List embedded models and how to point coalign at a model server."""
    chosen = parse_model(state(ctx).model).model_id
    console.print(
        f"selected: [bold]{chosen}[/] (default {DEFAULT_MODEL}; set --model or COALIGN_MODEL)"
    )
    for info in embedded_models():
        mark = "[green]available[/]" if info.available else "[red]missing[/]"
        console.print(f"  {info.model_id}  {mark}  {info.detail}")
    for backend in backend_types():
        for line in backend.usage:
            console.print(f"  {line}", markup=False)
    if check:
        with console.status(f"asking {chosen} for a few tokens"):
            probe = check_model(state(ctx).model)
        console.print(
            f"[green]ok[/] {probe.model_id} answered {probe.text.strip()!r} "
            f"in {probe.seconds:.1f} s"
        )


def ask(
    ctx: typer.Context,
    prompt: str = typer.Argument(..., help="What to ask."),
    system: str = typer.Option(None, help="A system prompt."),
    temperature: float = typer.Option(0.7, min=0.0, max=2.0),
    max_tokens: int = typer.Option(200, min=1),
    seed: int = typer.Option(0, help="Sampling seed; the same seed gives the same answer."),
) -> None:
    """Ask the model one question; the call is logged (and cached) in the database."""
    cli = state(ctx)
    with cli.store() as store:
        model = load_model(cli.model, log=store)
        params = SamplingParams(temperature=temperature, max_tokens=max_tokens, seed=seed)
        answer = model.ask(prompt, system=system, params=params)
        console.print(answer.text)
        if answer.truncated:
            console.print(
                f"[yellow](cut off at --max-tokens {max_tokens}; raise it for the whole answer)[/]"
            )
        stats = call_stats(store)
    console.print(f"[dim]{model.model_id} · {stats.total} calls logged in {store.display_url}[/]")
