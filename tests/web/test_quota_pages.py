"""Survey options that depend on an earlier answer, and quotas, through HTTP: the participant's
survey page (in German), the quota-full end page, and the fill per cell on the campaign page."""

from __future__ import annotations

import pytest

from coalign.participation.demographics import set_survey
from coalign.store import Store
from tests.participation.test_demographics import COUNTRY_SURVEY
from tests.web.conftest import CSRF, build_site, join, login, ready

pytestmark = pytest.mark.anyio

ONE_WOMAN = {
    "name": "gender",
    "questions": ["gender"],
    "cells": [{"answers": {"gender": "woman"}, "target": 1}],
}


async def test_the_survey_page_offers_the_list_of_each_answer(sqlite_store: Store) -> None:
    site = build_site(sqlite_store)
    set_survey(sqlite_store, "mini", COUNTRY_SURVEY)
    async with site.client() as client:
        page = await join(client, "DE-1", lang="de")
        token = CSRF.search(page.text).group(1)
        await client.post("/p/consent", data={"csrf_token": token, "choice": "agree"})
        survey = await client.get("/p/demographics")
        text = survey.text
        assert '<script src="/static/demographics.js" defer></script>' in text
        assert 'data-depends-on="country" data-when="Germany"' in text
        assert 'data-depends-on="country" data-when="United States"' in text
        assert 'data-depends-on="country" data-when=""' in text  # everyone else
        assert "türkische oder kurdische Herkunft" in text and "andere Herkunft" in text
        assert "Auswahl für Personen, die oben „Germany“ angegeben haben." in text
        assert "Auswahl für alle anderen Antworten oben." in text
        wrong = await client.post(
            "/p/demographics",
            data={"csrf_token": token, "country": "Germany", "ethnicity": "other background"},
        )
        assert wrong.status_code == 422
        item = await client.post(
            "/p/demographics",
            data={
                "csrf_token": token,
                "country": "Germany",
                "ethnicity": "Turkish or Kurdish background",
            },
            follow_redirects=True,
        )
        assert "/p/items/" in str(item.url)
        assert (await client.get("/static/demographics.js")).status_code == 200


async def test_a_full_cell_ends_with_the_quota_code_and_the_page_shows_the_fill(
    sqlite_store: Store,
) -> None:
    site = build_site(sqlite_store, quotas=[ONE_WOMAN], quota_full_code="Q-FULL")
    async with site.client() as first:
        assert "/p/items/" in str((await ready(first, "W1", {"gender": "woman"})).url)
    async with site.client() as second:
        end = await ready(second, "W2", {"gender": "woman"})
        assert str(end.url).endswith("/p/end")
        assert 'id="quota-full-code">Q-FULL<' in end.text
        assert "We already have enough participants" in end.text
    async with site.client() as facilitator:
        await login(facilitator, "fac")
        page = (await facilitator.get(f"/f/campaigns/{site.campaign_id}")).text
        assert '<table id="quota-gender">' in page
        row = page.split('<table id="quota-gender">')[1].split("</table>")[0]
        assert "<td>woman</td><td>fewer than 5</td><td>1</td><td>cell full</td>" in row
        assert "<code>Q-FULL</code>" in page
