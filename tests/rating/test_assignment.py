"""Balanced assignment: least-assigned items first, each item reaches its target, nobody sees an item twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from coalign.core.errors import ConflictError
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


def test_more_people_than_slots_get_least_assigned_items(store: Store) -> None:
    make_campaign(
        store,
        n_items=2,
        items_per_participant=1,
        target_ratings=1,
        attention_positions=[],
        attention_checks=[],
    )
    for n in range(4):
        next_step(store, ready_seat(store, f"P{n}"))
    counts = Counter(r.item_id for r in assignments(store))
    assert sorted(counts.values()) == [2, 2]  # balanced even beyond the target


def test_items_of_people_who_walked_away_go_to_the_next_people(store: Store) -> None:
    make_campaign(
        store,
        n_items=2,
        items_per_participant=1,
        target_ratings=1,
        attention_positions=[],
        attention_checks=[],
    )
    seats = {f"P{n}": ready_seat(store, f"P{n}") for n in range(3)}
    for seat in seats.values():
        next_step(store, seat)
    holders: dict[str, list[str]] = {}
    for row in assignments(store):
        holders.setdefault(row.item_id, []).append(row.participant_id)
    busy = next(item for item, people in holders.items() if len(people) == 2)
    with (
        store.session() as session
    ):  # both holders of the busy item joined four hours ago, never submitted
        session.execute(
            update(EnrollmentRow)
            .where(EnrollmentRow.participant_id.in_(holders[busy]))
            .values(created_at=utcnow() - HOLD - timedelta(hours=1))
        )
    newcomer = ready_seat(store, "P3")
    next_step(store, newcomer)
    latest = [r for r in assignments(store) if r.participant_id == newcomer.participant_id]
    assert [r.item_id for r in latest] == [busy], "the abandoned item counts 0, the other 1"


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
