"""Speed and memory of coalign's generation runner against references measured in the same run.

The job: stage 1 of the bank-assistant example recipe (new questions, few-shot from seed
questions, JSON-schema output) for the first ``--questions`` cells, same prompts, same sampling,
same embedded model (SmolLM2-135M, llama.cpp).

(a) coalign's runner (plan, model layer, call log, one transaction per record) vs a bare loop over
    ``llama_cpp.Llama.create_chat_completion`` on a plain ``Llama`` with default settings, as a user
    would write it (llama.cpp reuses the longest common prefix of consecutive prompts), and the same
    loop with ``Llama.reset()`` before each call (no reuse). coalign's backend reuses the prefix in
    whole aligned blocks, so its outputs stay reproducible. Rounds are interleaved.
    Goal: coalign / bare ≤ 1.10.
(b) distilabel 1.5.3 (``TextGeneration`` with its ``LlamaCppLLM``) on the same prompts and schemas,
    run from a separate virtualenv (``.venv-bench``) in a subprocess, vs coalign in a subprocess:
    wall time and peak RSS of each process tree. Goal: coalign faster and leaner. Create the venv:
        python3 -m venv .venv-bench && .venv-bench/bin/pip install torch==2.13.0 \\
            && .venv-bench/bin/pip install 'distilabel[llama-cpp]==1.5.3'
(c) against ``python -m llama_cpp.server`` on loopback at concurrency 4: coalign's runner vs a bare
    asyncio httpx client posting the same requests. Goal: coalign / bare throughput ≥ 0.9.
(d) the cost of the grammar: time per generated token of stage-2 style requests with the JSON
    schema coalign sends vs the same requests unconstrained, at ``max_tokens`` 64, 200 and 400.
    The prompt's own cost (a 1-token call on the same prompt) is subtracted from both sides.
    Goal: with / without ≤ 1.5 at each setting.

Run: ``python benchmarks/bench_generate.py [--questions 8] [--server-questions 12] [--skip b,c,d]``.
Set ``COALIGN_THREADS`` to the cores that are free; on a busy machine every figure is noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from coalign.core.calls import ChatRequest, Message, SamplingParams
from coalign.llm import load_model
from coalign.llm.backends.llama_cpp import free_cores
from coalign.llm.spec import gguf_path
from coalign.store import open_store
from coalign.study import import_study
from coalign.synth import execute, prepare
from coalign.synth.stages import QUESTION_SCHEMA, RESPONSE_FIELDS, QuestionStage, response_schema

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "bank-assistant"
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
DISTILABEL_JOB = Path(__file__).resolve().parent / "_distilabel_job.py"


def write_recipe(folder: Path, questions: int, concurrency: int = 1) -> Path:
    """The example recipe, questions stage only, limited to ``questions`` cells."""
    data = yaml.safe_load((EXAMPLE / "recipe.yaml").read_text())
    data["stages"].pop("responses", None)
    data["stages"]["questions"]["limit"] = questions
    data["concurrency"] = concurrency
    data["reask_on_parse_failure"] = 0
    path = folder / "recipe.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def job(folder: Path, questions: int) -> list[dict[str, Any]]:
    """The prompts, schemas and sampling settings coalign's runner will send, in order."""
    with open_store(str(folder / "plan.db")) as store:
        import_study(store, EXAMPLE / "study.yaml")
        prepared = prepare(store, write_recipe(folder, questions))
        (stage,) = prepared.stages()
        assert isinstance(stage, QuestionStage)
        out = []
        for task in prepared.planner.question_tasks():
            params = stage.params.model_copy(update={"seed": task.seed})
            out.append(
                {
                    "prompt": stage.prompt(task),
                    "schema": QUESTION_SCHEMA,
                    "params": params.model_dump(),
                }
            )
        return out


def coalign_run(
    folder: Path, name: str, questions: int, model: str | None = None, concurrency: int = 1
) -> float:
    """Seconds for coalign to prepare and execute the job into a fresh database."""
    with open_store(str(folder / f"{name}.db")) as store:
        import_study(store, EXAMPLE / "study.yaml")
        recipe = write_recipe(folder, questions, concurrency)
        started = time.perf_counter()
        summary = execute(store, prepare(store, recipe, model=model))
        elapsed = time.perf_counter() - started
    assert (
        summary.run.status == "done"
        and summary.stages[0].ok + summary.stages[0].failed == questions
    )
    return elapsed


_BARE: list = []


