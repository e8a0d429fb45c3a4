"""A plain proportional-odds fit with statsmodels, for comparison.

``OrderedModel`` has no random effects: every rating counts as independent, so
its standard errors are too small when people rate many items.  The report
shows it next to the mixed model to make that visible.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.stats import norm

from coalign.analysis.design import PreferNotToSay, build_model_data
from coalign.core.errors import InputError


def fit_ordered_fixed(
    frame: pd.DataFrame,
    fixed: list[str],
    reference: dict[str, str] | None = None,
    prefer_not_to_say: PreferNotToSay = "drop",
    dimension: str = "",
) -> pd.DataFrame:
    """Fit ``value ~ fixed`` with ``statsmodels`` ``OrderedModel`` (logit link).

    Args:
        frame: ratings of one dimension.
        fixed: demographic columns (treatment-coded, same reference levels as the mixed model).
        reference: reference level per column.
        prefer_not_to_say: as in :func:`coalign.analysis.clmm.fit_clmm`.
        dimension: names the dimension in messages.

    Returns:
        One row per coefficient: ``term, estimate, se, z, p``.
    """
    try:
        from statsmodels.miscmodels.ordinal_model import OrderedModel
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InputError(
            "the fixed-effects comparison needs statsmodels: install coalign[analysis]"
        ) from exc
    data = build_model_data(frame, fixed, [], reference, prefer_not_to_say, label=dimension)
    if not data.terms:
        raise InputError("the fixed-effects comparison needs at least one demographic column")
    exog = pd.DataFrame(data.design, columns=data.terms)
    endog = pd.Series(
        pd.Categorical(data.category, categories=range(len(data.levels)), ordered=True)
    )
    model = OrderedModel(endog, exog, distr="logit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(method="bfgs", disp=False, maxiter=2000)
    est = np.asarray(fit.params[: len(data.terms)])
    se = np.asarray(fit.bse[: len(data.terms)])
    z = est / se
    return pd.DataFrame(
        {"term": data.terms, "estimate": est, "se": se, "z": z, "p": 2 * norm.sf(np.abs(z))}
    )
