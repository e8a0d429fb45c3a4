"""Getting in: invite links (hashed tokens, expiry), crowd-platform links (create or resume), consent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coalign.core.errors import AccessDeniedError, InputError, LinkExpiredError, NotFoundError
from coalign.participation.access import create_invites, hash_token, join_by_invite, join_from_crowd
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


def test_crowd_link_creates_then_resumes(store: Store) -> None:
    make_campaign(store)
    first = crowd_seat(store, "PID1")
    again = join_from_crowd(
        store, "mini", "pilot", {"PROLIFIC_PID": "PID1", "STUDY_ID": "s1", "SESSION_ID": "second"}
    )
    assert first == again
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(ParticipantRow)) == 1
        ids = session.scalars(select(ParticipantRow.external_ids)).one()
    assert ids["PROLIFIC_PID"] == "PID1" and ids["SESSION_IDS"] == ["xPID1", "second"]


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
