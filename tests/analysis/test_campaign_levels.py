"""Item-level random and fixed effects on a rating campaign stored on both engines.

The ratings of a simulated study 003 in small (items under five contexts) are
stored as a campaign; the mixed models fitted from the store match the ones
fitted from the same ratings as a file.
"""

from __future__ import annotations

import pandas as pd
import pytest

from coalign.analysis import (
    AnalysisOptions,
    SimulationSpec,
    fit_clmm,
    load_campaign_ratings,
    run_analysis,
    simulate_ratings,
)
from coalign.analysis.data import column_levels
from coalign.core.campaigns import ImportedItem
from coalign.core.items import Rating
from coalign.rating.campaigns import create_campaign
from coalign.store import Store
from coalign.store.participation_tables import DemographicAnswerRow, ParticipantRow
from coalign.store.ratings import save_ratings
from coalign.store.studies import study_row
from coalign.study import import_study
from tests.rating.helpers import MINI, campaign_settings

from .helpers import CONTEXTS


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    spec = SimulationSpec(
        n_raters=40,
        ratings_per_rater=5,
        n_items=15,
        item_sd=0.3,
        factors={"gender": {"woman": 0.0, "man": -0.5}},
        item_factors={"context": CONTEXTS},
        dimension="fairness",
        seed=31,
    )
    return simulate_ratings(spec)


def _store_campaign(store: Store, frame: pd.DataFrame) -> None:
    """The ratings as campaign 'pilot' of the mini study: items with their contexts, raters with gender."""
    import_study(store, MINI)
    items = frame.drop_duplicates("item").sort_values("item")
    create_campaign(
        store,
        campaign_settings(dimensions=["fairness"]),
        [
            ImportedItem(
                id=r.item, prompt=f"Question {r.item}?", response="An answer.", context=r.context
            )
            for r in items.itertuples()
        ],
    )
    with store.session() as session:
        study_id = study_row(session, "mini").id
        for rater, gender in frame.drop_duplicates("rater")[["rater", "gender"]].itertuples(
            index=False
        ):
            session.add(ParticipantRow(id=rater, study_id=study_id))
            session.flush()
            session.add(
                DemographicAnswerRow(participant_id=rater, question="gender", answer=gender)
            )
    save_ratings(
        store,
        [
            Rating(
                item_id=r.item, participant_id=r.rater, dimension=r.dimension, value=int(r.value)
            )
            for r in frame.itertuples()
        ],
    )


def test_item_level_effects_from_a_stored_campaign(store: Store, ratings: pd.DataFrame) -> None:
    _store_campaign(store, ratings)
    loaded = load_campaign_ratings(store, "pilot")
    assert len(loaded) == len(ratings)
    levels = column_levels(loaded)
    assert levels["gender"] == "rater" and levels["context"] == "item"

    reference = {"gender": "woman", "context": "none"}
    for random, fixed in (
        (["rater", "item"], ["gender", "context"]),
        (["rater", "context"], ["gender"]),
    ):
        from_store = fit_clmm(loaded, fixed, random, reference=reference)
        from_file = fit_clmm(ratings, fixed, random, reference=reference)
        assert from_store.beta == pytest.approx(from_file.beta, abs=1e-6), random
        assert from_store.random_sd == pytest.approx(from_file.random_sd, abs=1e-6), random
        assert from_store.loglik == pytest.approx(from_file.loglik, abs=1e-6), random
    assert {"context[empathy]", "context[patriarchy]"} <= set(
        fit_clmm(loaded, ["gender", "context"], ["rater", "item"], reference=reference).beta
    )

    result = run_analysis(
        loaded,
        AnalysisOptions(
            random=("rater", "context"), n_boot=0, compare_fixed=False, on_model_error="raise"
        ),
    )
    assert result.demographics == ["gender"] and result.fixed_effects == ["gender"]
    assert set(result.models["fairness"].random_sd) == {"rater", "context"}
