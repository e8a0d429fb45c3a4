"""Latency of one steered chat turn (best of n = 1, 2, 4) on the embedded model, and the share of
its time spent outside model calls.

A steered turn draws n candidate answers and has every axis judge score each of them, so it makes
n × (1 + axes) model calls. The reference, measured in the same run, is one plain (unsteered)
chat turn with the same sampling: one model call. The backend is wrapped with a timer, so
"outside model calls" is everything else: prompt composition, rubric rendering, the call log,
verdicts, turns, candidates (SQLite). The model cache is off, so every call reaches the model.

Usage: ``python benchmarks/bench_steer.py [--axes 3] [--max-tokens 48] [--repeats 1]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from coalign.coconstruct.interact import send, start_conversation
from coalign.core.calls import ChatRequest, Completion, SamplingParams
from coalign.core.campaigns import Campaign, ImportedItem
from coalign.llm import load_model
from coalign.participation.access import join_from_crowd
from coalign.participation.demographics import save_demographics
from coalign.rating.campaigns import create_campaign
from coalign.rating.flow import give_consent
from coalign.steer.chat import steered_send
from coalign.store import Store, open_store
from coalign.study import import_study

AXES = [
    ("cultural-context", "Takes the user's cultural background into account."),
    ("empathy", "Acknowledges how the user feels before giving advice."),
    ("complexity", "Uses technical detail and long sentences."),
    ("geographic-breadth", "Covers more than one country or region."),
]
MESSAGES = [
    "How do I send money to my family abroad?",
    "My card was blocked while travelling, what now?",
    "Is it safe to keep savings at home?",
]


class TimedBackend:
    """A backend that adds up the seconds spent inside the wrapped one."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name, self.model_id = inner.name, inner.model_id  # type: ignore[attr-defined]
        self.seconds, self.calls = 0.0, 0

    def complete(self, request: ChatRequest) -> Completion:
        started = time.perf_counter()
        try:
            return self.inner.complete(request)  # type: ignore[attr-defined]
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1


def study(folder: Path, axes: int) -> Path:
    path = folder / "study.yaml"
    data = {
        "study": {
            "slug": "bench",
            "title": "Bench",
            "system_prompt": "You are a bank's assistant. Answer briefly.",
            "dimensions": [
                {"name": n, "definition": d, "origin": "derived_axis"} for n, d in AXES[:axes]
            ],
        }
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def participant(store: Store, name: str) -> str:
    seat = join_from_crowd(
        store, "bench", "pilot", {"PROLIFIC_PID": name, "STUDY_ID": "s", "SESSION_ID": name}
    )
    give_consent(store, seat, agree=True)
    save_demographics(store, seat, {})
    return seat.participant_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--axes", type=int, default=3, choices=range(1, len(AXES) + 1))
    parser.add_argument("--max-tokens", type=int, default=48, help="answer length in tokens")
    parser.add_argument("--repeats", type=int, default=1, help="turns per setting (median)")
    args = parser.parse_args()
    os.environ.setdefault("COALIGN_THREADS", "1")
    params = SamplingParams(temperature=0.8, max_tokens=args.max_tokens, seed=7)
    with tempfile.TemporaryDirectory() as tmp, open_store(str(Path(tmp) / "b.db")) as store:
        import_study(store, study(Path(tmp), args.axes))
        create_campaign(
            store,
            Campaign(
                slug="pilot",
                study_slug="bench",
                title="Pilot",
                dimensions=[AXES[0][0]],
                items_per_participant=1,
                completion_code="DONE",
                screened_out_code="OUT",
            ),
            [ImportedItem(prompt="Q?", response="A.")],
        )
        model = load_model("llama-cpp:smollm2-135m", log=store, cache=False)
        timer = TimedBackend(model.backend)
        model.backend = timer
        pid = participant(store, "bench")
        model.complete(ChatRequest(messages=[{"role": "user", "content": "Hi"}], params=params))

        def run(turn) -> tuple[float, float, int]:
            rows = []
            for r in range(args.repeats):
                chat = start_conversation(store, pid, f"bench {r}")
                before, calls = timer.seconds, timer.calls
                started = time.perf_counter()
                turn(chat.id, MESSAGES[r % len(MESSAGES)])
                total = time.perf_counter() - started
                rows.append((total, timer.seconds - before, timer.calls - calls))
            total = statistics.median(t for t, _, _ in rows)
            inside = statistics.median(m for _, m, _ in rows)
            return total, inside, rows[0][2]

        ref_total, ref_model, _ = run(lambda cid, text: send(store, model, pid, cid, text, params))
        print(f"axes: {args.axes}, answer max_tokens: {args.max_tokens}, repeats: {args.repeats}")
        print(f"reference: plain chat turn {ref_total:.2f} s (model {ref_model:.2f} s)")
        print(
            f"{'n':>2} {'calls':>5} {'turn s':>8} {'model s':>8} {'outside s':>9} "
            f"{'outside %':>9} {'x plain':>8}"
        )
        for n in (1, 2, 4):
            total, inside, calls = run(
                lambda cid, text, n=n: steered_send(
                    store,
                    model,
                    pid,
                    cid,
                    text,
                    {a: 4 for a, _ in AXES[: args.axes]},
                    n=n,
                    params=params,
                )
            )
            outside = total - inside
            print(
                f"{n:>2} {calls:>5} {total:>8.2f} {inside:>8.2f} {outside:>9.3f} "
                f"{100 * outside / total:>8.1f}% {total / ref_total:>8.1f}"
            )
        print("goal: outside model calls < 10% of a steered turn")


if __name__ == "__main__":
    main()
