"""``coalign analyze campaign:SLUG``: one campaign's ratings, attention checks and other items left out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coalign.analysis import load_campaign_ratings
from coalign.cli.main import run
from coalign.core.errors import InputError, NotFoundError
from coalign.core.items import Item, Rating
from coalign.rating.campaigns import campaign_item_ids, resolve_campaign
from coalign.store import Store
from coalign.store.participation_tables import DemographicAnswerRow, ParticipantRow
from coalign.store.rating_tables import CampaignItemRow
from coalign.store.ratings import save_items, save_ratings
from coalign.store.studies import study_row
from tests.rating.helpers import make_campaign


def test_campaign_ratings_exclude_checks_and_other_items(store: Store) -> None:
    stored = make_campaign(store)
    ids = campaign_item_ids(store, stored.id)
    assert len(ids) == 6
    with store.read() as session:
        checks = session.scalars(
            select(CampaignItemRow.item_id).where(
                CampaignItemRow.campaign_id == stored.id, CampaignItemRow.kind != "item"
            )
        ).all()
    save_items(store, [Item(id="elsewhere", study_slug="mini", prompt="p", response="r")])
    with store.session() as session:
        study_id = study_row(session, "mini").id
        for pid, gender in (("p1", "woman"), ("p2", "man")):
            session.add(ParticipantRow(id=pid, study_id=study_id))
            session.flush()
            session.add(DemographicAnswerRow(participant_id=pid, question="gender", answer=gender))
    rated = [*ids[:3], "elsewhere", *checks]
    save_ratings(
        store,
        [
            Rating(item_id=i, participant_id=p, dimension="fairness", value=3)
            for i in rated
            for p in ("p1", "p2")
        ],
    )
    frame = load_campaign_ratings(store, "pilot")
    assert sorted(frame["item"].unique()) == sorted(ids[:3])
    assert set(frame["gender"]) == {"woman", "man"}
    assert resolve_campaign(store, "mini/pilot").id == stored.id


def test_unknown_ambiguous_and_unrated_campaigns_are_clear(store: Store) -> None:
    make_campaign(store)
    with pytest.raises(NotFoundError, match="no rating campaign 'nope'"):
        resolve_campaign(store, "nope")
    with pytest.raises(InputError, match="campaign 'pilot': no ratings"):
        load_campaign_ratings(store, "pilot")


def test_cli_names_a_missing_campaign(tmp_path, capsys) -> None:
    db = str(tmp_path / "c.db")
    assert run(["--db", db, "analyze", "campaign:nope", "--out", str(tmp_path / "out")]) == 1
    assert "no rating campaign 'nope'" in capsys.readouterr().err
