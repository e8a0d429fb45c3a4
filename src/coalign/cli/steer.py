"""``coalign steer``: the steerable chat in the terminal, and ``coalign steer limit`` for facilitators.

The chat reads one line at a time: plain text is a message; lines starting with ``/`` steer,
give feedback or repair (``/help`` lists them). Each answer is printed with a bar per axis
(score, target and the judge's rationale); ``/alts`` shows the other candidates. Ctrl+C while
an answer is written stops it: the text so far is kept, marked stopped.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import typer

from coalign.cli.state import console, state
from coalign.coconstruct.interact import start_conversation
from coalign.core.calls import SamplingParams
from coalign.core.errors import CoalignError, InputError
from coalign.llm import Model, load_model
from coalign.steer.chat import (
    SteeredTurn,
    chat_state,
    regenerate,
    rewind,
    steered_send,
)
from coalign.steer.judges import AxisScore
from coalign.steer.limits import set_daily_limit, set_own_limit
from coalign.steer.prompt_library import library, share_prompt, shared_prompt
from coalign.steer.repair import MARKS, flag, mark, mitigate
from coalign.store import Store

app = typer.Typer(
    help="Chat with the study's model, steered along its axes (best of n, feedback, repair).",
    invoke_without_command=True,
)

HELP = """commands:
  /set AXIS=1..5 ...   move sliders          /n K            candidates per answer (1-8)
  /alts                all candidates        /understood /misunderstood /valid /invalid
  /flag [NOTE]         misaligned: a diary entry linked to the answer
  /rewind POSITION     continue from that turn (in a new, linked conversation)
  /regenerate          answer the last message anew with the current sliders
  /mitigate DIMENSION  critique and rewrite the last answer
  /share [TITLE]       share your last message     /prompts   the study's shared prompts
  /use ID              send a shared prompt
  /limit N|off         your own daily limit of messages (the study's, if smaller, still holds)
  /quit                Ctrl+C while an answer is written stops it"""


def _targets(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"write AXIS=VALUE, not {pair!r}")
        out[name.strip()] = value.strip()
    return out


def _bars(scores: list[AxisScore], targets: dict[str, int]) -> None:
    for s in scores:
        filled = int(s.score or 0)
        bar = "#" * filled + "." * (5 - filled)
        score = "-" if s.score is None else str(int(s.score))
        target = f" (target {targets[s.axis]})" if s.axis in targets else ""
        console.print(f"  {s.axis:<16} [{bar}] {score}/5{target}  {s.rationale}", markup=False)


def _show(turn: SteeredTurn) -> None:
    console.print(f"assistant> {turn.shown.content}", markup=False, highlight=False)
    if turn.shown.stopped:
        console.print("  (stopped while it was being written; not complete)", markup=False)
    _bars(turn.shown.scores, turn.targets)
    if turn.n > 1:
        console.print(f"  ({turn.n - 1} other candidate(s): /alts)", markup=False)


def _interruptible(work: Callable[[threading.Event], SteeredTurn]) -> SteeredTurn:
    """Run ``work(stop)`` in a worker thread; Ctrl+C meanwhile sets ``stop`` instead of ending
    the chat, and the answer comes back with its text so far.

    The model checks ``stop`` between tokens, so the answer ends at once. Outside the main
    thread (where no signal handler can be set) Ctrl+C keeps its usual effect.
    """
    stop = threading.Event()
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set()) if main else None
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(work, stop).result()
    finally:
        if main:  # (a handler set outside Python reads as None: restore Python's own)
            signal.signal(
                signal.SIGINT, signal.default_int_handler if previous is None else previous
            )


def _lines() -> Iterator[str]:
    while True:
        try:
            yield input("you> ")
        except EOFError:
            return


class _Session:
    """The terminal chat's state: conversation, sliders, last answer."""

    def __init__(
        self,
        store: Store,
        model: Model,
        pid: str,
        cid: int,
        targets: dict[str, str],
        n: int,
        params: SamplingParams,
    ) -> None:
        self.store, self.model, self.pid, self.cid = store, model, pid, cid
        self.targets, self.n, self.params = targets, n, params
        self.last: SteeredTurn | None = None

    def _answer_id(self) -> int:
        turns = chat_state(self.store, self.pid, self.cid).conversation.turns
        answers = [t.id for t in turns if t.role == "assistant"]
        if not answers:
            raise InputError("there is no answer yet")
        return answers[-1]

    def send(self, text: str, prompt_id: int | None = None) -> None:
        self.last = _interruptible(
            lambda stop: steered_send(
                self.store,
                self.model,
                self.pid,
                self.cid,
                text,
                self.targets,
                n=self.n,
                params=self.params,
                shared_prompt_id=prompt_id,
                stop=stop,
            )
        )
        _show(self.last)

    def command(self, line: str) -> bool:
        """Run one ``/command``; ``False`` to stop."""
        name, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        values = {v: k for k, vs in MARKS.items() for v in vs}
        if name in ("quit", "exit"):
            return False
        if name == "help":
            console.print(HELP, markup=False)
        elif name == "set":
            self.targets.update(_targets(rest.split()))
            console.print(f"sliders: {self.targets}", markup=False)
        elif name == "n":
            if not rest.isdigit():
                raise InputError("write /n K with K from 1 to 8")
            self.n = int(rest)
            console.print(f"candidates per answer: {self.n}")
        elif name == "alts":
            if self.last is None:
                raise InputError("no steered answer in this session yet")
            for c in self.last.candidates:
                chosen = " (shown)" if c.chosen else ""
                console.print(
                    f"#{c.position} distance {c.distance:.2f}{chosen}: {c.content}", markup=False
                )
                _bars(c.scores, self.last.targets)
        elif name in values:
            mark(self.store, self.pid, self._answer_id(), values[name], name)
            console.print(f"marked {name}")
        elif name == "flag":
            entry = flag(self.store, self.pid, self._answer_id(), rest)
            console.print(f"diary entry {entry.id} opened; complete it in the diary (/p/diary)")
        elif name == "rewind":
            if not rest.isdigit():
                raise InputError("write /rewind POSITION (1 is the first turn)")
            turns = chat_state(self.store, self.pid, self.cid).conversation.turns
            match = [t for t in turns if t.position == int(rest)]
            if not match:
                raise InputError(f"this conversation has turns 1 to {len(turns)}")
            self.cid = rewind(self.store, self.pid, match[0].id).id
            console.print(f"rewound to turn {rest}: now in conversation {self.cid}")
        elif name == "regenerate":
            answer_id = self._answer_id()
            self.last = _interruptible(
                lambda stop: regenerate(
                    self.store,
                    self.model,
                    self.pid,
                    answer_id,
                    self.targets,
                    n=self.n,
                    params=self.params,
                    stop=stop,
                )
            )
            self.cid = self.last.conversation_id
            _show(self.last)
        elif name == "mitigate":
            result = mitigate(self.store, self.model, self.pid, self._answer_id(), rest)
            if result.error:
                console.print(f"the model's output could not be read: {result.error}", markup=False)
            else:
                console.print(
                    f"critique: {result.critique}\nrewrite: {result.aligned_response}", markup=False
                )
        elif name == "share":
            turns = chat_state(self.store, self.pid, self.cid).conversation.turns
            mine = [t.content for t in turns if t.role == "user"]
            if not mine:
                raise InputError("send a message first")
            console.print(
                f"shared as prompt {share_prompt(self.store, self.pid, mine[-1], rest).id}"
            )
        elif name == "limit":
            if rest != "off" and not rest.isdigit():
                raise InputError("write /limit N (messages a day) or /limit off")
            usage = set_own_limit(self.store, self.pid, None if rest == "off" else int(rest))
            held = "none" if usage.limit is None else f"{usage.limit} a day"
            console.print(
                f"your limit: {usage.personal_limit or 'none'}; the limit that holds: {held}; "
                f"used today: {usage.used} (resets at midnight UTC, in {usage.resets_in})",
                markup=False,
            )
        elif name == "prompts":
            for p in library(self.store, self.pid):
                console.print(f"{p.id}: {p.title or '-'} (used {p.uses}x) {p.text}", markup=False)
        elif name == "use":
            if not rest.isdigit():
                raise InputError("write /use ID")
            prompt = shared_prompt(self.store, self.pid, int(rest))
            console.print(f"you> {prompt.text}", markup=False)
            self.send(prompt.text, prompt.id)
        else:
            raise InputError(f"unknown command /{name}; /help lists them")
        return True


@app.callback()
def chat(
    ctx: typer.Context,
    participant: str = typer.Option(None, "--participant", "-p", help="Participant id to chat as."),
    conversation: int = typer.Option(None, "--conversation", help="Continue this conversation."),
    axis: list[str] = typer.Option(None, "--axis", help="Slider as AXIS=1..5 (repeatable)."),
    n: int = typer.Option(2, "--n", help="Candidates drafted per answer (1-8)."),
    max_tokens: int = typer.Option(256, "--max-tokens", help="Longest answer, in tokens."),
    temperature: float = typer.Option(0.7, "--temperature", help="Sampling temperature."),
    seed: int = typer.Option(0, "--seed", help="Sampling seed (candidates derive theirs from it)."),
) -> None:
    """Chat in the terminal as a participant; lines starting with / steer and repair (/help)."""
    if ctx.invoked_subcommand is not None:
        return
    if not participant:
        raise InputError("give --participant ID: the participant you chat as")
    cli = state(ctx)
    params = SamplingParams(temperature=temperature, max_tokens=max_tokens, seed=seed)
    with cli.store() as store:
        cid = conversation or start_conversation(store, participant, "terminal chat").id
        axes = chat_state(store, participant, cid).axes
        session = _Session(
            store,
            load_model(cli.model, log=store),
            participant,
            cid,
            _targets(axis or []),
            n,
            params,
        )
        names = ", ".join(a.name for a in axes) or "none"
        console.print(f"conversation {cid}; axes: {names}; /help for commands", markup=False)
        for line in _lines():
            line = line.strip()
            if not line:
                continue
            try:
                if line.startswith("/"):
                    if not session.command(line):
                        break
                else:
                    session.send(line)
            except CoalignError as exc:  # one bad line does not end the chat
                console.print(f"error: {exc}", markup=False, style="red")


@app.command("limit")
def limit(
    ctx: typer.Context,
    study: str = typer.Argument(..., help="Study slug."),
    turns: str = typer.Argument(..., help="Steered turns per participant per day, or 'off'."),
    by: str = typer.Option("cli", "--by", help="Who sets it (recorded)."),
) -> None:
    """Set the study's daily limit of steered chat turns per participant ('off' removes it)."""
    if turns != "off" and not turns.isdigit():
        raise InputError(f"give a whole number of turns or 'off', not {turns!r}")
    with state(ctx).store() as store:
        set_daily_limit(store, study, None if turns == "off" else int(turns), by)
    console.print(f"study {study}: daily limit {turns if turns == 'off' else turns + ' turn(s)'}")
