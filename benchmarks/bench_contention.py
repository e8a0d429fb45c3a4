"""Two coalign processes using the embedded model at once: latency per call and total wall time.

Each worker is a separate process that loads the embedded model (SmolLM2-135M, llama.cpp, every
core), answers one warm-up call, waits at a barrier, then makes the same ``--calls`` requests
(same prompts, sampling and seeds in every worker; no cache) through :class:`coalign.llm.Model`
with its own SQLite call log, as two terminals or the web app and a generation run would.

Measured in the same run:
    solo        one worker alone: per-call latency, and its job's wall time (first call to last);
    together    two workers at once: per-call latency in each, and the wall time until both finish;
    unshared    (reference) the same two workers with the machine's model slot turned off
                (``COALIGN_MODEL_SLOT=off``), as coalign behaved before the slot: fewer calls and a
                time limit, because each call can take 20× longer.

Goals: median contended latency / median solo latency ≤ 2.5; wall time of both jobs together /
the two jobs one after the other (twice the solo wall) ≤ 1.0.

Run: ``python benchmarks/bench_contention.py [--calls 8] [--max-tokens 64] [--skip-unshared]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROMPTS = (
    "What should I do if my debit card is stolen while travelling?",
    "Explain the difference between a savings account and a current account.",
    "How can I lower the interest on my credit card debt?",
    "Is it a good idea to lend money to a friend from my overdraft?",
    "What documents do I need to open a bank account as a student?",
    "How long does an international transfer usually take?",
    "Can the bank close my account without telling me why?",
    "What is a reasonable emergency fund for a family of four?",
)


def worker(name: str, calls: int, max_tokens: int, folder: Path) -> None:
    """One process: load, warm up, wait for the barrier, time ``calls`` calls, write a JSON file."""
    from coalign.core.calls import SamplingParams
    from coalign.llm import load_model
    from coalign.store import open_store

    with open_store(str(folder / f"{name}.db")) as store:
        model = load_model(None, log=store, cache=False)
        model.ask("Say hello.", params=SamplingParams(temperature=0.0, max_tokens=4, seed=0))
        (folder / f"{name}.ready").touch()
        while not (folder / "go").exists():
            time.sleep(0.01)
        latencies, first = [], time.time()
        for i in range(calls):
            prompt = PROMPTS[i % len(PROMPTS)]
            params = SamplingParams(temperature=0.7, max_tokens=max_tokens, seed=i)
            started = time.perf_counter()
            model.ask(prompt, params=params, purpose="bench:contention")
            latencies.append(time.perf_counter() - started)
        last = time.time()
    (folder / f"{name}.json").write_text(
        json.dumps({"latencies": latencies, "first": first, "last": last})
    )


def run_workers(
    names: list[str], calls: int, max_tokens: int, env: dict[str, str], limit: float
) -> list[dict] | None:
    """Start workers, release them together, return their results (``None`` past ``limit`` s)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    name,
                    str(folder),
                    "--calls",
                    str(calls),
                    "--max-tokens",
                    str(max_tokens),
                ],
                env=env,
            )
            for name in names
        ]
        while not all((folder / f"{n}.ready").exists() for n in names):
            if any(p.poll() not in (None, 0) for p in procs):
                raise SystemExit("a worker failed before the barrier")
            time.sleep(0.05)
        (folder / "go").touch()
        deadline = time.time() + limit
        for p in procs:
            try:
                p.wait(timeout=max(1.0, deadline - time.time()))
            except subprocess.TimeoutExpired:
                for q in procs:
                    q.kill()
                return None
        if any(p.returncode for p in procs):
            raise SystemExit("a worker failed")
        return [json.loads((folder / f"{n}.json").read_text()) for n in names]


def summary(label: str, results: list[dict]) -> tuple[float, float]:
    """Print and return (median latency, wall from the first call to the last)."""
    latencies = sorted(x for r in results for x in r["latencies"])
    wall = max(r["last"] for r in results) - min(r["first"] for r in results)
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    median = statistics.median(latencies)
    print(
        f"  {label:<26} calls {len(latencies):3d}  latency median {median:6.2f} s  "
        f"p95 {p95:6.2f} s  max {latencies[-1]:6.2f} s  wall {wall:7.2f} s"
    )
    return median, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=8, help="calls per worker")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--unshared-calls", type=int, default=2, help="calls per worker, reference")
    parser.add_argument("--unshared-limit", type=float, default=300.0, help="seconds, reference")
    parser.add_argument("--skip-unshared", action="store_true")
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.calls, args.max_tokens, Path(args.worker[1]))
        return
    env = {k: v for k, v in os.environ.items() if k != "COALIGN_MODEL_SLOT"}
    with tempfile.TemporaryDirectory() as slot:
        env["COALIGN_MODEL_SLOT_DIR"] = slot
        print(
            f"two processes, {args.calls} calls each, max_tokens {args.max_tokens}, "
            f"{len(os.sched_getaffinity(0))} cores, each process using every core"
        )
        solo = run_workers(["solo"], args.calls, args.max_tokens, env, 3600)
        together = run_workers(["a", "b"], args.calls, args.max_tokens, env, 3600)
        assert solo and together
        solo_median, solo_wall = summary("solo", solo)
        cont_median, together_wall = summary("together (model slot)", together)
        print(
            f"  ratio contended / solo latency (median)   = {cont_median / solo_median:.3f}  (goal ≤ 2.5)"
        )
        print(
            f"  ratio together / one after the other wall = {together_wall / (2 * solo_wall):.3f}"
            "  (goal ≤ 1.0)"
        )
        if not args.skip_unshared:
            unshared_env = {**env, "COALIGN_MODEL_SLOT": "off"}
            n = args.unshared_calls
            ref = run_workers(["u1", "u2"], n, args.max_tokens, unshared_env, args.unshared_limit)
            if ref is None:
                print(
                    f"  unshared (reference)       {n} calls each did not finish within "
                    f"{args.unshared_limit:.0f} s (solo: {n * solo_median:.1f} s)"
                )
            else:
                ref_median, _ = summary("unshared (reference)", ref)
                print(
                    f"  ratio unshared / solo latency (median)    = {ref_median / solo_median:.3f}"
                )


if __name__ == "__main__":
    main()
