"""The Laplace and quadrature objectives: exact gradients and how they relate."""

from __future__ import annotations

import numpy as np
import pytest

from coalign.analysis import SimulationSpec, simulate_ratings
from coalign.analysis.design import build_model_data
from coalign.analysis.laplace import CrossedLaplace
from coalign.analysis.quadrature import SingleQuadrature

from .helpers import TWO_FACTORS


@pytest.fixture(scope="module")
def data():
    frame = simulate_ratings(
        SimulationSpec(n_raters=60, ratings_per_rater=10, n_items=40, factors=TWO_FACTORS, seed=5)
    )
    return build_model_data(frame, list(TWO_FACTORS), ["rater", "item"])


def _params(data, n_sd):
    return np.concatenate(
        [[-2.0, -0.7, 0.5, 1.8], 0.1 * np.arange(len(data.terms)), np.log([0.9, 0.6][:n_sd])]
    )


def _central(fun, params, h=1e-5):
    out = np.zeros_like(params)
    for k in range(params.size):
        e = np.zeros_like(params)
        e[k] = h
        out[k] = (fun(params + e) - fun(params - e)) / (2 * h)
    return out


@pytest.mark.parametrize("groups", [[0, 1], [1, 0], [0], []])
def test_laplace_gradient_matches_finite_differences(data, groups):
    model = CrossedLaplace(
        data.category,
        5,
        data.design,
        [data.groups[g] for g in groups],
        [data.group_levels[g] for g in groups],
    )
    params = _params(data, len(groups))
    _, grad = model.value_and_grad(params)
    numeric = _central(model.value, params)
    np.testing.assert_allclose(grad, numeric, atol=1e-6)


def test_three_crossed_factors_gradient(data):
    third = data.groups[0] % 7  # a coarser third grouping, crossed with the other two
    model = CrossedLaplace(
        data.category, 5, data.design, [*data.groups, third], [*data.group_levels, 7]
    )
    params = np.concatenate([_params(data, 2), [np.log(0.4)]])
    _, grad = model.value_and_grad(params)
    np.testing.assert_allclose(grad, _central(model.value, params), atol=1e-6)


def test_one_node_quadrature_is_the_laplace_approximation(data):
    laplace = CrossedLaplace(
        data.category, 5, data.design, [data.groups[0]], [data.group_levels[0]]
    )
    agq1 = SingleQuadrature(
        data.category, 5, data.design, data.groups[0], data.group_levels[0], n_nodes=1
    )
    params = _params(data, 1)
    assert agq1.value_and_grad(params)[0] == pytest.approx(laplace.value(params), abs=1e-8)


def test_quadrature_converges_as_nodes_increase(data):
    params = _params(data, 1)
    values = [
        SingleQuadrature(
            data.category, 5, data.design, data.groups[0], data.group_levels[0], n_nodes=n
        ).value_and_grad(params)[0]
        for n in (5, 15, 31)
    ]
    assert abs(values[1] - values[2]) < 1e-6 < abs(values[0] - values[2]) + 1e-6
    model = SingleQuadrature(
        data.category, 5, data.design, data.groups[0], data.group_levels[0], n_nodes=15
    )
    _, grad = model.value_and_grad(params)
    numeric = _central(lambda p: model.value_and_grad(p)[0], params)
    np.testing.assert_allclose(grad, numeric, atol=1e-4)
