"""Cumulative-link mixed model: coalign vs R's ordinal::clmm on the reference study's shape.

27,375 simulated ratings from 1,095 raters (25 each) crossed with 500 contexts,
five demographic factors, two crossed random intercepts, Laplace.  Each fit runs
in its own process so its peak RSS is measured alone.  R's clmm did not finish
the full set within 20 minutes on this kind of machine, so by default R fits the
5,475-row subset (the first 219 raters' ratings) and coalign fits both;
``--r-full`` tries R on everything (10-minute limit).

Study 003's own model is measured too: ``(1|rater) + (1|context)`` on 27,375
ratings = 1,095 raters × 5 items × 5 dimensions, items produced under five
contexts (an item-level column), one fit per dimension as ``coalign analyze``
does; its wall time for the five fits is printed with its ratio to the reference
fit above, measured in the same run (goal: <= 10 s).

    python benchmarks/bench_clmm.py [--r-rows 5475] [--r-full] [--skip-r] [--skip-contexts]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

from coalign.analysis import SimulationSpec, fit_clmm, simulate_ratings
from coalign.analysis.r_reference import fit_clmm_in_r, rscript_available

SPEC = SimulationSpec(seed=2024)
#: Study 003: five system-prompt interventions, each item produced under one of them.
CONTEXTS = {"none": 0.0, "republican": -0.4, "patriarchy": -0.7, "empathy": 0.5, "equality": 0.3}
DIMENSIONS = ("toxicity", "emotional_awareness", "sensitivity", "helpfulness", "stereotypical_bias")


def contexts_specs() -> list[SimulationSpec]:
    """One simulated dimension per spec: 1,095 raters × 5 of 500 items, items under 5 contexts."""
    return [
        SimulationSpec(
            ratings_per_rater=5,
            item_factors={"context": CONTEXTS},
            dimension=dim,
            seed=2025 + k,
        )
        for k, dim in enumerate(DIMENSIONS)
    ]


def _frame(rows: int):
    frame = simulate_ratings(SPEC)
    raters = sorted(frame.rater.unique())[: rows // SPEC.ratings_per_rater]
    return frame[frame.rater.isin(raters)].reset_index(drop=True)


def _reference():
    return {col: next(iter(levels)) for col, levels in SPEC.factors.items()}


def worker(rows: int) -> None:
    """Fit with coalign in this process and print the result as JSON."""
    frame = _frame(rows)
    started = time.perf_counter()
    res = fit_clmm(frame, list(SPEC.factors), ["rater", "item"], reference=_reference())
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": len(frame),
                "seconds": seconds,
                "loglik": res.loglik,
                "thresholds": res.thresholds.estimate.tolist(),
                "beta": res.beta,
                "sds": res.random_sd,
                "converged": res.diagnostics.converged,
                "evaluations": res.diagnostics.evaluations,
                "levels": res.fixed_levels,
            }
        )
    )


def contexts_worker() -> None:
    """Fit ``(1|rater) + (1|context)`` per dimension in this process; print the timings as JSON."""
    frames = [simulate_ratings(spec) for spec in contexts_specs()]
    fits = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for frame in frames:
        res = fit_clmm(frame, list(SPEC.factors), ["rater", "context"], reference=_reference())
        fits.append(
            {
                "rows": len(frame),
                "seconds": res.diagnostics.seconds,
                "sds": res.random_sd,
                "converged": res.diagnostics.converged,
            }
        )
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    rows = sum(len(f) for f in frames)
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu_seconds": cpu, "fits": fits}))


def run_worker(rows: int | str) -> tuple[dict, float]:
    """Run :func:`worker` (or the contexts worker) in a child process; return its output and peak RSS (MiB)."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--worker", str(rows)], stdout=subprocess.PIPE, text=True
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"coalign worker failed for {rows}")
    return json.loads(out), usage.ru_maxrss / 1024


def compare(ours: dict, theirs) -> dict:
    """Largest absolute differences between the two fits."""
    return {
        "max_abs_beta_diff": max(abs(ours["beta"][k] - v) for k, v in theirs.beta.items()),
        "max_abs_threshold_diff": float(
            np.max(np.abs(np.array(ours["thresholds"]) - theirs.thresholds))
        ),
        "max_abs_sd_diff": max(abs(ours["sds"][k] - v) for k, v in theirs.sds.items()),
        "loglik_diff": ours["loglik"] - theirs.loglik,
    }


