"""Balanced assignment: least-assigned items first, never beyond the target (not even under
concurrent joins), a full campaign said before consent, nobody sees an item twice."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from coalign.core.errors import ConflictError
from coalign.participation.access import Seat
from coalign.rating.assignment import HOLD, rating_page
from coalign.rating.campaigns import set_campaign_status
from coalign.rating.flow import next_step
from coalign.store import Store
from coalign.store.rating_tables import AssignmentRow, EnrollmentRow
from coalign.store.tables import utcnow
from tests.rating.helpers import crowd_seat, make_campaign, ready_seat


def assignments(store: Store) -> list[AssignmentRow]:
    with store.read() as session:
        return list(
            session.scalars(
                select(AssignmentRow).order_by(AssignmentRow.participant_id, AssignmentRow.position)
            )
        )


def test_every_item_reaches_its_target_and_nobody_gets_one_twice(store: Store) -> None:
    make_campaign(store)  # 6 items, 3 per person, r = 2 -> 4 people fill every item exactly
    for n in range(4):
        assert next_step(store, ready_seat(store, f"P{n}")).kind == "item"
    rows = assignments(store)
    items = [r for r in rows if r.kind == "item"]
    assert sorted(Counter(r.item_id for r in items).values()) == [2] * 6
    for person in {r.participant_id for r in rows}:
        theirs = [r.item_id for r in rows if r.participant_id == person]
        assert len(theirs) == len(set(theirs)) == 4  # 3 items + 1 attention check
        kinds = [r.kind for r in rows if r.participant_id == person]
        assert kinds == ["item", "attention", "item", "item"]  # the check sits at position 2


def test_assignment_happens_once_per_person(store: Store) -> None:
    make_campaign(store)
    seat = ready_seat(store, "P0")
    first = next_step(store, seat)
    assert next_step(store, seat) == first
    assert len(assignments(store)) == 4


def one_each(store: Store, n_items: int = 2, **overrides: object) -> None:
    """A campaign where each person rates one item and each item wants one rating."""
    settings: dict[str, object] = dict(
        items_per_participant=1, target_ratings=1, attention_positions=[], attention_checks=[]
    )
    make_campaign(store, n_items=n_items, **{**settings, **overrides})


def test_no_item_is_given_beyond_its_target(store: Store) -> None:
    one_each(store)
    kinds = [next_step(store, ready_seat(store, f"P{n}")).kind for n in range(4)]
    assert kinds == ["item", "item", "full", "full"]
    assert sorted(Counter(r.item_id for r in assignments(store)).values()) == [1, 1]


def test_a_person_gets_fewer_items_when_few_are_left(store: Store) -> None:
    make_campaign(store, n_items=4, target_ratings=1)  # 3 items per person, a check at 2
    first, second = ready_seat(store, "P0"), ready_seat(store, "P1")
    next_step(store, first)
    next_step(store, second)
    rows = assignments(store)

    def kinds(seat: Seat) -> list[str]:
        return [r.kind for r in rows if r.participant_id == seat.participant_id]

    assert kinds(first) == ["item", "attention", "item", "item"]
    assert kinds(second) == ["item", "attention"]  # the one item left, then the check
    assert sorted(Counter(r.item_id for r in rows if r.kind == "item").values()) == [1] * 4
    assert next_step(store, ready_seat(store, "P2")).kind == "full"


def test_a_full_campaign_says_so_before_consent_for_good(store: Store) -> None:
    one_each(store, completion_url="https://app.prolific.com/submissions/complete?cc={code}")
    for n in range(2):
        assert next_step(store, ready_seat(store, f"P{n}")).kind == "item"
    late = crowd_seat(store, "LATE")
    step = next_step(store, late)
    assert (step.kind, step.code) == ("full", "NOPE-9")
    assert step.redirect_url == "https://app.prolific.com/submissions/complete?cc=NOPE-9"
    with store.read() as session:
        status = session.scalars(
            select(EnrollmentRow.status).where(EnrollmentRow.participant_id == late.participant_id)
        ).one()
    assert status == "full"
    with store.session() as session:  # the first two walk away: their items are free again
        session.execute(
            update(EnrollmentRow).values(created_at=utcnow() - HOLD - timedelta(hours=1))
        )
    assert next_step(store, late).kind == "full"  # a person told to go back stays told
    assert next_step(store, ready_seat(store, "NEXT")).kind == "item"


def test_items_of_people_who_walked_away_go_to_the_next_people(store: Store) -> None:
    one_each(store)
    seats = [ready_seat(store, f"P{n}") for n in range(2)]
    for seat in seats:
        next_step(store, seat)
    walked_away = seats[0].participant_id
    (freed,) = [r.item_id for r in assignments(store) if r.participant_id == walked_away]
    with store.session() as session:  # P0 joined four hours ago and never submitted
        session.execute(
            update(EnrollmentRow)
            .where(EnrollmentRow.participant_id == walked_away)
            .values(created_at=utcnow() - HOLD - timedelta(hours=1))
        )
    newcomer = ready_seat(store, "P2")
    assert next_step(store, newcomer).kind == "item"
    latest = [r for r in assignments(store) if r.participant_id == newcomer.participant_id]
    assert [r.item_id for r in latest] == [freed], "only the abandoned item is below its target"


def test_concurrent_joins_never_overfill_an_item(store: Store) -> None:
    """8 items × r = 3 at 3 per person: 8 people fill every item exactly, 2 more find it full."""
    one_each(store, n_items=8, items_per_participant=3, target_ratings=3)

    def join(n: int) -> str:
        return next_step(store, ready_seat(store, f"T{n}")).kind

    with ThreadPoolExecutor(max_workers=10) as pool:
        kinds = list(pool.map(join, range(10)))
    assert sorted(kinds) == ["full"] * 2 + ["item"] * 8
    rows = assignments(store)
    assert sorted(Counter(r.item_id for r in rows).values()) == [3] * 8
    assert sorted(Counter(r.participant_id for r in rows).values()) == [3] * 8


def test_closed_campaign_assigns_nothing(store: Store) -> None:
    campaign = make_campaign(store)
    seat = ready_seat(store, "P0")
    set_campaign_status(store, campaign.id, "closed")
    assert next_step(store, seat).kind == "closed"
    assert assignments(store) == []
    with pytest.raises(ConflictError, match="closed"):
        crowd_seat(store, "LATECOMER")


def test_rating_page_shows_definitions_and_scale_labels(store: Store) -> None:
    make_campaign(store, translations={"de": {"fairness": {"definition": "Gleichbehandlung."}}})
    seat = ready_seat(store, "P0")
    step = next_step(store, seat)
    page = rating_page(store, seat, step.assignment_id)
    assert [d.name for d in page.dimensions] == ["fairness", "safety"]
    assert page.dimensions[0].definition.startswith("Treats people equally")
    assert (
        page.dimensions[0].labels[0] == "strongly disagree" and len(page.dimensions[0].labels) == 5
    )
    assert (page.position, page.total) == (1, 4)
    german = rating_page(store, seat, step.assignment_id, "de")
    assert german.dimensions[0].definition == "Gleichbehandlung."
    assert (
        german.dimensions[1].definition == page.dimensions[1].definition
    )  # untranslated stays English
