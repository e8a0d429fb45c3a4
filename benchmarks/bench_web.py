"""Rating submits under load: hundreds of participants at once against a real ``coalign serve``.

Each simulated participant opens a crowd-platform link, consents, skips the demographics, and
rates 5 items on 5 value dimensions, submitting each item once — and the first item a second
time, as a double click would, to show retries never duplicate. All participants start at the
same moment, with no think time: a burst far harsher than real people.

Prints p50/p95/p99 latency of the rating submit, submits and ratings per second, and checks the
database afterwards: every rating sent is stored once with the value sent (0 lost, 0 duplicated).
The reference, measured in the same run under the same concurrency, is ``GET /healthz`` (HTTP,
uvicorn and the client, but no database), so the ratio shows what the submit itself costs.
The client runs on the same machine as the server and competes with it for the CPU.

The campaign has exactly enough items for ``--participants`` people at r = 5; ``--extra`` more
people arrive as well (default: a tenth more), as they do on a crowd platform. They must be
turned away with the screen-out code, and no item may be rated past r on any dimension.

Usage: ``python benchmarks/bench_web.py [--participants 200] [--engine sqlite|postgresql|both]
[--workers 1] [--mode burst|think|both] [--think 2] [--ramp 0] [--extra N]``
(``--mode think``: each participant spends 0..2·``--think`` seconds on an item before submitting,
like a reader, and arrivals spread over ``--ramp`` seconds (default: 0.4 s per participant, a
study filling at 150 people a minute); ``--mode burst``: no
think time and everyone at once; ``--workers N``: uvicorn processes, PostgreSQL only.)
Goals (issue 16): p95 submit ≤ 150 ms with think time, ≤ 500 ms in a burst; 0 lost, 0 duplicated,
no item past r.
(PostgreSQL: ``--pg-url`` or a throwaway cluster from Debian's postgresql binaries.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _serving import cpu_seconds, pct, postgres, server, verify
from sqlalchemy import func, select

from coalign.core.campaigns import Campaign, ImportedItem
from coalign.rating.campaigns import create_campaign
from coalign.store import open_store
from coalign.store.rating_tables import RatingRow
from coalign.study import import_study

DIMENSIONS = [
    "toxicity",
    "emotional_awareness",
    "sensitivity_openness",
    "helpfulness",
    "stereotypical_bias",
]
STUDY = """study:
  slug: bench
  title: Web benchmark
  dimensions:
""" + "".join(
    f"    - {{name: {d}, definition: How the response does on {d}.}}\n" for d in DIMENSIONS
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ITEM = re.compile(r'name="item_id" value="([^"]+)"')
REQUESTS = [0]  # requests sent by the simulated participants (redirects followed count too)


def prepare(db: str, participants: int, per_person: int, folder: Path) -> None:
    """The benchmark study and a campaign whose items exactly absorb every participant's ratings."""
    study = folder / "study.yaml"
    study.write_text(STUDY)
    n_items = participants * per_person // 5  # each item reaches r = 5
    with open_store(db) as store:
        import_study(store, study)
        create_campaign(
            store,
            Campaign(
                slug="load",
                study_slug="bench",
                title="Load",
                dimensions=DIMENSIONS,
                items_per_participant=per_person,
                target_ratings=5,
                completion_code="BENCH-DONE",
                screened_out_code="BENCH-OUT",
            ),
            [
                ImportedItem(prompt=f"Question {i}?", response=f"Answer {i}.")
                for i in range(n_items)
            ],
        )