def report_contexts(reference: dict) -> None:
    """Study 003's (1|rater) + (1|context) fits, timed against the reference fit of this run."""
    ctx, rss = run_worker("contexts")
    per_fit = ", ".join(f"{f['seconds']:.2f}" for f in ctx["fits"])
    print(
        f"coalign  003   {ctx['rows']:>6} rows: {ctx['seconds']:7.2f} s  peak RSS {rss:6.0f} MiB  "
        f"(1|rater) + (1|context), {len(ctx['fits'])} dimensions x {ctx['fits'][0]['rows']} "
        f"ratings, fits {per_fit} s, converged={all(f['converged'] for f in ctx['fits'])}"
    )
    # On a shared machine wall time includes waiting for a core; the process's CPU time
    # is what the fits would take alone (single-threaded BLAS).
    print(
        f"  CPU time of the 003 fits: {ctx['cpu_seconds']:.2f} s; load average {os.getloadavg()[0]:.1f}"
    )
    sds = ctx["fits"][0]["sds"]
    print(f"  context SD (truth: SD of {list(CONTEXTS.values())}) -> {sds['context']:.3f}")
    print(
        f"ratio 003 fits / reference fit: {ctx['seconds'] / reference['seconds']:.2f}  "
        f"goal <= 10 s: {'met' if ctx['seconds'] <= 10 else 'NOT met'} ({ctx['seconds']:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--r-rows", type=int, default=5475, help="rows R fits (default: 5,475)")
    parser.add_argument(
        "--r-full", action="store_true", help="let R try all 27,375 rows (10-minute limit)"
    )
    parser.add_argument("--skip-r", action="store_true", help="coalign only")
    parser.add_argument(
        "--skip-contexts", action="store_true", help="leave out the (1|rater) + (1|context) fits"
    )
    args = parser.parse_args()
    if args.worker == "contexts":
        contexts_worker()
        return
    if args.worker:
        worker(int(args.worker))
        return

    full_rows = SPEC.n_raters * SPEC.ratings_per_rater
    print(
        f"design: {full_rows} ratings, {SPEC.n_raters} raters x {SPEC.ratings_per_rater}, {SPEC.n_items} contexts, "
        f"factors {list(SPEC.factors)}, (1|rater) + (1|item), Laplace; cores: {os.cpu_count()}"
    )
    full, full_rss = run_worker(full_rows)
    print(
        f"coalign  full  {full['rows']:>6} rows: {full['seconds']:7.2f} s  peak RSS {full_rss:6.0f} MiB  "
        f"converged={full['converged']}  evaluations={full['evaluations']}"
    )
    print(
        f"  truth vs estimate: sds {SPEC.rater_sd}/{SPEC.item_sd} -> "
        f"{full['sds']['rater']:.3f}/{full['sds']['item']:.3f}; "
        f"max |beta - truth| {max(abs(full['beta'][k] - v) for k, v in SPEC.true_beta().items()):.3f}"
    )
    if not args.skip_contexts:
        report_contexts(full)
    if args.skip_r:
        return
    if not rscript_available():
        raise SystemExit(
            "Rscript with ordinal is not installed (apt install r-cran-ordinal); use --skip-r"
        )

    r_rows = full_rows if args.r_full else args.r_rows
    sub, sub_rss = run_worker(r_rows)
    print(
        f"coalign  subset {sub['rows']:>5} rows: {sub['seconds']:7.2f} s  peak RSS {sub_rss:6.0f} MiB"
    )
    frame = _frame(r_rows)
    started = time.perf_counter()
    theirs = fit_clmm_in_r(frame, sub["levels"], ["rater", "item"], timeout=600)
    wall = time.perf_counter() - started
    print(
        f"R clmm   subset {len(frame):>5} rows: {theirs.seconds:7.2f} s fit ({wall:.1f} s with start-up)  "
        f"peak RSS {theirs.peak_rss_mb:6.0f} MiB"
    )
    diffs = compare(sub, theirs)
    print(
        "estimates, coalign - R on the same rows: "
        + ", ".join(f"{k} {v:+.1e}" for k, v in diffs.items())
    )
    same_size = theirs.seconds / sub["seconds"]
    per_row = (theirs.seconds / len(frame)) / (full["seconds"] / full["rows"])
    print(f"ratio same rows ({len(frame)}): R / coalign = {same_size:.0f}x")
    print(
        f"ratio per row (R on {len(frame)} vs coalign on {full['rows']}): {per_row:.0f}x  (goal >= 10x)"
    )
    print(
        f"goal full fit <= 30 s: {'met' if full['seconds'] <= 30 else 'NOT met'} ({full['seconds']:.1f} s)"
    )


if __name__ == "__main__":
    main()
