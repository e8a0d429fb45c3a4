"""A participant's way through the web app, in-process: crowd link, consent, demographics, rating, code."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select

from coalign.participation.access import create_invites
from coalign.store.participation_tables import DemographicAnswerRow
from coalign.store.rating_tables import RatingRow
from tests.web.conftest import CSRF, Site, join, ready

pytestmark = pytest.mark.anyio
ITEM_ID = re.compile(r'name="item_id" value="([^"]+)"')


def ratings_in(site: Site) -> int:
    with site.store.read() as session:
        return session.scalar(select(func.count()).select_from(RatingRow)) or 0


async def rate_all(
    client: httpx.AsyncClient, page: httpx.Response, value: str = "4"
) -> httpx.Response:
    while "/p/items/" in str(page.url):
        token, item = CSRF.search(page.text).group(1), ITEM_ID.search(page.text).group(1)
        page = await client.post(
            str(page.url.path),
            data={
                "csrf_token": token,
                "item_id": item,
                "rating.fairness": value,
                "rating.safety": value,
            },
            follow_redirects=True,
        )
    return page


async def test_crowd_participant_completes_the_campaign(
    site: Site, client: httpx.AsyncClient
) -> None:
    consent = await join(client, "PID-1")
    assert consent.status_code == 200 and str(consent.url).endswith("/p/consent")
    assert "Mini study" in consent.text and "<legend>Do you agree" in consent.text
    token = CSRF.search(consent.text).group(1)
    demographics = await client.post(
        "/p/consent", data={"csrf_token": token, "choice": "agree"}, follow_redirects=True
    )
    assert str(demographics.url).endswith("/p/demographics")
    assert demographics.text.count("<fieldset>") >= 3 and "prefer not to say" in demographics.text
    item = await client.post(
        "/p/demographics", data={"csrf_token": token, "gender": "woman"}, follow_redirects=True
    )
    assert "/p/items/" in str(item.url)
    assert '<fieldset class="likert">' in item.text and "Treats people equally" in item.text
    assert 'name="rating.fairness" value="5"' in item.text and "strongly agree" in item.text
    assert 'hx-post="' in item.text and "Item 1 / 4" in item.text
    end = await rate_all(client, item)
    assert str(end.url).endswith("/p/end") and "DONE-123" in end.text
    assert ratings_in(site) == 6
    again = await join(client, "PID-1")  # coming back later shows the code again, nothing new
    assert "DONE-123" in again.text and ratings_in(site) == 6


async def test_declining_consent_shows_the_screen_out_code(
    site: Site, client: httpx.AsyncClient
) -> None:
    token = CSRF.search((await join(client, "PID-2")).text).group(1)
    end = await client.post(
        "/p/consent", data={"csrf_token": token, "choice": "decline"}, follow_redirects=True
    )
    assert "NOPE-9" in end.text
    assert "/p/end" in str((await client.get("/p/next")).headers["location"])


async def test_completion_redirects_to_the_platform(sqlite_store) -> None:
    from tests.web.conftest import build_site

    site = build_site(
        sqlite_store, completion_url="https://app.prolific.com/submissions/complete?cc={code}"
    )
    async with site.client() as client:
        end = await rate_all(client, await ready(client, "PID-3"))
    assert 'href="https://app.prolific.com/submissions/complete?cc=DONE-123"' in end.text
    assert 'http-equiv="refresh"' in end.text


async def test_invite_links(site: Site, client: httpx.AsyncClient) -> None:
    (token,) = create_invites(site.store, site.campaign_id, 1)
    page = await client.get(f"/i/{token}", follow_redirects=True)
    assert str(page.url).endswith("/p/consent")
    wrong = await client.get(f"/i/{token[:-3]}abc")
    assert wrong.status_code == 403 and "not valid" in wrong.text
    from datetime import timedelta

    (old,) = create_invites(site.store, site.campaign_id, 1, valid_for=timedelta(seconds=-5))
    expired = await client.get(f"/i/{old}")
    assert expired.status_code == 410 and "expired" in expired.text


async def test_draft_autosave_and_restore(site: Site, client: httpx.AsyncClient) -> None:
    item = await ready(client, "PID-4")
    token = CSRF.search(item.text).group(1)
    saved = await client.post(
        f"{item.url.path}/draft",
        data={"csrf_token": token, "rating.fairness": "2"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and "Draft saved" in saved.text and "<html" not in saved.text
    reloaded = await client.get(str(item.url.path))
    assert re.search(r'name="rating.fairness" value="2"\s+required checked', reloaded.text)
    bad = await client.post(
        f"{item.url.path}/draft",
        data={"csrf_token": token, "rating.fairness": "7"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and 'role="alert"' in bad.text and "<html" not in bad.text
    assert ratings_in(site) == 0


async def test_demographics_can_all_be_skipped_and_stay_apart(
    site: Site, client: httpx.AsyncClient
) -> None:
    item = await ready(client, "PID-5", {})
    assert "/p/items/" in str(item.url)
    with site.store.read() as session:
        assert session.scalar(select(func.count()).select_from(DemographicAnswerRow)) == 0


async def test_language_from_link_and_switch(site: Site, client: httpx.AsyncClient) -> None:
    german = await join(client, "PID-6", lang="de")
    assert '<html lang="de">' in german.text and "Sind Sie einverstanden" in german.text
    token = CSRF.search(german.text).group(1)
    missing = await client.post("/p/consent", data={"csrf_token": token})
    assert (
        missing.status_code == 422
        and "Bitte wählen Sie, ob Sie an der Studie teilnehmen" in missing.text
    )
    switched = await client.get("/lang/en?back=/p/consent", follow_redirects=True)
    assert "Do you agree" in switched.text
    offsite = await client.get("/lang/de?back=//evil.example/")
    assert offsite.headers["location"] == "/"