async def participant(
    base: str,
    n: int,
    start: asyncio.Event,
    latencies: list[float],
    sent: dict[tuple[str, str, str], int],
    errors: list[str],
    think: float,
    delay: float,
    turned_away: list[tuple[int, str]],
) -> None:
    limits = httpx.Limits(max_connections=1)

    async def count(_request: httpx.Request) -> None:
        REQUESTS[0] += 1

    async with httpx.AsyncClient(
        base_url=base, timeout=120, limits=limits, event_hooks={"request": [count]}
    ) as client:
        await start.wait()
        await asyncio.sleep(delay)  # arrivals spread evenly over the ramp
        page = await client.get(
            "/s/bench/load",
            params={"PROLIFIC_PID": f"bench{n}", "STUDY_ID": "b", "SESSION_ID": "1"},
            follow_redirects=True,
        )
        if "BENCH-OUT" in page.text:  # the campaign is full: turned away before consent
            turned_away.append((n, "before consent"))
            return
        found = CSRF.search(page.text)
        if found is None:
            errors.append(f"participant {n}: {page.status_code} on {page.url.path}")
            return
        token = found.group(1)
        await client.post("/p/consent", data={"csrf_token": token, "choice": "agree"})
        page = await client.post(
            "/p/demographics", data={"csrf_token": token}, follow_redirects=True
        )
        first = True
        while "/p/items/" in str(page.url):
            found = ITEM.search(page.text)
            if found is None:
                errors.append(
                    f"participant {n}: {page.status_code} on {page.url.path}: {page.text[-300:]}"
                )
                return
            item = found.group(1)
            values = {d: (n + i) % 5 + 1 for i, d in enumerate(DIMENSIONS)}
            form = {
                "csrf_token": token,
                "item_id": item,
                **{f"rating.{d}": str(v) for d, v in values.items()},
            }
            path = page.url.path
            if think:  # reading and choosing, uniformly 0..2x the mean
                await asyncio.sleep(random.uniform(0, 2 * think))
            for _ in range(
                2 if first else 1
            ):  # the first item is submitted twice, like a double click
                began = time.perf_counter()
                try:
                    answer = await client.post(path, data=form)
                except (
                    httpx.TransportError
                ) as exc:  # a dropped connection: retry once, as a browser would
                    errors.append(f"retried after {type(exc).__name__}")
                    answer = await client.post(path, data=form)
                latencies.append(time.perf_counter() - began)
                if answer.status_code != 303:
                    errors.append(f"{answer.status_code}: {answer.text[:200]}")
            first = False
            sent.update({(f"bench{n}", item, d): v for d, v in values.items()})
            page = await client.get(
                answer.headers.get("location", "/p/next"), follow_redirects=True
            )
        if "BENCH-OUT" in page.text:  # full by the time they had consented (a burst)
            turned_away.append((n, "after consent"))
        elif "BENCH-DONE" not in page.text:
            errors.append(f"participant {n} did not finish: {page.url}")


