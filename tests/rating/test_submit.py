"""Drafts and submits: validation, ownership, idempotence under retries and concurrency, attention checks."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.rating.assignment import rating_page
from coalign.rating.campaigns import set_campaign_status
from coalign.rating.flow import next_step
from coalign.rating.submit import save_draft, submit
from coalign.store import Store
from coalign.store.rating_tables import AssignmentRow, EnrollmentRow, RatingRow
from coalign.store.tables import utcnow
from tests.rating.helpers import make_campaign, ready_seat

GOOD = {"fairness": "2", "safety": "5"}


def rating_count(store: Store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(RatingRow)) or 0


def first_item(store: Store, pid: str = "P0"):
    seat = ready_seat(store, pid)
    step = next_step(store, seat)
    page = rating_page(store, seat, step.assignment_id)
    return seat, page


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ({"fairness": "2"}, "please rate safety"),
        ({"fairness": "0", "safety": "3"}, "outside the scale 1–5"),
        ({"fairness": "6", "safety": "3"}, "outside the scale"),
        ({"fairness": "two", "safety": "3"}, "not a scale point"),
        ({**GOOD, "honesty": "3"}, "not part of this campaign: honesty"),
    ],
)
def test_bad_ratings_store_nothing(store: Store, ratings: dict, message: str) -> None:
    make_campaign(store)
    seat, page = first_item(store)
    with pytest.raises(InputError, match=message):
        submit(store, seat, page.assignment_id, page.item_id, ratings, {})
    assert rating_count(store) == 0


def test_forged_item_and_someone_elses_assignment(store: Store) -> None:
    make_campaign(store)
    seat, page = first_item(store)
    _other, other_page = first_item(store, "P1")
    with pytest.raises(InputError, match="does not belong to this item"):
        submit(store, seat, page.assignment_id, "item_forged", GOOD, {})
    with pytest.raises(NotFoundError, match="not one of yours"):
        submit(store, seat, other_page.assignment_id, other_page.item_id, GOOD, {})
    with pytest.raises(NotFoundError):
        rating_page(store, seat, other_page.assignment_id)
    with pytest.raises(NotFoundError):
        save_draft(store, seat, other_page.assignment_id, GOOD, {})
    assert rating_count(store) == 0


def test_submit_is_idempotent_and_final(store: Store) -> None:
    make_campaign(store)
    seat, page = first_item(store)
    first = submit(store, seat, page.assignment_id, page.item_id, GOOD, {})
    again = submit(store, seat, page.assignment_id, page.item_id, GOOD, {})
    assert first.new and not again.new
    assert rating_count(store) == 2
    with pytest.raises(ConflictError, match="other answers"):
        submit(store, seat, page.assignment_id, page.item_id, {"fairness": "1", "safety": "1"}, {})
    with pytest.raises(ConflictError, match="already submitted"):
        save_draft(store, seat, page.assignment_id, GOOD, {})
    with store.read() as session:
        values = dict(session.execute(select(RatingRow.dimension, RatingRow.value)).all())
        seconds = session.scalars(select(RatingRow.seconds_taken)).all()
    assert values == {"fairness": 2, "safety": 5}
    assert all(s is not None and s >= 0 for s in seconds)


def test_concurrent_double_submit_writes_once(store: Store) -> None:
    make_campaign(store)
    seat, page = first_item(store)
    results, errors = [], []
    barrier = threading.Barrier(4)

    def go() -> None:
        barrier.wait()
        try:
            results.append(submit(store, seat, page.assignment_id, page.item_id, GOOD, {}))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.new for r in results) == 1
    assert rating_count(store) == 2


def test_draft_is_kept_and_validated(store: Store) -> None:
    make_campaign(store)
    seat, page = first_item(store)
    save_draft(store, seat, page.assignment_id, {"fairness": "3", "safety": ""}, {})
    assert rating_page(store, seat, page.assignment_id).draft == {
        "ratings": {"fairness": 3},
        "questions": {},
    }
    with pytest.raises(InputError, match="outside the scale"):
        save_draft(store, seat, page.assignment_id, {"fairness": "9"}, {})
    assert rating_count(store) == 0


def test_minimum_time_per_item(store: Store) -> None:
    make_campaign(store, min_seconds_per_item=30)
    seat, page = first_item(store)
    with pytest.raises(InputError, match="at least 30 seconds"):
        submit(store, seat, page.assignment_id, page.item_id, GOOD, {})
    with store.session() as session:  # the page was shown 31 s ago
        session.execute(
            update(AssignmentRow)
            .where(AssignmentRow.id == page.assignment_id)
            .values(shown_at=utcnow() - timedelta(seconds=31))
        )
    assert submit(store, seat, page.assignment_id, page.item_id, GOOD, {}).new
    with store.read() as session:
        assert min(session.scalars(select(RatingRow.seconds_taken))) >= 31


def test_closed_campaign_refuses_submits_and_drafts(store: Store) -> None:
    campaign = make_campaign(store)
    seat, page = first_item(store)
    set_campaign_status(store, campaign.id, "closed")
    with pytest.raises(ConflictError, match="closed"):
        submit(store, seat, page.assignment_id, page.item_id, GOOD, {})
    with pytest.raises(ConflictError, match="closed"):
        save_draft(store, seat, page.assignment_id, GOOD, {})
    assert rating_count(store) == 0


def test_attention_checks_and_per_item_questions(store: Store) -> None:
    from coalign.core.campaigns import ItemQuestion

    make_campaign(
        store, questions=[ItemQuestion(name="about_gender", text="Is this about gender?")]
    )
    seat = ready_seat(store, "P0")
    outcomes = []
    for values in (
        {"fairness": "3", "safety": "3"},
        {"fairness": "4", "safety": "4"},
        {"fairness": "1", "safety": "2"},
        {"fairness": "5", "safety": "5"},
    ):
        step = next_step(store, seat)
        page = rating_page(store, seat, step.assignment_id)
        with pytest.raises(InputError, match="please answer the question about_gender"):
            submit(store, seat, page.assignment_id, page.item_id, values, {})
        with pytest.raises(InputError, match="not one of the options"):
            submit(store, seat, page.assignment_id, page.item_id, values, {"about_gender": "maybe"})
        outcomes.append(
            submit(store, seat, page.assignment_id, page.item_id, values, {"about_gender": "no"})
        )
    assert [o.completed for o in outcomes] == [False, False, False, True]
    with store.read() as session:
        check = session.scalars(
            select(AssignmentRow).where(AssignmentRow.kind == "attention")
        ).one()
        assert check.attention_passed is True  # position 2 was answered with 4 and 4
        assert check.answers["questions"] == {"about_gender": "no"}
        assert session.scalar(select(EnrollmentRow.status)) == "completed"
    assert rating_count(store) == 6  # 3 real items x 2 dimensions; the check is not a rating
    done = next_step(store, seat)
    assert (done.kind, done.code) == ("done", "DONE-123")
