"""Per-rating derivatives of the cumulative-logit likelihood.

A rating ``y`` in category ``k`` (0-based, of ``K``) has probability
``F(a) - F(b)`` with ``a = theta[k] - eta`` and ``b = theta[k-1] - eta``
(``theta[-1] = -inf``, ``theta[K-1] = +inf``) and ``F`` the logistic CDF.
Everything the mixed-model fit needs — the log-likelihood, its first three
derivatives in the linear predictor ``eta`` and the mixed derivatives in the
two thresholds that bracket the rating — follows from the partial derivatives
of ``log(F(a) - F(b))`` in ``a`` and ``b``, written here once in closed form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit


def _logistic_terms(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Density and its first two derivatives of the logistic CDF at ``x``.

    Infinite arguments give exact zeros, so the open ends of the scale need no
    special case.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        p = expit(x)
        f = p * (1.0 - p)
        g = f * (1.0 - 2.0 * p)
        k = f * (1.0 - 2.0 * p) ** 2 - 2.0 * f * f
    inf = ~np.isfinite(x)
    if inf.any():
        f = np.where(inf, 0.0, f)
        g = np.where(inf, 0.0, g)
        k = np.where(inf, 0.0, k)
    return f, g, k


def category_probability(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """``F(upper) - F(lower)`` without cancellation in either tail.

    When both bounds are positive the difference of the two upper tails is used
    instead, which keeps precision for ratings far above the linear predictor.
    """
    flip = lower > 0
    with np.errstate(invalid="ignore"):
        direct = expit(upper) - expit(lower)
        flipped = expit(-lower) - expit(-upper)
    prob = np.where(flip, flipped, direct)
    floored: np.ndarray = np.maximum(prob, 1e-300)
    return floored


@dataclass
class RatingDerivatives:
    """Derivatives of each rating's log-probability.

    Attributes:
        loglik: ``log P(y_i)``.
        d1, d2, d3: first, second and third derivative in ``eta_i``.
        d1_upper, d1_lower: derivative of ``d1`` in the upper / lower bracketing threshold.
        d2_upper, d2_lower: derivative of ``d2`` in the upper / lower bracketing threshold.
        l_upper, l_lower: derivative of ``loglik`` in the upper / lower threshold.
    """

    loglik: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    d3: np.ndarray
    l_upper: np.ndarray
    l_lower: np.ndarray
    d1_upper: np.ndarray
    d1_lower: np.ndarray
    d2_upper: np.ndarray
    d2_lower: np.ndarray


def bracket(
    thresholds: np.ndarray, category: np.ndarray, eta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The two standardised bounds ``(a, b)`` of each rating's category."""
    ext = np.concatenate(([-np.inf], thresholds, [np.inf]))
    return ext[category + 1] - eta, ext[category] - eta


def derivatives(
    thresholds: np.ndarray, category: np.ndarray, eta: np.ndarray, order: int = 3
) -> RatingDerivatives:
    """All per-rating derivatives needed by the Laplace fit and its gradient.

    Args:
        thresholds: increasing cut points, length ``K - 1``.
        category: 0-based category of each rating.
        eta: linear predictor of each rating.
        order: 2 skips the third-order terms (inner Newton steps need only ``d1, d2``).
    """
    a, b = bracket(thresholds, category, eta)
    prob = category_probability(a, b)
    fa, ga, ka = _logistic_terms(a)
    fb, gb, kb = _logistic_terms(b)
    A, B = fa / prob, fb / prob
    Ga, Gb = ga / prob, gb / prob
    l_a, l_b = A, -B
    l_aa = Ga - A * A
    l_ab = A * B
    l_bb = -Gb - B * B
    d1 = -(l_a + l_b)
    d2 = l_aa + 2.0 * l_ab + l_bb
    if order < 3:
        zero = np.zeros_like(d1)
        return RatingDerivatives(np.log(prob), d1, d2, zero, l_a, l_b, zero, zero, zero, zero)
    Ka, Kb = ka / prob, kb / prob
    l_aaa = Ka - 3.0 * A * Ga + 2.0 * A**3
    l_aab = Ga * B - 2.0 * A * A * B
    l_abb = A * Gb + 2.0 * A * B * B
    l_bbb = -Kb - 3.0 * B * Gb - 2.0 * B**3
    d3 = -(l_aaa + 3.0 * l_aab + 3.0 * l_abb + l_bbb)
    return RatingDerivatives(
        loglik=np.log(prob),
        d1=d1,
        d2=d2,
        d3=d3,
        l_upper=l_a,
        l_lower=l_b,
        d1_upper=-(l_aa + l_ab),
        d1_lower=-(l_ab + l_bb),
        d2_upper=l_aaa + 2.0 * l_aab + l_abb,
        d2_lower=l_aab + 2.0 * l_abb + l_bbb,
    )


def threshold_sums(
    values: np.ndarray, category: np.ndarray, n_thresholds: int, upper: bool
) -> np.ndarray:
    """Sum per-rating threshold derivatives into a vector over thresholds.

    The upper threshold of category ``k`` is ``theta[k]`` (absent for the top
    category); the lower one is ``theta[k-1]`` (absent for the bottom category).
    """
    idx = category if upper else category - 1
    keep = (idx >= 0) & (idx < n_thresholds)
    return np.bincount(idx[keep], weights=values[keep], minlength=n_thresholds)