async def baseline(base: str, concurrency: int, requests: int) -> list[float]:
    latencies: list[float] = []

    async def worker(count: int) -> None:
        async with httpx.AsyncClient(
            base_url=base, timeout=60, limits=httpx.Limits(max_connections=1)
        ) as client:
            for _ in range(count):
                began = time.perf_counter()
                await client.get("/healthz")
                latencies.append(time.perf_counter() - began)

    await asyncio.gather(*[worker(requests // concurrency) for _ in range(concurrency)])
    return latencies


async def load(
    base: str, people: int, think: float, ramp: float
) -> tuple[list[float], dict, list[str], list[tuple[int, str]], float]:
    latencies: list[float] = []
    sent: dict[tuple[str, str, str], int] = {}
    errors: list[str] = []
    turned_away: list[tuple[int, str]] = []
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(
            participant(
                base, n, start, latencies, sent, errors, think, ramp * n / people, turned_away
            )
        )
        for n in range(people)
    ]
    await asyncio.sleep(0.5)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return latencies, sent, errors, turned_away, time.perf_counter() - began


def past_target(db: str, target: int) -> int:
    """How many (item, dimension) pairs hold more than ``target`` ratings."""
    with open_store(db) as store, store.read() as session:
        return (
            session.scalar(
                select(func.count()).select_from(
                    select(RatingRow.item_id)
                    .group_by(RatingRow.item_id, RatingRow.dimension)
                    .having(func.count() > target)
                    .subquery()
                )
            )
            or 0
        )


def bench(
    engine: str,
    db: str,
    folder: Path,
    participants: int,
    extra: int,
    workers: int,
    think: float,
    ramp: float,
) -> bool:
    prepare(db, participants, 5, folder)
    with server(db, folder, workers) as (base, pid):
        cpu = cpu_seconds(pid)
        latencies, sent, errors, turned_away, wall = asyncio.run(
            load(base, participants + extra, think, ramp)
        )
        cpu = cpu_seconds(pid) - cpu
        load_average = os.getloadavg()[0]
        reference = asyncio.run(baseline(base, participants, participants * 10))
        if errors:
            print((folder / "serve.log").read_text()[-3000:])
    lost, duplicated, wrong = verify(db, sent)
    over = past_target(db, 5)
    early = sum(1 for _, when in turned_away if when == "before consent")
    submits = len(latencies)
    mode = f"think time {think:g} s per item, arrivals over {ramp:g} s" if think else "burst"
    goal = 150 if think else 500
    print(
        f"== {engine}, {workers} worker{'s' if workers > 1 else ''}: {participants} participants "
        f"x 5 items x 5 dimensions (+1 double-clicked submit each) and {extra} late arrivals; {mode}"
    )
    print(
        f"submit latency ms   p50 {pct(latencies, 50):7.1f}   p95 {pct(latencies, 95):7.1f}   "
        f"p99 {pct(latencies, 99):7.1f}   (goal p95 <= {goal} ms: "
        f"{'met' if pct(latencies, 95) <= goal else 'NOT met'})"
    )
    print(
        f"reference /healthz  p50 {pct(reference, 50):7.1f}   p95 {pct(reference, 95):7.1f}   p99 {pct(reference, 99):7.1f}"
    )
    print(f"ratio submit/healthz p95: {pct(latencies, 95) / pct(reference, 95):.1f}x")
    print(
        f"throughput: {submits / wall:.0f} submits/s, {len(sent) / wall:.0f} ratings/s "
        f"({submits} submits, whole flows incl. join/consent/pages in {wall:.1f} s)"
    )
    print(
        f"server CPU: {cpu:.1f} s for {REQUESTS[0]} requests = {1000 * cpu / max(REQUESTS[0], 1):.1f} ms per request "
        f"({workers} uvicorn process{'es' if workers > 1 else ''}; machine load average "
        f"{load_average:.1f} on {os.cpu_count()} CPUs)"
    )
    REQUESTS[0] = 0
    print(
        f"database: {len(sent)} ratings sent, {lost} lost, {duplicated} duplicated, {wrong} with a wrong value; "
        f"{over} (item, dimension) pairs rated past r; {len(turned_away)} of {participants + extra} "
        f"people turned away as the campaign was full ({early} before consent, the others when "
        "it filled while they were consenting); "
        f"{len(errors)} failed requests{': ' + errors[0] if errors else ''}"
    )
    return not (
        lost
        or duplicated
        or wrong
        or over
        or len(turned_away) < extra
        or [e for e in errors if not e.startswith("retried")]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument(
        "--extra",
        type=int,
        default=None,
        help="people beyond the campaign's capacity (default: a tenth of --participants)",
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (PostgreSQL only)"
    )
    parser.add_argument("--mode", choices=["burst", "think", "both"], default="burst")
    parser.add_argument(
        "--pg-url", default=None, help="a PostgreSQL server's maintenance database URL"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="mean seconds a participant spends on an item before submitting (think mode)",
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=None,
        help="seconds over which participants arrive, evenly (default: 0 in a burst, 0.4 s per "
        "participant with think time)",
    )
    args = parser.parse_args()
    extra = args.participants // 10 if args.extra is None else args.extra
    modes = ["burst", "think"] if args.mode == "both" else [args.mode]
    ok = True
    for mode in modes:
        think = args.think if mode == "think" else 0.0
        default_ramp = 0.4 * args.participants if mode == "think" else 0.0
        ramp = args.ramp if args.ramp is not None else default_ramp
        with tempfile.TemporaryDirectory(prefix="coalign-bench-web-") as tmp:
            folder = Path(tmp)
            if args.engine in ("sqlite", "both"):
                db = str(folder / "bench.db")
                ok &= bench("sqlite", db, folder, args.participants, extra, 1, think, ramp)
            if args.engine in ("postgresql", "both"):
                with postgres(args.pg_url) as url:
                    ok &= bench(
                        "postgresql",
                        url,
                        folder,
                        args.participants,
                        extra,
                        args.workers,
                        think,
                        ramp,
                    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
