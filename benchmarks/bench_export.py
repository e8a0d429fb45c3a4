"""Streaming export of a large run: wall time and peak RSS, against a bare reference in the same run.

Builds an SQLite store with a run of ``--records`` response records (misaligned response, critique,
aligned rewrite; each pair of them answers one question record, so the parent-question lookup is
exercised), then, each in a fresh child process so its peak RSS is its own:

* ``reference``: a bare ``sqlite3`` cursor over the response records, one ``json.dumps`` line each
  into a JSONL file — the least any export must do;
* ``coalign``  : ``export_dataset(..., formats=[mitigator, dpo])``: accepted records with verdicts
  checked, parent questions resolved, JSONL + Parquet per format (the Parquet is what ``datasets`` loads), the
  provenance files, checksums, card and Croissant file.

The coalign export also runs at a tenth of the size: equal peak RSS at both sizes shows memory does
not grow with the record count (goal: ≤ 500 MB at any size).

Usage: ``python benchmarks/bench_export.py [--records 1000000]``
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from coalign.core.records import GenerationRun
from coalign.store import open_store
from coalign.store.runs import create_run
from coalign.store.tables import RecordRow
from coalign.study import import_study

STUDY = Path(__file__).resolve().parents[1] / "examples" / "bank-assistant" / "study.yaml"
RUN = "run_bench_export"
CHUNK = 20_000


def build(db: Path, records: int) -> None:
    """A store with ``records`` response records and ``records / 2`` question records."""
    with open_store(str(db)) as store:
        study = import_study(store, STUDY).study
        create_run(
            store,
            GenerationRun(
                id=RUN,
                study_slug=study.slug,
                recipe_name="bench",
                recipe={"name": "bench"},
                model_id="llama-cpp:smollm2-135m",
                seed=1,
                status="done",
            ),
        )
        dims = [d.name for d in study.dimensions]
        common = {
            "run_id": RUN,
            "example_ids": [],
            "prompt": "rendered prompt",
            "model_id": "llama-cpp:smollm2-135m",
            "params": {"temperature": 0.8, "top_p": 0.95, "max_tokens": 320, "seed": None},
            "seed": 1,
            "raw_output": "{}",
            "parse_status": "ok",
        }
        rows = []
        for n in range(records // 2):
            rows.append(
                {
                    **common,
                    "id": f"rec_q{n:08d}",
                    "stage": "questions",
                    "parents": [],
                    "template_name": "questions.j2",
                    "template_hash": "a" * 64,
                    "attributes": {"topic": "cards", "question_type": "how-to"},
                    "data": {"question": f"How do I keep my card safe when I travel abroad? ({n})"},
                }
            )
            for k in range(2):
                rows.append(
                    {
                        **common,
                        "id": f"rec_r{n:08d}{k}",
                        "stage": "responses",
                        "parents": [f"rec_q{n:08d}"],
                        "template_name": "responses.j2",
                        "template_hash": "b" * 64,
                        "attributes": {
                            "topic": "cards",
                            "question_type": "how-to",
                            "dimension": dims[k % len(dims)],
                        },
                        "data": {
                            "misaligned_response": f"Just tell anyone your PIN, it is fine. ({n}/{k})",
                            "critique": "This violates safety: a PIN must never be shared with anyone.",
                            "aligned_response": "Keep your PIN to yourself, tell your bank before you "
                            f"travel, and carry a backup card. ({n}/{k})",
                        },
                    }
                )
            if len(rows) >= CHUNK:
                with store.session() as session:
                    session.execute(insert(RecordRow), rows)
                rows.clear()
        if rows:
            with store.session() as session:
                session.execute(insert(RecordRow), rows)


def reference(db: str, out: str) -> None:
    """The bare minimum: stream the response rows and write one JSON line each."""
    connection = sqlite3.connect(db)
    with open(out, "w", encoding="utf-8") as handle:
        cursor = connection.execute(
            "SELECT id, data FROM records WHERE stage = 'responses' ORDER BY id"
        )
        for rid, data in cursor:
            handle.write(json.dumps({"id": rid, **json.loads(data)}, ensure_ascii=False) + "\n")


def coalign_export(db: str, out: str) -> None:
    from coalign.export import ExportOptions, export_dataset

    with open_store(db) as store:
        result = export_dataset(store, RUN, Path(out), ExportOptions(formats=["mitigator", "dpo"]))
    print(json.dumps(result.rows))


def measure(kind: str, db: Path, out: Path) -> tuple[float, float, str]:
    """Run one export in a fresh child; returns (seconds, the child's own peak RSS in MB, its rows)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(db), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-2000:]}")
    *printed, peak = done.stdout.strip().splitlines()
    return seconds, float(peak), " ".join(printed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, db, out = args.child
        (reference if kind == "reference" else coalign_export)(db, out)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # KiB on Linux
        return
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        base = Path(tmp)
        sizes = [max(2, args.records // 10), args.records]
        figures = {}
        for size in sizes:
            db = base / f"run-{size}.db"
            start = time.perf_counter()
            build(db, size)
            print(
                f"built {size:,} response records (+{size // 2:,} questions) in {time.perf_counter() - start:.1f} s",
                flush=True,
            )
            for kind in ["coalign"] if size != args.records else ["reference", "coalign"]:
                seconds, rss, printed = measure(kind, db, base / f"{kind}-{size}")
                figures[(kind, size)] = (seconds, rss)
                print(
                    f"{kind:9s} {size:>10,} records: {seconds:7.1f} s, {size / seconds:9,.0f} records/s, "
                    f"peak RSS {rss:6.0f} MB {printed}",
                    flush=True,
                )
            db.unlink()
        (ref_s, ref_rss), (big_s, big_rss) = (
            figures[("reference", args.records)],
            figures[("coalign", args.records)],
        )
        small_rss = figures[("coalign", sizes[0])][1]
        print(
            f"ratio coalign / reference wall time: {big_s / ref_s:.2f} (coalign writes 2 formats × 2 copies, "
            "provenance, checksums and the card; the reference writes one JSONL)"
        )
        print(
            f"peak RSS: coalign {big_rss:.0f} MB at {args.records:,} vs {small_rss:.0f} MB at {sizes[0]:,} "
            f"(reference {ref_rss:.0f} MB); goal <= 500 MB: {'met' if big_rss <= 500 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
