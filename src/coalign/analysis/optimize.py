"""Outer maximisation shared by the Laplace and quadrature fits.

Parameters are ``(theta, beta, log sigma)``.  The optimiser works on
``(theta_1, log(theta_2 - theta_1), …, beta, log sigma)`` so thresholds stay
ordered; L-BFGS-B with the exact gradient does the bulk of the work, then a few
Newton steps with a Hessian obtained by central differences of that gradient
polish the optimum to the precision the comparison with R needs.  The same
Hessian gives the standard errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

ValueGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]
LOG_SIGMA_FLOOR = np.log(1e-4)


@dataclass
class Optimum:
    """Where the maximiser stopped and how sure it is.

    Attributes:
        params: ``(theta, beta, log sigma)`` at the optimum.
        loglik: objective value there.
        gradient: exact gradient there.
        hessian: Hessian of the log-likelihood (central differences of the gradient).
        covariance: inverse of the negative Hessian (NaN rows for boundary SDs).
        converged: optimiser success, a negative-definite Hessian and a small gradient.
        message: optimiser message plus any warning.
        iterations: L-BFGS-B iterations.
        evaluations: objective evaluations in total (Hessian included).
        at_boundary: indices of log-SD parameters that hit the floor (SD ~ 0).
    """

    params: np.ndarray
    loglik: float
    gradient: np.ndarray
    hessian: np.ndarray
    covariance: np.ndarray
    converged: bool
    message: str
    iterations: int
    evaluations: int
    at_boundary: list[int]

    @property
    def max_abs_gradient(self) -> float:
        """Largest absolute gradient entry at the optimum."""
        return float(np.max(np.abs(self.gradient))) if self.gradient.size else 0.0

    @property
    def hessian_condition(self) -> float:
        """Condition number of the negative Hessian (large means weakly identified)."""
        eig = np.linalg.eigvalsh(-self.hessian) if self.hessian.size else np.ones(1)
        return float(eig.max() / eig.min()) if eig.min() > 0 else float("inf")


def _to_free(params: np.ndarray, n_thr: int) -> np.ndarray:
    free = params.copy()
    free[1:n_thr] = np.log(np.diff(params[:n_thr]))
    return free


def _to_natural(free: np.ndarray, n_thr: int) -> np.ndarray:
    params = free.copy()
    params[:n_thr] = free[0] + np.concatenate(([0.0], np.cumsum(np.exp(free[1:n_thr]))))
    return params


def _free_gradient(grad: np.ndarray, free: np.ndarray, n_thr: int) -> np.ndarray:
    out = grad.copy()
    # theta_k = tau_1 + sum_{j<=k} exp(tau_j): d/d tau_j collects all thresholds at or above j.
    tail = np.cumsum(grad[:n_thr][::-1])[::-1]
    out[0] = tail[0]
    out[1:n_thr] = tail[1:] * np.exp(free[1:n_thr])
    return out


def numeric_hessian(value_grad: ValueGrad, params: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Symmetrised central differences of the exact gradient."""
    n = params.size
    hess = np.zeros((n, n))
    for k in range(n):
        h = step * max(1.0, abs(params[k]))
        e = np.zeros(n)
        e[k] = h
        hess[:, k] = (value_grad(params + e)[1] - value_grad(params - e)[1]) / (2 * h)
    return 0.5 * (hess + hess.T)


def maximize(
    value_grad: ValueGrad,
    start: np.ndarray,
    n_thresholds: int,
    n_log_sigma: int,
    gtol: float = 1e-6,
    max_iter: int = 1000,
    polish: bool = True,
) -> Optimum:
    """Maximise a log-likelihood given with its exact gradient.

    Args:
        value_grad: returns ``(loglik, gradient)`` in natural parameters.
        start: starting ``(theta, beta, log sigma)``; thresholds must be increasing.
        n_thresholds: number of leading threshold parameters.
        n_log_sigma: number of trailing log-SD parameters (bounded below at SD = 1e-4).
        gtol: target for the largest absolute gradient entry.
        max_iter: L-BFGS-B iteration cap.
        polish: refine with Newton steps and compute the Hessian; ``False`` stops after
            L-BFGS-B with no covariance (enough for starting values, and much cheaper).
    """
    evaluations = 0

    def objective(free: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal evaluations
        evaluations += 1
        params = _to_natural(free, n_thresholds)
        val, grad = value_grad(params)
        if not np.isfinite(val):
            return 1e300, np.zeros_like(free)
        return -val, -_free_gradient(grad, free, n_thresholds)

    n = start.size
    bounds = [(None, None)] * (n - n_log_sigma) + [(LOG_SIGMA_FLOOR, 5.0)] * n_log_sigma
    res = minimize(
        objective,
        _to_free(start, n_thresholds),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iter, "ftol": 1e-15, "gtol": gtol * 0.1, "maxcor": 20},
    )
    params = _to_natural(res.x, n_thresholds)
    at_boundary = [
        n - n_log_sigma + k
        for k in range(n_log_sigma)
        if params[n - n_log_sigma + k] <= LOG_SIGMA_FLOOR + 1e-6
    ]
    interior = np.array([k for k in range(n) if k not in at_boundary], dtype=int)

    def counted(p: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal evaluations
        evaluations += 1
        return value_grad(p)

    loglik, grad = counted(params)
    if not polish:
        unknown = np.full((n, n), np.nan)
        return Optimum(
            params=params,
            loglik=float(loglik),
            gradient=grad,
            hessian=unknown,
            covariance=unknown,
            converged=bool(res.success),
            message=str(res.message),
            iterations=int(res.nit),
            evaluations=evaluations,
            at_boundary=at_boundary,
        )
    hess = numeric_hessian(counted, params)
    # Newton polish on the interior parameters: L-BFGS-B stops a little short of
    # the precision a parameter-by-parameter comparison with R asks for.
    for _ in range(4):
        sub = -hess[np.ix_(interior, interior)]
        if np.max(np.abs(grad[interior])) < 1e-9 or np.linalg.eigvalsh(sub).min() <= 0:
            break
        step = np.zeros(n)
        step[interior] = np.linalg.solve(sub, grad[interior])
        trial = params + step
        if np.any(np.diff(trial[:n_thresholds]) <= 0):
            break
        new_loglik, new_grad = counted(trial)
        if not np.isfinite(new_loglik) or new_loglik < loglik - 1e-9:
            break
        params, loglik, grad = trial, new_loglik, new_grad
    cov = np.full((n, n), np.nan)
    sub = -hess[np.ix_(interior, interior)]
    eig_min = np.linalg.eigvalsh(sub).min() if interior.size else 1.0
    definite = eig_min > 0
    if definite:
        cov[np.ix_(interior, interior)] = np.linalg.inv(sub)
    small_grad = np.max(np.abs(grad[interior])) < max(gtol * 100, 1e-4) if interior.size else True
    message = str(res.message)
    if not definite:
        message += (
            "; the Hessian is not negative definite at the optimum (parameters not identified)"
        )
    if not small_grad:
        message += "; the gradient is not small at the optimum"
    return Optimum(
        params=params,
        loglik=float(loglik),
        gradient=grad,
        hessian=hess,
        covariance=cov,
        converged=bool(definite and small_grad),
        message=message,
        iterations=int(res.nit),
        evaluations=evaluations,
        at_boundary=at_boundary,
    )
