"""Laplace approximation for cumulative-logit models with crossed random intercepts.

The model for rating ``i`` is ``logit P(y_i <= k) = theta_k - eta_i`` with
``eta_i = x_i' beta + sum_r sigma_r u_{r, j_r(i)}`` and every ``u`` standard
normal.  The marginal log-likelihood is approximated at the conditional modes
``u_hat`` of the random effects::

    l_LA(psi) = sum_i log p_i(u_hat) - |u_hat|^2 / 2 - log det H / 2,
    H = Z' W Z + I,   W = -d^2 log p / d eta^2

(the ``2 pi`` constants of the prior and of the Gaussian integral cancel).

Why it is fast: every rating has exactly one level in each grouping factor, so
the diagonal blocks of ``H`` are diagonal.  The factor with the most levels
(usually raters) is eliminated by its diagonal block, leaving a dense Schur
complement only as large as the other factors (usually the items), factorised
once per Newton step.  The same factorisation gives the entries of ``H^-1``
that the exact gradient of ``l_LA`` needs (including the dependence of
``u_hat`` and of ``log det H`` on the parameters), so the outer optimiser never
differentiates numerically.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coalign.analysis import cumlogit
from coalign.analysis.schur import CrossedBlocks, Factorization


@dataclass
class InnerState:
    """Everything known at the conditional modes for one parameter vector."""

    u: np.ndarray
    eta: np.ndarray
    deriv: cumlogit.RatingDerivatives
    fact: Factorization
    loglik: float
    newton_steps: int


@dataclass
class CrossedLaplace:
    """Objective and exact gradient of ``-l_LA`` for one data set.

    Args:
        category: 0-based category of each rating.
        n_categories: number of categories ``K``.
        design: fixed-effect design matrix without intercept, shape ``(n, p)``.
        groups: for each random-intercept factor, the 0-based level of each rating.
        n_levels: number of levels of each factor.
    """

    category: np.ndarray
    n_categories: int
    design: np.ndarray
    groups: list[np.ndarray]
    n_levels: list[int]
    u: np.ndarray = field(init=False)
    max_newton_steps: int = 0

    def __post_init__(self) -> None:
        # The factor with most levels goes first: its block is eliminated as a diagonal.
        order = np.argsort([-n for n in self.n_levels], kind="stable")
        self.order = [int(k) for k in order]
        self._idx = [self.groups[k] for k in self.order]
        self._nlev = [self.n_levels[k] for k in self.order]
        self.blocks = CrossedBlocks(self._idx, self._nlev)
        self._offsets = self.blocks.offsets
        self.q = self.blocks.q
        self.u = np.zeros(self.q)
        self._last_fact: Factorization | None = None
        self.n_thresholds = self.n_categories - 1
        self.n_beta = self.design.shape[1]
        self.n_params = self.n_thresholds + self.n_beta + len(self._idx)

    # ------------------------------------------------------------------ pieces
    def unpack(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(thresholds, beta, sigma)`` with ``sigma`` in the internal factor order."""
        t, p = self.n_thresholds, self.n_beta
        sigma_caller = np.exp(params[t + p :])
        return params[:t], params[t : t + p], sigma_caller[self.order]

    def _zt(self, sigma: np.ndarray, values: np.ndarray) -> np.ndarray:
        """``Z' values``: per-level sums scaled by each factor's SD."""
        parts = [
            sigma[r] * np.bincount(idx, weights=values, minlength=self._nlev[r])
            for r, idx in enumerate(self._idx)
        ]
        return np.concatenate(parts) if parts else np.zeros(0)

    def _z(self, sigma: np.ndarray, vec: np.ndarray) -> np.ndarray:
        """``Z vec``: each rating's sum of its levels' entries, scaled by SD."""
        out = np.zeros(self.category.size)
        for r, idx in enumerate(self._idx):
            out += sigma[r] * vec[self._offsets[r] + idx]
        return out

    # ------------------------------------------------------------ inner solve
    def modes(
        self, params: np.ndarray, u0: np.ndarray | None = None, tol: float = 1e-10
    ) -> InnerState:
        """Newton's method for the conditional modes ``u_hat`` (concave, so it converges)."""
        theta, beta, sigma = self.unpack(params)
        u = self.u.copy() if u0 is None else u0.copy()
        fixed = self.design @ beta if self.n_beta else np.zeros(self.category.size)

        def objective(vec: np.ndarray) -> tuple[float, cumlogit.RatingDerivatives, np.ndarray]:
            eta = fixed + self._z(sigma, vec)
            der = cumlogit.derivatives(theta, self.category, eta, order=2)
            return float(der.loglik.sum() - 0.5 * vec @ vec), der, eta

        value, der, eta = objective(u)
        # Chord iterations: reuse the last factorisation (from the previous parameter
        # vector) while it contracts fast, refactorise only when it does not.  Most
        # optimiser steps then cost one factorisation, the one at the mode.
        fact = self._last_fact if u0 is None else None
        previous = np.inf
        steps = 0
        for steps in range(1, 201):  # noqa: B007 (the count is read after the loop)
            if self.q == 0:
                break
            grad = self._zt(sigma, der.d1) - u
            if fact is None:
                fact = self.blocks.factorize(sigma, -der.d2)
                previous = np.inf
            delta = fact.solve(grad)
            size = float(np.max(np.abs(delta)))
            step = 1.0
            while True:
                new_u = u + step * delta
                new_value, new_der, new_eta = objective(new_u)
                if new_value >= value - 1e-12 * abs(value) or step < 1e-8:
                    break
                step *= 0.5
            u, value, der, eta = new_u, new_value, new_der, new_eta
            if step * size < tol:
                break
            if step < 1.0 or size > 0.25 * previous:
                fact = None
            previous = size
        self.max_newton_steps = max(self.max_newton_steps, steps)
        der = cumlogit.derivatives(theta, self.category, eta, order=3)
        fact = self.blocks.factorize(sigma, -der.d2)
        self._last_fact = fact
        return InnerState(u, eta, der, fact, float(der.loglik.sum()), steps)

    # -------------------------------------------------------- outer objective
    def value_and_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Laplace log-likelihood and its exact gradient in ``(theta, beta, log sigma)``.

        Warm-starts the inner solve from the last modes, so successive calls by an
        optimiser are cheap.
        """
        _, _, sigma = self.unpack(params)
        state = self.modes(params)
        self.u = state.u
        der, u, fact = state.deriv, state.u, state.fact
        value = state.loglik - 0.5 * float(u @ u) - 0.5 * fact.logdet
        w = -der.d2
        t_count = self.n_thresholds
        cat = self.category

        # Entries of H^-1 that each rating touches: m_r,i = sum_s sigma_s Hinv[j_r(i), j_s(i)].
        m_terms = self.blocks.hinv_terms(sigma, fact)
        h = (
            sum(sigma[r] * m_terms[r] for r in range(len(self._idx)))
            if self._idx
            else np.zeros(cat.size)
        )
        # d logdet / d u, then s = H^-1 of it (the implicit-function term for u_hat).
        a_vec = self._zt(sigma, -der.d3 * h)
        s_vec = fact.solve(a_vec) if self.q else np.zeros(0)
        t_vec = self._z(sigma, s_vec)

        g_theta = cumlogit.threshold_sums(
            der.l_upper, cat, t_count, True
        ) + cumlogit.threshold_sums(der.l_lower, cat, t_count, False)
        ld_theta = cumlogit.threshold_sums(
            -der.d2_upper * h + t_vec * der.d1_upper, cat, t_count, True
        )
        ld_theta += cumlogit.threshold_sums(
            -der.d2_lower * h + t_vec * der.d1_lower, cat, t_count, False
        )
        grad_theta = g_theta - 0.5 * ld_theta

        if self.n_beta:
            grad_beta = self.design.T @ (der.d1 - 0.5 * (-der.d3 * h + t_vec * der.d2))
        else:
            grad_beta = np.zeros(0)

        grad_sigma = np.zeros(len(self._idx))
        for r, idx in enumerate(self._idx):
            u_r = u[self._offsets[r] + idx]
            s_r = s_vec[self._offsets[r] + idx]
            direct = float(der.d1 @ u_r)
            ld = 2.0 * float(w @ m_terms[r]) + float((-der.d3 * h) @ u_r)
            ld += float(s_r @ der.d1) + float((t_vec * der.d2) @ u_r)
            grad_sigma[r] = (direct - 0.5 * ld) * sigma[r]
        grad_log_sigma = np.empty_like(grad_sigma)
        grad_log_sigma[self.order] = grad_sigma
        return value, np.concatenate([grad_theta, grad_beta, grad_log_sigma])

    def value(self, params: np.ndarray) -> float:
        """Laplace log-likelihood only (no gradient)."""
        state = self.modes(params)
        self.u = state.u
        return state.loglik - 0.5 * float(state.u @ state.u) - 0.5 * state.fact.logdet
