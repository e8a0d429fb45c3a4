"""Getting in: invite links (hashed tokens, expiry), crowd-platform links (create, or resume with
proof: the seat's browser session or a recorded SESSION_ID), consent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coalign.core.errors import AccessDeniedError, InputError, LinkExpiredError, NotFoundError
from coalign.participation.access import (
    CrowdIdTakenError,
    create_invites,
    hash_token,
    join_by_invite,
    join_from_crowd,
)
from coalign.rating.flow import give_consent, next_step
from coalign.store import Store
from coalign.store.participation_tables import ParticipantRow
from tests.rating.helpers import crowd_seat, make_campaign


def test_invites_store_only_hashes(store: Store) -> None:
    campaign = make_campaign(store)
    tokens = create_invites(store, campaign.id, 3)
    assert len(set(tokens)) == 3
    with store.read() as session:
        hashes = set(session.scalars(select(ParticipantRow.token_hash)))
    assert hashes == {hash_token(t) for t in tokens}
    assert not hashes & set(tokens)
    seat = join_by_invite(store, tokens[0])
    assert seat.campaign_id == campaign.id
    assert join_by_invite(store, tokens[0]) == seat
    with pytest.raises(AccessDeniedError, match="not valid"):
        join_by_invite(store, tokens[0][:-2] + "xx")
    with pytest.raises(AccessDeniedError, match="not valid"):
        join_by_invite(store, "")
    with pytest.raises(InputError, match="between 1 and"):
        create_invites(store, campaign.id, 0)
    with pytest.raises(NotFoundError):
        create_invites(store, 999, 1)


def test_expired_invite(store: Store) -> None:
    campaign = make_campaign(store)
    (token,) = create_invites(store, campaign.id, 1, valid_for=timedelta(seconds=-1))
    with pytest.raises(LinkExpiredError, match="expired"):
        join_by_invite(store, token)


def crowd_link(pid: str, session_id: str) -> dict[str, str]:
    return {"PROLIFIC_PID": pid, "STUDY_ID": "s1", "SESSION_ID": session_id}


def test_crowd_link_creates_then_resumes_the_same_attempt(store: Store) -> None:
    make_campaign(store)
    first = crowd_seat(store, "PID1")
    assert crowd_seat(store, "PID1") == first  # the same SESSION_ID: a reload, a new browser
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(ParticipantRow)) == 1
        ids = session.scalars(select(ParticipantRow.external_ids)).one()
    assert ids["PROLIFIC_PID"] == "PID1" and ids["SESSION_IDS"] == ["xPID1"]


def test_a_known_crowd_id_alone_resumes_nobody(store: Store) -> None:
    make_campaign(store)
    first = crowd_seat(store, "PID1")
    other = crowd_seat(store, "PID2")
    for held in (None, other):  # no session, or a session holding someone else's seat
        with pytest.raises(CrowdIdTakenError, match="already taken part in this study"):
            join_from_crowd(store, "mini", "pilot", crowd_link("PID1", "new"), held=held)
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(ParticipantRow)) == 2
        ids = session.get(ParticipantRow, first.participant_id).external_ids
    assert ids["SESSION_IDS"] == ["xPID1"]  # the refused SESSION_ID is not recorded


def test_the_browser_holding_the_seat_resumes_with_a_new_session_id(store: Store) -> None:
    make_campaign(store)
    first = crowd_seat(store, "PID1")
    again = join_from_crowd(store, "mini", "pilot", crowd_link("PID1", "second"), held=first)
    assert again == first
    # the new attempt is recorded, so its SESSION_ID alone resumes from then on
    assert join_from_crowd(store, "mini", "pilot", crowd_link("PID1", "second")) == first
    with store.read() as session:
        ids = session.get(ParticipantRow, first.participant_id).external_ids
    assert ids["SESSION_IDS"] == ["xPID1", "second"]


def test_a_crowd_id_of_one_campaign_needs_proof_in_another(store: Store) -> None:
    make_campaign(store)
    make_campaign(store, slug="wave-2")
    first = crowd_seat(store, "PID1")
    with pytest.raises(CrowdIdTakenError):
        join_from_crowd(store, "mini", "wave-2", crowd_link("PID1", "other-study"))
    seat = join_from_crowd(store, "mini", "wave-2", crowd_link("PID1", "other-study"), held=first)
    assert seat.participant_id == first.participant_id and seat.campaign_id != first.campaign_id


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"PROLIFIC_PID": "a b", "STUDY_ID": "s", "SESSION_ID": "x"},
        {"PROLIFIC_PID": "<x>", "STUDY_ID": "s", "SESSION_ID": "x"},
        {"PROLIFIC_PID": "a", "STUDY_ID": "s"},
    ],
)
def test_crowd_link_needs_clean_ids(store: Store, params: dict) -> None:
    make_campaign(store)
    with pytest.raises(InputError, match="the study link needs"):
        join_from_crowd(store, "mini", "pilot", params)


def test_crowd_link_to_unknown_campaign(store: Store) -> None:
    make_campaign(store)
    with pytest.raises(NotFoundError, match="no campaign 'nope'"):
        crowd_seat(store, "P", campaign="nope")


def test_declining_consent_screens_out(store: Store) -> None:
    make_campaign(store)
    seat = crowd_seat(store, "P1")
    assert next_step(store, seat).kind == "consent"
    step = give_consent(store, seat, agree=False)
    assert (step.kind, step.code) == ("screened_out", "NOPE-9")
    assert next_step(store, seat).kind == "screened_out"
    other = crowd_seat(store, "P2")
    assert give_consent(store, other, agree=True).kind == "demographics"
