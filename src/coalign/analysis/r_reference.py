"""Fit the same model with R's ``ordinal::clmm`` to check coalign against it.

R is an optional, external reference: the tests and the benchmark call it
through ``Rscript`` on a temporary CSV.  Factor levels are written in coalign's
order (reference first) so R's treatment contrasts name and order the
coefficients exactly as coalign does.  Fixed effects may be columns of any
level (a rater's demographics, an item's ``context``, a rating's
``display_language``) and the random intercepts any grouping columns, e.g.
study 003's ``(1|rater) + (1|context)``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coalign.core.errors import CoalignError

_SCRIPT = r"""
suppressMessages(library(ordinal))
args <- commandArgs(TRUE)
d <- read.csv(args[1], colClasses = "character")
lv <- read.csv(args[2], colClasses = "character")
out <- args[3]
random <- strsplit(args[4], ",")[[1]]
nagq <- as.integer(args[5])
kcat <- sort(unique(as.integer(d$value)))
d$value <- factor(as.integer(d$value), levels = kcat, ordered = TRUE)
fixed <- unique(lv$column)
for (col in fixed) d[[col]] <- factor(d[[col]], levels = lv$level[lv$column == col])
for (g in random) d[[g]] <- factor(d[[g]])
rhs <- c(if (length(fixed)) fixed else "1", sprintf("(1|%s)", random))
f <- as.formula(paste("value ~", paste(rhs, collapse = " + ")))
t0 <- proc.time()[["elapsed"]]
fit <- clmm(f, data = d, link = "logit", Hess = TRUE, nAGQ = nagq)
elapsed <- proc.time()[["elapsed"]] - t0
cf <- coef(summary(fit))
sds <- sapply(VarCorr(fit), function(v) sqrt(v[1, 1]))
rows <- data.frame(kind = c(rep("coef", nrow(cf)), rep("sd", length(sds)), "loglik", "seconds"),
                   name = c(rownames(cf), names(sds), "loglik", "seconds"),
                   estimate = c(cf[, 1], sds, as.numeric(logLik(fit)), elapsed),
                   se = c(cf[, 2], rep(NA, length(sds)), NA, NA))
write.csv(rows, out, row.names = FALSE)
"""


@dataclass
class RFit:
    """What ``ordinal::clmm`` estimated.

    Attributes:
        thresholds: cut points in order.
        beta: fixed effects keyed ``column[level]`` like coalign's.
        beta_se: their standard errors.
        sds: random-intercept SDs keyed by grouping column.
        loglik: log-likelihood (Laplace or quadrature, as R reports it).
        seconds: R's own fit time (excluding start-up and reading the CSV).
        peak_rss_mb: peak resident memory of the R process.
    """

    thresholds: list[float]
    beta: dict[str, float]
    beta_se: dict[str, float]
    sds: dict[str, float]
    loglik: float
    seconds: float
    peak_rss_mb: float = float("nan")


def rscript_available() -> bool:
    """True when ``Rscript`` is on PATH and the ``ordinal`` package loads."""
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(
        ["Rscript", "-e", "suppressMessages(library(ordinal))"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    return probe.returncode == 0


def fit_clmm_in_r(
    frame: pd.DataFrame,
    fixed_levels: dict[str, list[str]],
    random: list[str],
    n_agq: int = 1,
    timeout: float = 1200.0,
) -> RFit:
    """Fit ``value ~ fixed + (1|g1) + (1|g2) …`` with ``ordinal::clmm``.

    Args:
        frame: one row per rating with ``value`` (integer levels), the fixed and random columns.
        fixed_levels: each fixed-effect column with its levels, reference first.
        random: grouping columns for random intercepts.
        n_agq: 1 for Laplace; more quadrature nodes (single random term only).
        timeout: seconds before giving up.

    Raises:
        CoalignError: Rscript is missing, fails or times out.
    """
    if shutil.which("Rscript") is None:
        raise CoalignError("Rscript is not installed (apt install r-cran-ordinal)")
    with tempfile.TemporaryDirectory(prefix="coalign-r-") as tmp:
        tmpdir = Path(tmp)
        cols = ["value", *fixed_levels, *random]
        frame[cols].astype(str).to_csv(tmpdir / "data.csv", index=False)
        pd.DataFrame(
            [(col, lvl) for col, levels in fixed_levels.items() for lvl in levels],
            columns=["column", "level"],
        ).to_csv(tmpdir / "levels.csv", index=False)
        (tmpdir / "fit.R").write_text(_SCRIPT)
        cmd = [
            "Rscript",
            str(tmpdir / "fit.R"),
            str(tmpdir / "data.csv"),
            str(tmpdir / "levels.csv"),
            str(tmpdir / "out.csv"),
            ",".join(random),
            str(n_agq),
        ]
        returncode, stderr, peak_rss_mb = _run_measured(cmd, timeout)
        if returncode != 0:
            raise CoalignError(f"ordinal::clmm failed: {stderr.strip()[-800:]}")
        rows = pd.read_csv(tmpdir / "out.csv")
    coefs = rows[rows.kind == "coef"]
    names = {
        f"{col}{lvl}": f"{col}[{lvl}]" for col, levels in fixed_levels.items() for lvl in levels
    }
    thresholds = [float(v) for n, v in zip(coefs.name, coefs.estimate) if "|" in str(n)]
    beta = {names[n]: float(v) for n, v in zip(coefs.name, coefs.estimate) if n in names}
    beta_se = {names[n]: float(v) for n, v in zip(coefs.name, coefs.se) if n in names}
    sds = {
        str(n): float(v)
        for n, v in zip(rows[rows.kind == "sd"].name, rows[rows.kind == "sd"].estimate)
    }
    return RFit(
        thresholds=thresholds,
        beta=beta,
        beta_se=beta_se,
        sds=sds,
        loglik=float(rows[rows.kind == "loglik"].estimate.iloc[0]),
        seconds=float(rows[rows.kind == "seconds"].estimate.iloc[0]),
        peak_rss_mb=peak_rss_mb,
    )


def _run_measured(cmd: list[str], timeout: float) -> tuple[int, str, float]:
    """Run a command; return its exit code, stderr and peak RSS in MiB (Linux ``wait4``)."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise CoalignError(f"ordinal::clmm did not finish within {timeout:.0f} s")
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return proc.returncode, err.read().decode(errors="replace"), usage.ru_maxrss / 1024
