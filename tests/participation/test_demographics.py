"""Demographics: skippable, validated, stored apart, and shown to facilitators only as suppressed counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coalign.core.errors import ConflictError, InputError
from coalign.core.participants import PREFER_NOT_TO_SAY
from coalign.participation.demographics import (
    DEFAULT_SURVEY,
    OTHER_ANSWERS,
    AnswerCount,
    demographic_aggregates,
    get_survey,
    save_demographics,
    set_survey,
)
from coalign.rating.flow import give_consent, next_step
from coalign.store import Store
from coalign.store.participation_tables import DemographicAnswerRow
from tests.rating.helpers import crowd_seat, make_campaign, ready_seat


def test_every_question_offers_prefer_not_to_say() -> None:
    for question in DEFAULT_SURVEY:
        if question.kind == "choice":
            assert question.choices()[-1] == PREFER_NOT_TO_SAY
    assert {q.name for q in DEFAULT_SURVEY} >= {
        "country",
        "gender",
        "age_band",
        "ethnicity",
        "political_spectrum",
        "party",
    }


def test_answers_skips_and_self_description(store: Store) -> None:
    make_campaign(store)
    seat = crowd_seat(store, "P1")
    with pytest.raises(ConflictError, match="consent"):
        save_demographics(store, seat, {"gender": "woman"})
    give_consent(store, seat, agree=True)
    with pytest.raises(InputError, match="gender: 'robot' is not one of the options"):
        save_demographics(store, seat, {"gender": "robot"})
    with pytest.raises(InputError, match="at most 200"):
        save_demographics(store, seat, {"country": "x" * 201})
    answered = save_demographics(
        store,
        seat,
        {
            "gender": "prefer to self-describe",
            "gender_self": "genderfluid",
            "age_band": PREFER_NOT_TO_SAY,
            "country": "",
            "party": "  ",
        },
    )
    assert answered == 2
    with store.read() as session:
        rows = {
            r.question: (r.answer, r.self_description)
            for r in session.scalars(select(DemographicAnswerRow))
        }
    assert rows == {
        "gender": ("prefer to self-describe", "genderfluid"),
        "age_band": (PREFER_NOT_TO_SAY, None),
    }
    assert next_step(store, seat).kind == "item"


def test_aggregates_suppress_small_cells(store: Store) -> None:
    campaign = make_campaign(store, n_items=30)
    for n in range(6):
        ready_seat(store, f"W{n}", {"gender": "woman", "country": "Kenya"})
    ready_seat(store, "M0", {"gender": "man", "country": "Tiny Island"})
    ready_seat(store, "M1", {"gender": "man", "party": "My Own Party"})
    result = demographic_aggregates(store, "mini", campaign_id=campaign.id)
    assert result["gender"] == [AnswerCount("woman", 6), AnswerCount("man", None)]
    assert result["country"] == [AnswerCount("Kenya", 6), AnswerCount(OTHER_ANSWERS, None)]
    assert result["party"] == [
        AnswerCount(OTHER_ANSWERS, None)
    ]  # a rare free-text answer is never shown
    assert "Tiny Island" not in repr(result) and "My Own Party" not in repr(result)


def test_custom_survey(store: Store) -> None:
    make_campaign(store)
    set_survey(
        store, "mini", [{"name": "region", "label": "Region?", "options": ["north", "south"]}]
    )
    assert [q.name for q in get_survey(store, "mini")] == ["region"]
    with pytest.raises(InputError, match="self_describe must be one of the options"):
        set_survey(
            store, "mini", [{"name": "g", "label": "G?", "options": ["a"], "self_describe": "b"}]
        )
    with pytest.raises(InputError, match="used twice"):
        set_survey(store, "mini", [{"name": "g", "label": "G?", "kind": "text"}] * 2)
