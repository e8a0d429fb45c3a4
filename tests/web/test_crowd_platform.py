"""What a paying crowd study relies on, in-process: a known crowd id resumes nobody, a full
campaign says so before consent, and facilitators settle submissions by crowd id."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pandas as pd
import pytest

from coalign.store import Store
from tests.web.conftest import CSRF, Site, build_site, join, login, ready

pytestmark = pytest.mark.anyio
ITEM_ID = re.compile(r'name="item_id" value="([^"]+)"')
TAKEN = "This Prolific id has already taken part in this study."
RETURN = "https://app.prolific.com/submissions/complete?cc={code}"


async def rate(client: httpx.AsyncClient, page: httpx.Response) -> httpx.Response:
    """Rate every item 4 (the attention check included) until the end page."""
    while "/p/items/" in str(page.url):
        page = await client.post(
            str(page.url.path),
            data={
                "csrf_token": CSRF.search(page.text).group(1),
                "item_id": ITEM_ID.search(page.text).group(1),
                "rating.fairness": "4",
                "rating.safety": "4",
            },
            follow_redirects=True,
        )
    return page


async def test_a_known_crowd_id_in_another_browser_learns_only_that_it_took_part(
    site: Site, client: httpx.AsyncClient
) -> None:
    first = await ready(client, "PID-A", {"gender": "woman", "country": "Kenya"})
    assert "/p/items/" in str(first.url)
    async with site.client() as stranger:
        for lang, text in (("en", TAKEN), ("de", "Mit dieser Prolific-ID wurde an dieser")):
            page = await join(stranger, "PID-A", SESSION_ID="another", lang=lang)
            assert page.status_code == 403 and text in page.text
            assert "/p/" not in str(page.url) and "Kenya" not in page.text
            assert "<form" not in page.text.split("<main", 1)[1]
        assert (await stranger.get("/p/next")).status_code == 403  # no seat was handed out
        assert (await stranger.get(str(first.url.path))).status_code == 403
    async with site.client() as same_attempt:  # the same SESSION_ID is the same attempt
        resumed = await join(same_attempt, "PID-A")
        assert str(resumed.url) == str(first.url)
    again = await join(client, "PID-A", SESSION_ID="new-attempt")  # the seat's own browser
    assert str(again.url) == str(first.url)


async def test_a_full_campaign_shows_the_code_and_the_way_back_before_consent(
    sqlite_store: Store,
) -> None:
    site = build_site(
        sqlite_store,
        n_items=1,
        items_per_participant=1,
        target_ratings=1,
        attention_positions=[],
        attention_checks=[],
        completion_url=RETURN,
    )
    async with site.client() as first:
        assert "/p/items/" in str((await ready(first, "PID-1")).url)
    async with site.client() as late:
        page = await join(late, "PID-2", lang="de")
        assert str(page.url).endswith("/p/end") and 'action="/p/consent"' not in page.text
        assert "Diese Studie ist voll" in page.text and "NOPE-9" in page.text
        assert f'href="{RETURN.format(code="NOPE-9")}"' in page.text
        assert str((await late.get("/p/next")).headers["location"]).endswith("/p/end")


async def test_facilitators_settle_crowd_submissions(site: Site, client: httpx.AsyncClient) -> None:
    async with site.client() as participant:
        await rate(participant, await ready(participant, "PID-GOOD"))
    async with site.client() as participant:
        await join(participant, "PID-LEFT")
    await login(client, "fac")
    dashboard = await client.get(f"/f/campaigns/{site.campaign_id}")
    assert '<code class="crowd-id">PID-GOOD</code>' in dashboard.text
    assert f'action="/f/campaigns/{site.campaign_id}/approvals"' in dashboard.text
    download = await client.get(f"/f/campaigns/{site.campaign_id}/approvals")
    assert download.status_code == 200
    assert 'filename="mini-pilot-approvals.csv"' in download.headers["content-disposition"]
    rows = {r["crowd_id"]: r for r in csv.DictReader(io.StringIO(download.text))}
    assert (rows["PID-GOOD"]["decision"], rows["PID-LEFT"]["reasons"]) == ("approve", "incomplete")
    strict = await client.get(
        f"/f/campaigns/{site.campaign_id}/approvals",
        params={"max_attention_failures": "0", "min_median_seconds": "600"},
    )
    rows = {r["crowd_id"]: r for r in csv.DictReader(io.StringIO(strict.text))}
    assert rows["PID-GOOD"]["reasons"] == "too fast"
    bad = await client.get(
        f"/f/campaigns/{site.campaign_id}/approvals", params={"max_attention_failures": "-1"}
    )
    assert bad.status_code == 422 and "cannot be negative" in bad.text
    async with site.client() as anonymous:
        assert (
            await anonymous.get(f"/f/campaigns/{site.campaign_id}/approvals")
        ).status_code == 403
    export = await client.get(f"/f/campaigns/{site.campaign_id}/export?format=csv")
    assert pd.read_csv(io.StringIO(export.text)).empty  # rated in no time: too fast
    export = await client.get(f"/f/campaigns/{site.campaign_id}/export?format=csv&include=too-fast")
    frame = pd.read_csv(io.StringIO(export.text))
    assert set(frame["crowd_id"]) == {"PID-GOOD"} and set(frame["display_language"]) == {"en"}
    bad = await client.get(f"/f/campaigns/{site.campaign_id}/export?format=csv&include=slow")
    assert bad.status_code == 422 and "unknown reason" in bad.text


async def test_a_formula_typed_by_a_participant_is_inert_in_the_csv(
    site: Site, client: httpx.AsyncClient
) -> None:
    formula = '=HYPERLINK("http://x","y")'
    async with site.client() as participant:
        await rate(participant, await ready(participant, "PID-F", {"country": formula}))
    await login(client, "admin")
    export = await client.get(
        f"/f/campaigns/{site.campaign_id}/export?format=csv&demographics=true&include=too-fast"
    )
    assert set(pd.read_csv(io.StringIO(export.text))["country"]) == {"'" + formula}


async def test_a_full_campaign_shows_its_own_code_when_it_has_one(sqlite_store: Store) -> None:
    site = build_site(
        sqlite_store,
        n_items=1,
        items_per_participant=1,
        target_ratings=1,
        attention_positions=[],
        attention_checks=[],
        full_code="FULL-7",
    )
    async with site.client() as first:
        await ready(first, "PID-1")
    async with site.client() as late:
        page = await join(late, "PID-2")
    assert "FULL-7" in page.text and "NOPE-9" not in page.text