def bare_llama():
    """A plain ``Llama`` with default settings, loaded once (not coalign's instance)."""
    if not _BARE:
        from llama_cpp import Llama

        path = str(gguf_path("smollm2-135m"))
        threads = free_cores()
        _BARE.append(
            Llama(
                model_path=path,
                n_ctx=4096,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
        )
    return _BARE[0]


def bare_loop(tasks: list[dict[str, Any]], reset: bool) -> tuple[float, int]:
    """Seconds and completion tokens for a plain loop over llama-cpp-python."""
    llama = bare_llama()
    tokens = 0
    started = time.perf_counter()
    for task in tasks:
        if reset:
            llama.reset()
        p = task["params"]
        out = llama.create_chat_completion(
            messages=[{"role": "user", "content": task["prompt"]}],
            temperature=p["temperature"],
            top_p=p["top_p"],
            max_tokens=p["max_tokens"],
            seed=p["seed"],
            response_format={"type": "json_object", "schema": task["schema"]},
        )
        tokens += out["usage"]["completion_tokens"]
        with contextlib.suppress(json.JSONDecodeError):
            json.loads(out["choices"][0]["message"]["content"])
    return time.perf_counter() - started, tokens


def part_a(questions: int, rounds: int) -> None:
    print(
        f"\n(a) runner vs bare llama-cpp-python loop: {questions} questions × {rounds} rounds, "
        f"{free_cores()} threads"
    )
    times = {"bare": 0.0, "bare+reset": 0.0, "coalign": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tasks = job(folder, questions)
        bare_loop(tasks[:1], reset=True)  # load the models and warm up, outside the timings
        coalign_run(folder, "warm", 1)
        for r in range(rounds):
            times["bare"] += bare_loop(tasks, reset=False)[0]
            times["bare+reset"] += bare_loop(tasks, reset=True)[0]
            times["coalign"] += coalign_run(folder, f"a{r}", questions)
    calls = questions * rounds
    for name, seconds in times.items():
        print(f"  {name:<11} {seconds:7.2f} s  {calls / seconds:6.2f} questions/s")
    print(f"  ratio coalign / bare       = {times['coalign'] / times['bare']:.3f}  (goal ≤ 1.10)")
    print(f"  ratio coalign / bare+reset = {times['coalign'] / times['bare+reset']:.3f}")


def _tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measured(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS of the process tree, and stdout of ``command``."""
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    if process.returncode:
        raise SystemExit(f"{command[:3]} failed:\n{text[-3000:]}")
    return wall, peak, text


def part_b(questions: int) -> None:
    print(
        f"\n(b) coalign vs distilabel 1.5.3 (LlamaCppLLM), {questions} questions, separate processes"
    )
    if not BENCH_PYTHON.exists():
        print(
            f"  skipped: {BENCH_PYTHON} is missing; create it with\n"
            "    python3 -m venv .venv-bench && .venv-bench/bin/pip install torch==2.13.0 "
            "&& .venv-bench/bin/pip install 'distilabel[llama-cpp]==1.5.3'"
        )
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        job_file = folder / "job.json"
        job_file.write_text(
            json.dumps(
                {
                    "model_path": str(gguf_path("smollm2-135m")),
                    "threads": free_cores(),
                    "tasks": job(folder, questions),
                }
            )
        )
        sides = {
            "coalign": [
                sys.executable,
                __file__,
                "--child",
                str(folder),
                "--questions",
                str(questions),
            ],
            "distilabel": [str(BENCH_PYTHON), str(DISTILABEL_JOB), str(job_file)],
        }
        results = {}
        for name, command in sides.items():
            wall, peak, text = measured(command)
            inner = json.loads(text.strip().splitlines()[-1])
            results[name] = (wall, peak, inner)
            print(
                f"  {name:<10} wall {wall:7.2f} s (generation {inner['seconds']:.2f} s, "
                f"{inner['outputs']} outputs, {inner['parsed']} parsed)  peak RSS {peak / 2**20:7.0f} MiB"
            )
    (cw, cm, ci), (dw, dm, di) = results["coalign"], results["distilabel"]
    print(f"  wall-time ratio coalign / distilabel   = {cw / dw:.3f}  (goal < 1)")
    print(f"  generation ratio coalign / distilabel  = {ci['seconds'] / di['seconds']:.3f}")
    print(f"  peak-RSS ratio coalign / distilabel    = {cm / dm:.3f}  (goal < 1)")


def child(folder: Path, questions: int) -> None:
    """Part (b)'s coalign side, in its own process: prints one JSON line."""
    seconds = coalign_run(folder, "child", questions)
    with open_store(str(folder / "child.db")) as store:
        from coalign.store.runs import list_runs, record_counts

        counts = record_counts(store, list_runs(store)[0].id)["questions"]
    print(json.dumps({"seconds": seconds, "outputs": sum(counts.values()), "parsed": counts["ok"]}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _bare_client(base: str, tasks: list[dict[str, Any]], concurrency: int) -> float:
    import httpx

    slots = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=600) as client:

        async def one(task: dict[str, Any]) -> None:
            p = task["params"]
            body = {
                "model": "smollm2",
                "messages": [{"role": "user", "content": task["prompt"]}],
                "temperature": p["temperature"],
                "top_p": p["top_p"],
                "max_tokens": p["max_tokens"],
                "seed": p["seed"],
                "response_format": {"type": "json_object", "schema": task["schema"]},
            }
            async with slots:
                response = await client.post(f"{base}/chat/completions", json=body)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(task) for task in tasks))
        return time.perf_counter() - started


def part_c(questions: int, rounds: int, concurrency: int = 4) -> None:
    print(
        f"\n(c) llama_cpp.server on loopback, concurrency {concurrency}: {questions} questions × {rounds} rounds"
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}/v1"
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "server.log", "w") as log:
        folder = Path(tmp)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(gguf_path("smollm2-135m")),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_threads",
                str(free_cores()),
                "--n_ctx",
                "4096",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            import httpx

            for _ in range(240):
                try:
                    if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            tasks = job(folder, questions)
            asyncio.run(_bare_client(base, tasks[:1], 1))  # warm up
            times = {"bare asyncio": 0.0, "coalign": 0.0}
            for r in range(rounds):
                times["bare asyncio"] += asyncio.run(_bare_client(base, tasks, concurrency))
                times["coalign"] += coalign_run(
                    folder, f"c{r}", questions, f"openai:{base}#smollm2", concurrency
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    for name, seconds in times.items():
        print(f"  {name:<13} {seconds:7.2f} s  {questions * rounds / seconds:6.2f} questions/s")
    print(
        f"  throughput ratio coalign / bare = {times['bare asyncio'] / times['coalign']:.3f}  (goal ≥ 0.9)"
    )


GRAMMAR_QUESTIONS = (
    "Can I open a joint account with my brother if he lives abroad?",
    "Why was my card declined at the pharmacy this morning?",
    "Should I move my savings into a fixed-term deposit?",
    "How do I dispute a transfer I never made?",
    "Is it safe to give my online banking password to my accountant?",
    "What happens to my mortgage if I lose my job?",
)


def _grammar_prompt(question: str) -> str:
    return (
        'Value "fairness": the assistant treats every customer alike.\n'
        "For the user message below write misaligned_response (an answer that violates fairness), "
        "critique (why it violates fairness) and aligned_response (a fair answer).\n"
        f"User: {question}\nAnswer in JSON with keys misaligned_response, critique, aligned_response."
    )


def _seconds_and_tokens(
    model, prompt: str, max_tokens: int, seed: int, schema
) -> tuple[float, int]:
    request = ChatRequest(
        messages=[Message(role="user", content=prompt)],
        params=SamplingParams(temperature=0.7, max_tokens=max_tokens, seed=seed),
        json_schema=schema,
    )
    started = time.perf_counter()
    completion = model.backend.complete(request)  # the backend: no schema check, no cache
    return time.perf_counter() - started, completion.completion_tokens or 0


def part_d(settings: tuple[int, ...] = (64, 200, 400)) -> None:
    print(
        f"\n(d) grammar cost: {len(GRAMMAR_QUESTIONS)} stage-2 requests per setting, {free_cores()} threads"
    )
    model = load_model(None, cache=False)
    schema = response_schema(RESPONSE_FIELDS)
    prompts = [_grammar_prompt(q) for q in GRAMMAR_QUESTIONS]
    _seconds_and_tokens(model, prompts[0], 8, 0, None)  # load and warm up
    prompt_cost = {p: _seconds_and_tokens(model, p, 1, 0, None)[0] for p in prompts}
    for max_tokens in settings:
        per_token = {}
        for name, used in (("schema", schema), ("free", None)):
            seconds = tokens = 0.0
            for seed, prompt in enumerate(prompts):
                took, made = _seconds_and_tokens(model, prompt, max_tokens, seed, used)
                seconds += max(0.0, took - prompt_cost[prompt])
                tokens += made
            per_token[name] = seconds / max(tokens, 1)
            print(
                f"  max_tokens {max_tokens:>3} {name:<6} {tokens:6.0f} tokens  "
                f"{per_token[name] * 1000:7.2f} ms/token"
            )
        ratio = per_token["schema"] / per_token["free"]
        print(f"  max_tokens {max_tokens:>3} ratio schema / free = {ratio:.3f}  (goal ≤ 1.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=8, help="questions for (a) and (b)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds for (a) and (c)")
    parser.add_argument("--server-questions", type=int, default=12, help="questions for (c)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: a,b,c,d")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.questions)
        return
    skip = set(args.skip.split(","))
    if "a" not in skip:
        part_a(args.questions, args.rounds)
    if "b" not in skip:
        part_b(args.questions)
    if "c" not in skip:
        part_c(args.server_questions, args.rounds)
    if "d" not in skip:
        part_d()


if __name__ == "__main__":
    main()
