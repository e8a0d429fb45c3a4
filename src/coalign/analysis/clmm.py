"""Cumulative-link (proportional-odds) mixed models for ratings.

``fit_clmm`` answers "do groups of people rate this dimension differently?"
with the model the reference study used::

    logit P(rating <= k) = theta_k - (x' beta + b_rater + b_item)

fixed effects for demographic columns, crossed random intercepts for raters and
items, fitted by maximum likelihood with the Laplace approximation
(:mod:`coalign.analysis.laplace`) or, for one random intercept, adaptive
Gauss–Hermite quadrature (:mod:`coalign.analysis.quadrature`).  Positive
``beta`` means the group rates higher than the reference group.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import norm
from threadpoolctl import threadpool_limits

from coalign.analysis.design import ModelData, PreferNotToSay, build_model_data
from coalign.analysis.laplace import CrossedLaplace
from coalign.analysis.optimize import Optimum, maximize
from coalign.analysis.quadrature import SingleQuadrature
from coalign.core.errors import InputError

Method = Literal["laplace", "agq"]
SEPARATION_LIMIT = 12.0
FEW_RATINGS_PER_GROUP = 10


@dataclass
class Diagnostics:
    """How the optimiser ended and how far to trust the answer."""

    converged: bool
    message: str
    iterations: int
    evaluations: int
    max_abs_gradient: float
    hessian_condition: float
    sd_at_zero: list[str]
    seconds: float


@dataclass
class ClmmResult:
    """A fitted cumulative-link mixed model.

    Attributes:
        dimension: the value dimension fitted (may be empty).
        method: ``"laplace"``, ``"agq"`` or ``"fixed"`` (no random effects).
        n_agq: quadrature nodes (1 for Laplace).
        levels: rating values in order.
        thresholds: table of cut points (name, estimate, se).
        coefficients: one row per fixed effect: estimate, se, z, p, CI, odds ratio and
            ``pct_more_likely_higher`` = 100 (exp(beta) - 1).
        random_sd: grouping column -> SD of its random intercept.
        random_sd_se: their standard errors (delta method from the log-SD scale).
        loglik, aic: fit statistics (``aic = 2 k - 2 loglik``).
        n_ratings, group_levels: sample sizes.
        fixed_levels: each demographic column's levels, reference first.
        dropped: reason -> ratings left out.
        diagnostics: convergence details.
        notes: plain-language caveats for the report.
    """

    dimension: str
    method: str
    n_agq: int
    levels: list[float]
    thresholds: pd.DataFrame
    coefficients: pd.DataFrame
    random_sd: dict[str, float]
    random_sd_se: dict[str, float]
    loglik: float
    aic: float
    n_ratings: int
    group_levels: dict[str, int]
    fixed_levels: dict[str, list[str]]
    dropped: dict[str, int]
    diagnostics: Diagnostics
    notes: list[str] = field(default_factory=list)

    @property
    def beta(self) -> dict[str, float]:
        """Fixed effects keyed ``column[level]``."""
        return dict(zip(self.coefficients.term, self.coefficients.estimate))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "dimension": self.dimension,
            "method": self.method,
            "n_agq": self.n_agq,
            "levels": self.levels,
            "thresholds": self.thresholds.to_dict(orient="records"),
            "coefficients": self.coefficients.to_dict(orient="records"),
            "random_sd": self.random_sd,
            "random_sd_se": self.random_sd_se,
            "loglik": self.loglik,
            "aic": self.aic,
            "n_ratings": self.n_ratings,
            "group_levels": self.group_levels,
            "fixed_levels": self.fixed_levels,
            "dropped": self.dropped,
            "diagnostics": asdict(self.diagnostics),
            "notes": self.notes,
        }


def _start_values(data: ModelData) -> np.ndarray:
    """Thresholds from the marginal distribution, everything else zero."""
    k = len(data.levels)
    cum = np.cumsum(np.bincount(data.category, minlength=k))[:-1] / data.category.size
    cum = np.clip(cum, 1e-3, 1 - 1e-3)
    theta = np.log(cum / (1 - cum))
    theta = np.maximum.accumulate(theta + np.arange(k - 1) * 1e-3)
    return np.concatenate([theta, np.zeros(data.design.shape[1])])


def fit_clmm(
    frame: pd.DataFrame,
    fixed: list[str],
    random: list[str] | tuple[str, ...] = ("rater", "item"),
    reference: dict[str, str] | None = None,
    prefer_not_to_say: PreferNotToSay = "drop",
    method: Method = "laplace",
    n_agq: int = 7,
    min_group_levels: int = 5,
    dimension: str = "",
    blas_threads: int | None = 1,
) -> ClmmResult:
    """Fit ``value ~ fixed + (1|random…)`` by maximum likelihood.

    Args:
        frame: long-format ratings of one dimension (``value`` plus the named columns).
        fixed: demographic columns as treatment-coded fixed effects.
        random: grouping columns with random intercepts; empty for a fixed-effects model.
        reference: reference level per fixed column (default: most frequent level).
        prefer_not_to_say: drop such (and missing) answers with a count, or keep them as a level.
        method: ``"laplace"`` (any number of crossed intercepts) or ``"agq"`` (exactly one).
        n_agq: quadrature nodes for ``"agq"``.
        min_group_levels: fewest levels a grouping column may have.
        dimension: name used in messages and the result.
        blas_threads: BLAS threads during the fit.  One by default: the dense
            factorisations are small, and multithreaded OpenBLAS slows down by
            orders of magnitude when other processes compete for the cores.

    Raises:
        InputError: input the model cannot estimate (see :func:`build_model_data`), or an
            estimate that diverges (quasi-complete separation).
    """
    random = list(random)
    if method == "agq" and len(random) != 1:
        raise InputError(f"adaptive quadrature needs exactly one random intercept, got {random}")
    if method not in ("laplace", "agq"):
        raise InputError(f"unknown method '{method}' (use 'laplace' or 'agq')")
    data = build_model_data(
        frame, fixed, random, reference, prefer_not_to_say, min_group_levels, label=dimension
    )
    started = time.perf_counter()
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        opt = _maximize(data, random, method, n_agq)
    seconds = time.perf_counter() - started
    return _result(
        data,
        opt,
        method if random else "fixed",
        n_agq if method == "agq" else 1,
        seconds,
        dimension,
    )


def _maximize(data: ModelData, random: list[str], method: Method, n_agq: int) -> Optimum:
    """Fixed-effects fit for starting values, then the mixed model."""
    k = len(data.levels) - 1
    fixed_model = CrossedLaplace(data.category, len(data.levels), data.design, [], [])
    # Only starting values when random effects follow: no Hessian needed.
    base = maximize(fixed_model.value_and_grad, _start_values(data), k, 0, polish=not random)
    if random:
        start = np.concatenate([base.params, np.full(len(random), np.log(0.5))])
        model: SingleQuadrature | CrossedLaplace
        if method == "agq":
            model = SingleQuadrature(
                data.category,
                len(data.levels),
                data.design,
                data.groups[0],
                data.group_levels[0],
                n_agq,
            )
        else:
            model = CrossedLaplace(
                data.category, len(data.levels), data.design, data.groups, data.group_levels
            )
        return maximize(model.value_and_grad, start, k, len(random))
    return base


def _result(
    data: ModelData, opt: Optimum, method: str, n_agq: int, seconds: float, dimension: str
) -> ClmmResult:
    k, p = len(data.levels) - 1, len(data.terms)
    se = np.sqrt(np.diag(opt.covariance))
    beta, beta_se = opt.params[k : k + p], se[k : k + p]
    wild = [t for t, b in zip(data.terms, beta) if abs(b) > SEPARATION_LIMIT]
    if wild:
        raise InputError(
            f"the effect of {wild} diverges{' for ' + dimension if dimension else ''} "
            "(quasi-complete separation: that group's ratings barely overlap the others'); "
            "merge or drop the level"
        )
    z = beta / beta_se
    coefficients = pd.DataFrame(
        {
            "term": data.terms,
            "estimate": beta,
            "se": beta_se,
            "z": z,
            "p": 2 * norm.sf(np.abs(z)),
            "ci_low": beta - 1.959964 * beta_se,
            "ci_high": beta + 1.959964 * beta_se,
            "odds_ratio": np.exp(beta),
            "pct_more_likely_higher": 100 * (np.exp(beta) - 1),
        }
    )
    names = [f"{data.levels[i]:g}|{data.levels[i + 1]:g}" for i in range(k)]
    thresholds = pd.DataFrame({"name": names, "estimate": opt.params[:k], "se": se[:k]})
    sds = np.exp(opt.params[k + p :])
    random_sd = {name: float(sd) for name, sd in zip(data.group_names, sds)}
    random_sd_se = {name: float(sd * s) for name, sd, s in zip(data.group_names, sds, se[k + p :])}
    at_zero = [data.group_names[i - k - p] for i in opt.at_boundary]
    random_sd.update({name: 0.0 for name in at_zero})
    diagnostics = Diagnostics(
        converged=opt.converged,
        message=opt.message,
        iterations=opt.iterations,
        evaluations=opt.evaluations,
        max_abs_gradient=opt.max_abs_gradient,
        hessian_condition=opt.hessian_condition,
        sd_at_zero=at_zero,
        seconds=seconds,
    )
    notes = []
    per_group = {name: data.n_ratings / n for name, n in zip(data.group_names, data.group_levels)}
    sparse = [
        f"{name} ({v:.1f} ratings each)"
        for name, v in per_group.items()
        if v < FEW_RATINGS_PER_GROUP
    ]
    if method == "laplace" and sparse:
        notes.append(
            "Few ratings per level of "
            + ", ".join(sparse)
            + ": the Laplace approximation is least "
            "accurate here; compare with the single-random-effect quadrature fit (method='agq')."
        )
    if at_zero:
        notes.append(f"Random-intercept SD of {at_zero} is estimated at zero.")
    if not opt.converged:
        notes.append(f"The fit did not converge cleanly: {opt.message}")
    n_params = opt.params.size - len(opt.at_boundary)
    return ClmmResult(
        dimension=dimension,
        method=method,
        n_agq=n_agq,
        levels=data.levels,
        thresholds=thresholds,
        coefficients=coefficients,
        random_sd=random_sd,
        random_sd_se=random_sd_se,
        loglik=opt.loglik,
        aic=2 * n_params - 2 * opt.loglik,
        n_ratings=data.n_ratings,
        group_levels=dict(zip(data.group_names, data.group_levels)),
        fixed_levels=data.fixed_levels,
        dropped=data.dropped,
        diagnostics=diagnostics,
        notes=notes,
    )
