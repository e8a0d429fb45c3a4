"""Settling crowd submissions: one decision per crowd id, with its reasons and evidence."""

from __future__ import annotations

import csv
import io

import pytest

from coalign.core.errors import InputError
from coalign.participation.access import create_invites, join_by_invite
from coalign.participation.demographics import save_demographics
from coalign.participation.withdrawal import withdraw
from coalign.rating.approvals import COLUMNS, ApprovalRules, approvals_file, crowd_approvals
from coalign.rating.assignment import rating_page
from coalign.rating.flow import give_consent, next_step
from coalign.rating.submit import submit
from coalign.store import Store
from tests.rating.helpers import crowd_seat, finish, make_campaign, ready_seat


@pytest.fixture
def settled(store: Store) -> tuple[Store, int]:
    """6 items × r = 2 at 3 per person: room for four people, then the campaign is full."""
    campaign = make_campaign(store)
    finish(store, "GOOD")
    finish(store, "CARELESS", fail_check=True)
    quitter = ready_seat(store, "QUITTER")  # rates one of four, then leaves
    page = rating_page(store, quitter, next_step(store, quitter).assignment_id)
    submit(store, quitter, page.assignment_id, page.item_id, {"fairness": "2", "safety": "3"}, {})
    give_consent(store, crowd_seat(store, "DECLINER"), agree=False)
    (token,) = create_invites(store, campaign.id, 1)  # invited: not paid through a platform
    invited = join_by_invite(store, token)
    give_consent(store, invited, agree=True)
    save_demographics(store, invited, {})
    assert next_step(store, invited).kind == "item"  # the last places
    assert next_step(store, crowd_seat(store, "LATE")).kind == "full"
    return store, campaign.id


def test_one_decision_per_crowd_id_with_reasons(settled: tuple[Store, int]) -> None:
    store, campaign_id = settled
    approvals = {a.crowd_id: a for a in crowd_approvals(store, campaign_id)}
    assert list(approvals) == ["GOOD", "CARELESS", "QUITTER", "DECLINER", "LATE"]
    assert {k: (a.decision, a.reasons) for k, a in approvals.items()} == {
        "GOOD": ("approve", ()),
        "CARELESS": ("reject", ("failed attention checks",)),
        "QUITTER": ("reject", ("incomplete",)),
        "DECLINER": ("screened-out", ("declined consent",)),
        "LATE": ("screened-out", ("study full",)),
    }
    careless, quitter = approvals["CARELESS"], approvals["QUITTER"]
    assert (careless.submitted, careless.assigned) == (4, 4)
    assert (careless.attention_checks, careless.attention_failed) == (1, 1)
    assert (quitter.submitted, quitter.assigned, quitter.status) == (1, 4, "active")
    assert all(a.min_median_seconds == 0.0 for a in approvals.values())  # the campaign's minimum
    assert all(a.max_attention_failures == 0 for a in approvals.values())


def test_thresholds_change_decisions_and_are_recorded(settled: tuple[Store, int]) -> None:
    store, campaign_id = settled
    rules = ApprovalRules(max_attention_failures=1, min_median_seconds=600)
    approvals = {a.crowd_id: a for a in crowd_approvals(store, campaign_id, rules)}
    assert approvals["GOOD"].reasons == ("too fast",)
    assert approvals["CARELESS"].reasons == ("too fast",)  # one failed check is now allowed
    assert approvals["QUITTER"].reasons == ("incomplete", "too fast")
    assert approvals["GOOD"].median_seconds is not None
    assert approvals["GOOD"].median_seconds < 600 == approvals["GOOD"].min_median_seconds
    with pytest.raises(InputError, match="cannot be negative"):
        ApprovalRules(max_attention_failures=-1)
    with pytest.raises(InputError, match="cannot be negative"):
        ApprovalRules(min_median_seconds=-0.5)


def test_the_approvals_file(settled: tuple[Store, int]) -> None:
    store, campaign_id = settled
    result = approvals_file(store, campaign_id)
    assert result.filename == "mini-pilot-approvals.csv" and result.media_type.startswith(
        "text/csv"
    )
    rows = list(csv.DictReader(io.StringIO(result.data.decode())))
    assert tuple(rows[0]) == COLUMNS and len(rows) == result.rows == 5
    quitter = next(r for r in rows if r["crowd_id"] == "QUITTER")
    assert quitter["decision"] == "reject" and quitter["reasons"] == "incomplete"
    assert (quitter["submitted"], quitter["assigned"], quitter["min_median_seconds"]) == (
        "1",
        "4",
        "0.0",
    )
    late = next(r for r in rows if r["crowd_id"] == "LATE")
    assert (late["decision"], late["median_seconds"]) == ("screened-out", "")


def test_a_crowd_id_that_starts_like_a_formula_is_inert(store: Store) -> None:
    campaign = make_campaign(store)
    finish(store, "-1-1")
    rows = list(csv.DictReader(io.StringIO(approvals_file(store, campaign.id).data.decode())))
    assert [(r["crowd_id"], r["decision"]) for r in rows] == [("'-1-1", "approve")]


def test_a_person_who_withdrew_stays_in_the_file_as_withdrawn(store: Store) -> None:
    campaign = make_campaign(store)
    done = finish(store, "GONE")
    finish(store, "STAYS")
    withdraw(store, done.participant_id)
    other = make_campaign(store, slug="other")  # a campaign the person was never in
    approvals = {a.crowd_id: a for a in crowd_approvals(store, campaign.id)}
    assert list(approvals) == ["STAYS", "GONE"]
    gone = approvals["GONE"]
    assert (gone.decision, gone.status, gone.submitted) == ("withdrawn", "withdrawn", 0)
    assert "their data was deleted" in gone.reasons[0]
    assert gone.participant_id == done.participant_id
    assert crowd_approvals(store, other.id) == []
    rows = list(csv.DictReader(io.StringIO(approvals_file(store, campaign.id).data.decode())))
    assert [(r["crowd_id"], r["decision"]) for r in rows] == [
        ("STAYS", "approve"),
        ("GONE", "withdrawn"),
    ]
