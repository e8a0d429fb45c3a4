"""Items and ratings in the store: all-or-nothing batches, idempotent re-submits, long format."""

from __future__ import annotations

import pytest

from coalign.core.errors import InputError, NotFoundError
from coalign.core.items import Item, Rating
from coalign.store import Store
from coalign.store.participation_tables import DemographicAnswerRow, ParticipantRow
from coalign.store.ratings import ratings_long_format, save_items, save_ratings
from coalign.store.studies import study_row
from coalign.study import import_study

MINI = "tests/fixtures/mini_study.yaml"


def add_people(store: Store, slug: str, answers: dict[str, dict[str, str]]) -> None:
    """Participants with demographic answers, written the way the web app stores them."""
    with store.session() as session:
        study_id = study_row(session, slug).id
        for pid, questions in answers.items():
            session.add(ParticipantRow(id=pid, study_id=study_id))
            session.flush()
            for question, answer in questions.items():
                session.add(
                    DemographicAnswerRow(participant_id=pid, question=question, answer=answer)
                )


@pytest.fixture
def rated(store: Store) -> Store:
    import_study(store, MINI)
    add_people(
        store,
        "mini",
        {
            "p1": {"country": "Germany", "gender": "woman"},
            "p2": {"country": "Kenya", "gender": "prefer not to say"},
        },
    )
    save_items(
        store,
        [Item(id=f"i{n}", study_slug="mini", prompt=f"prompt {n}", response="r") for n in (1, 2)],
    )
    return store


def test_items_are_stored_once(rated: Store) -> None:
    again = [
        Item(id="i1", study_slug="mini", prompt="prompt 1", response="r"),
        Item(id="i3", study_slug="mini", prompt="prompt 3", response="r"),
    ]
    assert save_items(rated, again) == 1


def test_resubmitting_the_same_ratings_adds_nothing(rated: Store) -> None:
    batch = [
        Rating(item_id="i1", participant_id="p1", dimension="respect", value=4, seconds_taken=3.5),
        Rating(item_id="i2", participant_id="p1", dimension="respect", value=2),
    ]
    assert save_ratings(rated, batch) == 2
    assert save_ratings(rated, batch) == 0
    frame = ratings_long_format(rated, "mini", with_time=True)
    assert len(frame) == 2
    assert frame.loc[frame["item"] == "i1", "seconds_taken"].item() == 3.5


def test_a_contradicting_rating_is_refused_and_the_batch_is_not_half_written(rated: Store) -> None:
    save_ratings(rated, [Rating(item_id="i1", participant_id="p1", dimension="respect", value=4)])
    batch = [
        Rating(item_id="i2", participant_id="p2", dimension="respect", value=5),
        Rating(item_id="i1", participant_id="p1", dimension="respect", value=1),
    ]
    with pytest.raises(InputError, match="already rated item 'i1'"):
        save_ratings(rated, batch)
    assert len(ratings_long_format(rated, "mini")) == 1


def test_unknown_item_or_participant_saves_nothing(rated: Store) -> None:
    with pytest.raises(NotFoundError, match="no item 'nope'"):
        save_ratings(
            rated,
            [
                Rating(item_id="i1", participant_id="p1", dimension="d", value=3),
                Rating(item_id="nope", participant_id="p1", dimension="d", value=3),
            ],
        )
    with pytest.raises(NotFoundError, match="no participant 'ghost'"):
        save_ratings(rated, [Rating(item_id="i1", participant_id="ghost", dimension="d", value=3)])
    assert ratings_long_format(rated, "mini").empty


def test_long_format_carries_demographics_only_when_asked(rated: Store) -> None:
    save_ratings(
        rated,
        [
            Rating(item_id=i, participant_id=p, dimension="respect", value=v)
            for i, p, v in [("i1", "p1", 4), ("i1", "p2", 2), ("i2", "p2", 3)]
        ],
    )
    plain = ratings_long_format(rated, "mini")
    assert list(plain.columns) == ["item", "rater", "dimension", "value"]
    full = ratings_long_format(rated, "mini", with_demographics=True)
    assert set(full.columns) == {"item", "rater", "dimension", "value", "country", "gender"}
    assert set(full.loc[full["rater"] == "p2", "gender"]) == {"prefer not to say"}
    assert list(ratings_long_format(rated, "mini", item_ids=["i2"])["item"]) == ["i2"]


def test_unknown_study_is_named(rated: Store) -> None:
    with pytest.raises(NotFoundError, match="no study 'other'"):
        ratings_long_format(rated, "other")
