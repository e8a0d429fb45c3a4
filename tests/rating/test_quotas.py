"""Quotas per demographic cell: a full cell screens people out before they rate, never beyond
its target (not even under concurrent arrivals), and the campaign page shows the fill."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, update

from coalign.core.campaigns import Quota
from coalign.core.errors import InputError
from coalign.core.participants import PREFER_NOT_TO_SAY
from coalign.participation.withdrawal import withdraw
from coalign.rating.assignment import HOLD
from coalign.rating.campaigns import get_campaign
from coalign.rating.flow import next_step
from coalign.rating.quotas import CellFill, quota_fills
from coalign.store import Store
from coalign.store.rating_tables import AssignmentRow, EnrollmentRow, QuotaPlaceRow
from coalign.store.tables import utcnow
from tests.rating.helpers import make_campaign, ready_seat

WOMEN_2 = {
    "name": "gender",
    "questions": ["gender"],
    "cells": [{"answers": {"gender": "woman"}, "target": 2}],
}


def gender_age(women_young: int = 1, men_young: int = 1) -> dict[str, Any]:
    return {
        "name": "gender_age",
        "questions": ["gender", "age_band"],
        "cells": [
            {"answers": {"gender": "woman", "age_band": "18-24"}, "target": women_young},
            {"answers": {"gender": "man", "age_band": "18-24"}, "target": men_young},
        ],
    }


def quota_campaign(store: Store, *quotas: dict[str, Any], n_items: int = 40, **more: Any) -> int:
    """A campaign with 40 items, 1 per person, r = 1, no attention checks, and ``quotas``."""
    return make_campaign(
        store,
        n_items=n_items,
        items_per_participant=1,
        target_ratings=1,
        attention_positions=[],
        attention_checks=[],
        quotas=list(quotas),
        **more,
    ).id


def statuses(store: Store) -> dict[str, str]:
    with store.read() as session:
        rows = session.execute(select(EnrollmentRow.participant_id, EnrollmentRow.status))
        return {pid: status for pid, status in rows}


def test_a_full_cell_screens_people_out_before_they_rate(store: Store) -> None:
    quota_campaign(store, gender_age(women_young=2, men_young=1), quota_full_code="Q-FULL")
    young_woman = {"gender": "woman", "age_band": "18-24"}
    assert next_step(store, ready_seat(store, "W1", young_woman)).kind == "item"
    assert next_step(store, ready_seat(store, "W2", young_woman)).kind == "item"
    late = ready_seat(store, "W3", young_woman)
    step = next_step(store, late)
    assert (step.kind, step.code) == ("quota_full", "Q-FULL")
    assert next_step(store, late) == step  # told once, told for good
    assert statuses(store)[late.participant_id] == "quota_full"
    with store.read() as session:
        mine = select(func.count()).where(AssignmentRow.participant_id == late.participant_id)
        assert session.scalar(mine) == 0
    # other cells are untouched; cells the quota does not list take anyone, skipping included
    young_man = {"gender": "man", "age_band": "18-24"}
    assert next_step(store, ready_seat(store, "M1", young_man)).kind == "item"
    assert next_step(store, ready_seat(store, "M2", young_man)).kind == "quota_full"
    older = {"gender": "woman", "age_band": "45-54"}
    assert [next_step(store, ready_seat(store, f"O{n}", older)).kind for n in range(3)] == [
        "item"
    ] * 3
    assert next_step(store, ready_seat(store, "S1", {})).kind == "item"


def test_quota_full_code_defaults_to_the_screen_out_code(store: Store) -> None:
    quota_campaign(store, WOMEN_2 | {"cells": [{"answers": {"gender": "woman"}, "target": 0}]})
    step = next_step(store, ready_seat(store, "W1", {"gender": "woman"}))
    assert (step.kind, step.code) == ("quota_full", "NOPE-9")


def test_a_skipped_question_counts_as_prefer_not_to_say(store: Store) -> None:
    quota = {
        "name": "undisclosed",
        "questions": ["gender"],
        "cells": [{"answers": {"gender": PREFER_NOT_TO_SAY}, "target": 1}],
    }
    quota_campaign(store, quota)
    assert next_step(store, ready_seat(store, "A", {})).kind == "item"
    said = ready_seat(store, "B", {"gender": PREFER_NOT_TO_SAY})
    assert next_step(store, said).kind == "quota_full"


def test_every_quota_must_have_room(store: Store) -> None:
    """Two quotas: a person is admitted only when their cell in each has room, and a refusal
    by the second takes no place in the first."""
    quota_campaign(store, WOMEN_2, gender_age(women_young=1))
    assert (
        next_step(store, ready_seat(store, "W1", {"gender": "woman", "age_band": "18-24"})).kind
        == "item"
    )
    refused = ready_seat(store, "W2", {"gender": "woman", "age_band": "18-24"})
    assert next_step(store, refused).kind == "quota_full"
    assert next_step(store, ready_seat(store, "W3", {"gender": "woman"})).kind == "item"
    assert next_step(store, ready_seat(store, "W4", {"gender": "woman"})).kind == "quota_full"
    with store.read() as session:
        places = session.scalars(select(QuotaPlaceRow.participant_id)).all()
    assert refused.participant_id not in places and len(places) == 4  # W1 and W3, two quotas each


def test_people_who_walked_away_free_their_place(store: Store) -> None:
    quota_campaign(store, WOMEN_2 | {"cells": [{"answers": {"gender": "woman"}, "target": 1}]})
    first = ready_seat(store, "W1", {"gender": "woman"})
    assert next_step(store, first).kind == "item"
    assert next_step(store, ready_seat(store, "W2", {"gender": "woman"})).kind == "quota_full"
    with store.session() as session:  # W1 joined four hours ago and never finished
        session.execute(
            update(EnrollmentRow)
            .where(EnrollmentRow.participant_id == first.participant_id)
            .values(created_at=utcnow() - HOLD - timedelta(hours=1))
        )
    assert next_step(store, ready_seat(store, "W3", {"gender": "woman"})).kind == "item"


def test_concurrent_arrivals_never_overfill_a_cell(store: Store) -> None:
    """12 women arrive at once for a cell of 5: exactly 5 are admitted, 7 are screened out."""
    campaign_id = quota_campaign(
        store, WOMEN_2 | {"cells": [{"answers": {"gender": "woman"}, "target": 5}]}
    )
    seats = [ready_seat(store, f"T{n}", {"gender": "woman"}) for n in range(12)]

    with ThreadPoolExecutor(max_workers=12) as pool:
        kinds = list(pool.map(lambda seat: next_step(store, seat).kind, seats))
    assert Counter(kinds) == {"item": 5, "quota_full": 7}
    with store.read() as session:
        places = session.scalars(select(QuotaPlaceRow.participant_id)).all()
        rated = set(session.scalars(select(AssignmentRow.participant_id)).all())
    assert len(places) == len(set(places)) == 5 and set(places) == rated
    (fill,) = quota_fills(store, campaign_id)
    assert fill.cells == [CellFill(["woman"], target=5, held=5, full=True)]


def test_fill_hides_small_counts_and_survives_withdrawal(store: Store) -> None:
    campaign_id = quota_campaign(store, gender_age(women_young=10, men_young=10))
    seats = [ready_seat(store, f"W{n}", {"gender": "woman", "age_band": "18-24"}) for n in range(6)]
    for seat in seats:
        next_step(store, seat)
    next_step(store, ready_seat(store, "M0", {"gender": "man", "age_band": "18-24"}))
    (fill,) = quota_fills(store, campaign_id)
    assert fill.questions == ["gender", "age_band"]
    assert fill.cells == [
        CellFill(["woman", "18-24"], target=10, held=6, full=False),
        CellFill(["man", "18-24"], target=10, held=None, full=False),  # 1 person: hidden
    ]
    withdraw(store, seats[0].participant_id)
    (fill,) = quota_fills(store, campaign_id)
    assert fill.cells[0].held == 5
    assert get_campaign(store, campaign_id).campaign.quotas[0].name == "gender_age"


def test_quotas_must_name_survey_questions_and_options(store: Store) -> None:
    with pytest.raises(InputError, match=r"quotas: shoe: 'shoe_size' is not a choice question"):
        quota_campaign(
            store,
            {
                "name": "shoe",
                "questions": ["shoe_size"],
                "cells": [{"answers": {"shoe_size": "42"}, "target": 1}],
            },
        )
    with pytest.raises(
        InputError, match=r"quotas: gender: cells\[0\].answers.gender: 'women' is not an option"
    ):
        quota_campaign(store, WOMEN_2 | {"cells": [{"answers": {"gender": "women"}, "target": 1}]})
    with pytest.raises(InputError, match="'country' is not a choice question"):  # free text
        quota_campaign(
            store,
            {
                "name": "c",
                "questions": ["country"],
                "cells": [{"answers": {"country": "Peru"}, "target": 1}],
            },
        )


def test_a_quota_cell_answers_exactly_the_quota_questions() -> None:
    with pytest.raises(ValidationError, match=r"cells\[0\] must answer exactly gender, age_band"):
        Quota.model_validate(
            {
                "name": "q",
                "questions": ["gender", "age_band"],
                "cells": [{"answers": {"gender": "man"}, "target": 1}],
            }
        )
    with pytest.raises(ValidationError, match=r"cells\[1\] repeats an earlier cell"):
        Quota.model_validate(
            {
                "name": "q",
                "questions": ["gender"],
                "cells": [{"answers": {"gender": "man"}, "target": 1}] * 2,
            }
        )
