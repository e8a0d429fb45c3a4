"""Adaptive Gauss–Hermite quadrature for a single random intercept.

With one grouping factor the marginal likelihood is a product of
one-dimensional integrals, one per group, which quadrature evaluates as
accurately as asked.  Each group's nodes are centred on its conditional mode
and scaled by its curvature (the Laplace approximation is the one-node case),
so a handful of nodes suffice.  This is the check the report offers when
participants give few ratings each, where the Laplace approximation is least
accurate.

The gradient is the quadrature of the exact gradient of the integrand with the
nodes held where they are — the gradient of the true marginal likelihood up to
quadrature error, which is what the optimiser needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from coalign.analysis import cumlogit


@dataclass
class SingleQuadrature:
    """Objective and gradient of the AGQ log-likelihood for one random intercept.

    Args:
        category: 0-based category per rating.
        n_categories: number of categories.
        design: fixed-effect matrix without intercept.
        group: 0-based level of the grouping factor per rating.
        n_levels: number of levels.
        n_nodes: quadrature nodes per group (odd numbers put one node at the mode).
    """

    category: np.ndarray
    n_categories: int
    design: np.ndarray
    group: np.ndarray
    n_levels: int
    n_nodes: int = 7
    u: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.nodes, weights = np.polynomial.hermite.hermgauss(self.n_nodes)
        self.log_weights = np.log(weights) + self.nodes**2
        self.u = np.zeros(self.n_levels)
        self.n_thresholds = self.n_categories - 1
        self.n_beta = self.design.shape[1]
        self.n_params = self.n_thresholds + self.n_beta + 1

    def _modes(
        self, theta: np.ndarray, fixed: np.ndarray, sigma: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-group conditional modes and curvatures by vectorised, safeguarded Newton."""
        g = self.group
        u = self.u.copy()

        def group_value(vec: np.ndarray) -> tuple[np.ndarray, cumlogit.RatingDerivatives]:
            der = cumlogit.derivatives(theta, self.category, fixed + sigma * vec[g], order=2)
            return np.bincount(g, weights=der.loglik, minlength=self.n_levels) - 0.5 * vec**2, der

        value, der = group_value(u)
        for _ in range(100):
            grad = sigma * np.bincount(g, weights=der.d1, minlength=self.n_levels) - u
            curv = sigma**2 * np.bincount(g, weights=-der.d2, minlength=self.n_levels) + 1.0
            delta = grad / curv
            step = np.ones(self.n_levels)
            for _ in range(30):
                new_value, new_der = group_value(u + step * delta)
                worse = new_value < value - 1e-12 * np.abs(value)
                if not worse.any():
                    break
                step = np.where(worse, step * 0.5, step)
            u = u + step * delta
            value, der = new_value, new_der
            if np.max(np.abs(step * delta)) < 1e-10:
                break
        curv = sigma**2 * np.bincount(g, weights=-der.d2, minlength=self.n_levels) + 1.0
        return u, curv

    def value_and_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """AGQ log-likelihood and its gradient in ``(theta, beta, log sigma)``."""
        t, p = self.n_thresholds, self.n_beta
        theta, beta, sigma = params[:t], params[t : t + p], float(np.exp(params[-1]))
        fixed = self.design @ beta if p else np.zeros(self.category.size)
        mode, curv = self._modes(theta, fixed, sigma)
        self.u = mode
        scale = np.sqrt(2.0 / curv)
        g = self.group
        log_terms = np.empty((self.n_levels, self.n_nodes))
        node_u = mode[:, None] + scale[:, None] * self.nodes[None, :]
        ders = []
        for k in range(self.n_nodes):
            der = cumlogit.derivatives(theta, self.category, fixed + sigma * node_u[g, k], order=2)
            ders.append(der)
            log_terms[:, k] = (
                np.bincount(g, weights=der.loglik, minlength=self.n_levels)
                - 0.5 * node_u[:, k] ** 2
            )
        log_terms += self.log_weights[None, :]
        per_group = logsumexp(log_terms, axis=1)
        value = float(np.sum(per_group - 0.5 * np.log(2 * np.pi) + np.log(scale)))
        post = np.exp(log_terms - per_group[:, None])  # node weights per group, sum to 1
        grad_theta = np.zeros(t)
        grad_beta = np.zeros(p)
        grad_sigma = 0.0
        for k, der in enumerate(ders):
            wk = post[g, k]
            grad_theta += cumlogit.threshold_sums(wk * der.l_upper, self.category, t, True)
            grad_theta += cumlogit.threshold_sums(wk * der.l_lower, self.category, t, False)
            if p:
                grad_beta += self.design.T @ (wk * der.d1)
            grad_sigma += float((wk * der.d1) @ node_u[g, k])
        return value, np.concatenate([grad_theta, grad_beta, [grad_sigma * sigma]])
