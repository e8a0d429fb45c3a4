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


COUNTRY_SURVEY = [
    {"name": "country", "label": "Country?", "options": ["United States", "Germany", "elsewhere"]},
    {
        "name": "ethnicity",
        "label": "Ethnic background?",
        "depends_on": "country",
        "options_by_answer": {
            "United States": ["Hispanic or Latino/a", "self-describe"],
            "Germany": ["Turkish or Kurdish background", "self-describe"],
        },
        "options": ["other background", "self-describe"],
        "self_describe": "self-describe",
        "translations": {
            "de": {
                "options_by_answer": {"Germany": ["türkische oder kurdische Herkunft", "selbst"]},
                "options": ["andere Herkunft", "selbst"],
            }
        },
    },
]


def test_options_that_depend_on_an_earlier_answer(store: Store) -> None:
    make_campaign(store)
    set_survey(store, "mini", COUNTRY_SURVEY)
    ethnicity = get_survey(store, "mini")[1]
    assert ethnicity.choices("Germany") == [
        "Turkish or Kurdish background",
        "self-describe",
        PREFER_NOT_TO_SAY,
    ]
    assert ethnicity.choices(None) == ["other background", "self-describe", PREFER_NOT_TO_SAY]
    assert ethnicity.labels("de", "Germany")[0] == "türkische oder kurdische Herkunft"
    assert ethnicity.labels("de", "United States") == []  # untranslated: the page shows options
    assert ethnicity.option_label("other background", "de") == "andere Herkunft"
    seat = crowd_seat(store, "P1")
    give_consent(store, seat, agree=True)
    with pytest.raises(
        InputError,
        match="ethnicity: 'Hispanic or Latino/a' is not one of the options for country 'Germany'",
    ):
        save_demographics(store, seat, {"country": "Germany", "ethnicity": "Hispanic or Latino/a"})
    with pytest.raises(
        InputError, match="'Turkish or Kurdish background' is not one of the options$"
    ):
        save_demographics(store, seat, {"ethnicity": "Turkish or Kurdish background"})  # no country
    save_demographics(
        store,
        seat,
        {"country": "Germany", "ethnicity": "self-describe", "ethnicity_self": "Sorbian"},
    )
    with store.read() as session:
        row = session.scalars(
            select(DemographicAnswerRow).where(DemographicAnswerRow.question == "ethnicity")
        ).one()
    assert (row.answer, row.self_description) == ("self-describe", "Sorbian")
    save_demographics(store, seat, {"country": PREFER_NOT_TO_SAY, "ethnicity": "other background"})


def test_a_dependent_question_must_follow_a_choice_question_with_those_answers(
    store: Store,
) -> None:
    make_campaign(store)
    country, ethnicity = COUNTRY_SURVEY
    with pytest.raises(InputError, match=r"\[0\].depends_on: 'country' is not an earlier choice"):
        set_survey(store, "mini", [ethnicity, country])
    with pytest.raises(InputError, match=r"\[1\].depends_on: 'country' is not an earlier choice"):
        set_survey(store, "mini", [{"name": "country", "label": "C?", "kind": "text"}, ethnicity])
    with pytest.raises(InputError, match=r"\['Germany'\] are not options of 'country'"):
        set_survey(store, "mini", [country | {"options": ["United States", "France"]}, ethnicity])
    with pytest.raises(InputError, match="depends_on and options_by_answer go together"):
        set_survey(store, "mini", [country, ethnicity | {"depends_on": None}])
