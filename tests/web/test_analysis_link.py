"""The facilitator dashboard links the campaign's analysis report (admins only)."""

from __future__ import annotations

import random

import httpx
import pytest

from coalign.core.items import Rating
from coalign.rating.campaigns import campaign_item_ids
from coalign.store.participation_tables import DemographicAnswerRow, ParticipantRow
from coalign.store.ratings import save_ratings
from coalign.store.studies import study_row
from tests.web.conftest import Site, login

pytestmark = pytest.mark.anyio


def rate_campaign(site: Site, raters: int = 16) -> None:
    """Ratings from people of two self-described genders on every item of the campaign."""
    rng = random.Random(5)
    store = site.store
    items = campaign_item_ids(store, site.campaign_id)
    with store.session() as session:
        study_id = study_row(session, "mini").id
        for n in range(raters):
            session.add(ParticipantRow(id=f"r{n}", study_id=study_id))
            session.flush()
            session.add(
                DemographicAnswerRow(
                    participant_id=f"r{n}", question="gender", answer="woman" if n % 2 else "man"
                )
            )
    save_ratings(
        store,
        [
            Rating(item_id=i, participant_id=f"r{n}", dimension=d, value=rng.randint(1, 5))
            for n in range(raters)
            for i in items
            for d in ("fairness", "safety")
        ],
    )


async def test_admin_sees_the_report_facilitator_does_not(
    site: Site, client: httpx.AsyncClient
) -> None:
    rate_campaign(site)
    await login(client, "fac")
    assert 'id="analysis-report"' not in (await client.get(f"/f/campaigns/{site.campaign_id}")).text
    assert (await client.get(f"/f/campaigns/{site.campaign_id}/analysis")).status_code == 403
    async with site.client() as admin:
        await login(admin, "admin")
        assert 'id="analysis-report"' in (await admin.get(f"/f/campaigns/{site.campaign_id}")).text
        report = await admin.get(f"/f/campaigns/{site.campaign_id}/analysis")
        assert report.status_code == 200
        assert "fairness" in report.text and "<svg" in report.text


async def test_a_campaign_without_ratings_gets_a_clear_message(
    site: Site, client: httpx.AsyncClient
) -> None:
    await login(client, "admin")
    response = await client.get(f"/f/campaigns/{site.campaign_id}/analysis")
    assert response.status_code == 422
    assert "no ratings" in response.text
