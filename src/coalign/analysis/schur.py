"""Sparse block algebra for ``H = Z' diag(w) Z + I`` with crossed grouping factors.

Every rating has exactly one level in each factor, so the diagonal blocks of
``H`` are diagonal matrices.  The first factor (the one with most levels,
usually raters) is eliminated through its diagonal block ``Da``; what remains
is the Schur complement ``S = M - C' Da^-1 C`` over the other factors'
levels (usually the items), dense and Cholesky-factorised.

``C`` (first factor × other levels) is stored as its non-zeros.  When each
rater rates a modest number of items, ``C' Da^-1 C`` and the entries of
``H^-1`` the gradient needs are accumulated over precomputed pairs of
non-zeros in the same row (``sum_a n_a^2`` pairs — 684 000 for 1 095 raters
× 25 items) instead of through general sparse products; beyond
``MAX_PAIRS`` the scipy.sparse product is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from coalign.core.errors import CoalignError

MAX_DENSE_LEVELS = 6000
MAX_PAIRS = 20_000_000


@dataclass
class Factorization:
    """``H`` as ``[[diag(da), C], [C', M]]`` with the Schur complement factorised."""

    da: np.ndarray
    c_values: np.ndarray
    c_row: np.ndarray
    c_col: np.ndarray
    n_dense: int
    chol: tuple[np.ndarray, bool] | None
    logdet: float

    def c_dot(self, x: np.ndarray) -> np.ndarray:
        """``C x``."""
        return np.bincount(
            self.c_row, weights=self.c_values * x[self.c_col], minlength=self.da.size
        )

    def ct_dot(self, y: np.ndarray) -> np.ndarray:
        """``C' y``."""
        return np.bincount(
            self.c_col, weights=self.c_values * y[self.c_row], minlength=self.n_dense
        )

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """``H^-1 rhs`` by block elimination."""
        na = self.da.size
        ra, rb = rhs[:na], rhs[na:]
        if self.chol is None:
            only_diagonal: np.ndarray = ra / self.da
            return only_diagonal
        xb = sla.cho_solve(self.chol, rb - self.ct_dot(ra / self.da), check_finite=False)
        xa = (ra - self.c_dot(xb)) / self.da
        return np.concatenate([xa, xb])


class CrossedBlocks:
    """Structure of ``Z`` for crossed random intercepts, built once per data set.

    Args:
        idx: per factor (first = eliminated), the 0-based level of each rating.
        n_levels: levels per factor, same order.
    """

    def __init__(self, idx: list[np.ndarray], n_levels: list[int]) -> None:
        self.idx = idx
        self.n_levels = n_levels
        offsets = np.concatenate(([0], np.cumsum(n_levels))).astype(int)
        self.offsets = offsets
        self.q = int(offsets[-1])
        self.n_a = n_levels[0] if n_levels else 0
        self.m = self.q - self.n_a
        if self.m > MAX_DENSE_LEVELS:
            raise CoalignError(
                f"the smaller random-effect factors have {self.m} levels together; at most "
                f"{MAX_DENSE_LEVELS} are supported (the larger factor is eliminated exactly)"
            )
        # Position of each rating's level inside the dense block, per non-first factor.
        self.bpos = [idx[s] + offsets[s] - self.n_a for s in range(1, len(idx))]
        if not self.bpos:
            return
        m = self.m
        keys = np.concatenate([idx[0] * m + pos for pos in self.bpos])
        uniq, inverse = np.unique(keys, return_inverse=True)
        n = idx[0].size
        self.nnz_of = [inverse[k * n : (k + 1) * n] for k in range(len(self.bpos))]
        self.nnz = uniq.size
        self.c_row, self.c_col = uniq // m, uniq % m
        counts = np.bincount(self.c_row, minlength=self.n_a)
        n_pairs = int((counts.astype(np.int64) ** 2).sum())
        self.pairs = None
        if n_pairs <= MAX_PAIRS:
            # All ordered pairs (p1, p2) of non-zeros in the same row of C.
            starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
            rep = np.repeat(np.arange(self.nnz), counts[self.c_row])
            within = np.arange(n_pairs) - np.repeat(
                np.cumsum(counts[self.c_row]) - counts[self.c_row], counts[self.c_row]
            )
            p2 = starts[self.c_row[rep]] + within
            self.pairs = (rep, p2, self.c_col[rep] * m + self.c_col[p2], self.c_row[rep])

    def factorize(self, sigma: np.ndarray, w: np.ndarray) -> Factorization:
        """Build ``H = Z' diag(w) Z + I`` for SDs ``sigma`` and factorise it."""
        empty = np.zeros(0, dtype=np.int64)
        if not self.idx:
            return Factorization(np.zeros(0), np.zeros(0), empty, empty, 0, None, 0.0)
        da = sigma[0] ** 2 * np.bincount(self.idx[0], weights=w, minlength=self.n_a) + 1.0
        logdet = float(np.log(da).sum())
        if not self.bpos:
            return Factorization(da, np.zeros(0), empty, empty, 0, None, logdet)
        m = self.m
        c_values = np.zeros(self.nnz)
        # Accumulated flat, then viewed as the m × m block.
        dense: np.ndarray = np.zeros(m * m)
        for s, pos in enumerate(self.bpos, start=1):
            c_values += np.bincount(
                self.nnz_of[s - 1], weights=sigma[0] * sigma[s] * w, minlength=self.nnz
            )
            dense += np.bincount(pos * (m + 1), weights=sigma[s] ** 2 * w, minlength=m * m)
            for t in range(s + 1, len(self.idx)):
                other = self.bpos[t - 1]
                cross = sigma[s] * sigma[t] * w
                dense += np.bincount(pos * m + other, weights=cross, minlength=m * m)
                dense += np.bincount(other * m + pos, weights=cross, minlength=m * m)
        dense = dense.reshape(m, m)
        dense[np.diag_indices(m)] += 1.0
        if self.pairs is not None:
            p1, p2, flat, row = self.pairs
            dense -= np.bincount(
                flat, weights=c_values[p1] * c_values[p2] / da[row], minlength=m * m
            ).reshape(m, m)
        else:
            c = sp.csr_matrix((c_values, (self.c_row, self.c_col)), shape=(self.n_a, m))
            dense -= (c.T @ sp.diags(1.0 / da) @ c).toarray()
        try:
            chol = sla.cho_factor(dense, lower=True, check_finite=False)
        except np.linalg.LinAlgError as exc:  # pragma: no cover - H is positive definite
            raise CoalignError("the random-effect Hessian is not positive definite") from exc
        logdet += 2.0 * float(np.log(np.diag(chol[0])).sum())
        return Factorization(da, c_values, self.c_row, self.c_col, m, chol, logdet)

    def hinv_terms(self, sigma: np.ndarray, fact: Factorization) -> list[np.ndarray]:
        """Per rating and factor ``r``: ``m_r,i = sum_s sigma_s (H^-1)[j_r(i), j_s(i)]``."""
        if not self.idx:
            return []
        ia = self.idx[0]
        inv_da = 1.0 / fact.da
        if fact.chol is None:
            return [sigma[0] * inv_da[ia]]
        m = self.m
        inv_lower, info = sla.lapack.dpotri(fact.chol[0], lower=1)
        if info != 0:  # pragma: no cover - the factor came from a successful Cholesky
            raise CoalignError("could not invert the Schur complement")
        s_inv = np.tril(inv_lower) + np.tril(inv_lower, -1).T
        cv = fact.c_values
        if self.pairs is not None:
            p1, p2, flat, row = self.pairs
            sflat = s_inv.ravel()[flat]
            quad = np.bincount(row, weights=cv[p1] * cv[p2] * sflat, minlength=self.n_a)
            cs_nnz = np.bincount(p1, weights=cv[p2] * sflat, minlength=self.nnz)
        else:
            c = sp.csr_matrix((cv, (self.c_row, self.c_col)), shape=(self.n_a, m))
            cs = np.asarray(c @ s_inv)
            quad = np.asarray(c.multiply(cs).sum(axis=1)).ravel()
            cs_nnz = cs[self.c_row, self.c_col]
        h_aa = inv_da + inv_da**2 * quad
        # (H^-1) between the first factor's level a and dense position b: -(C S^-1)[a, b] / da[a].
        h_ab = [-cs_nnz[nnz] * inv_da[ia] for nnz in self.nnz_of]
        n_b = len(self.bpos)
        first = sigma[0] * h_aa[ia]
        for s in range(n_b):
            first = first + sigma[s + 1] * h_ab[s]
        terms = [first]
        for s in range(n_b):
            ms = sigma[0] * h_ab[s]
            for t in range(n_b):
                ms = ms + sigma[t + 1] * s_inv[self.bpos[s], self.bpos[t]]
            terms.append(ms)
        return terms
