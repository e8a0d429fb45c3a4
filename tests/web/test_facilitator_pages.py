"""Facilitators through HTTP: login (rate-limited), campaigns from uploads, dashboard, invites, exports."""

from __future__ import annotations

import io
import re

import httpx
import pandas as pd
import pytest

from tests.web.conftest import CSRF, Site, csrf, login, ready

pytestmark = pytest.mark.anyio


async def test_login_logout_and_rate_limit(site: Site, client: httpx.AsyncClient) -> None:
    assert (await client.get("/f")).headers["location"] == "/login?next=/f"
    wrong = await login(client, "fac", "not the password")
    assert wrong.status_code == 403 and "wrong user name or password" in wrong.text
    ok = await login(client, "fac")
    assert ok.status_code == 303 and ok.headers["location"] == "/f"
    home = await client.get("/f")
    assert (
        home.status_code == 200
        and "Pilot ratings" in home.text
        and "fac (facilitator)" in home.text
    )
    token = CSRF.search(home.text).group(1)
    await client.post("/logout", data={"csrf_token": token})
    assert (await client.get("/f")).status_code == 303
    for _ in range(5):
        await login(client, "admin", "guess")
    limited = await login(client, "admin")
    assert limited.status_code == 429 and "too many failed logins" in limited.text


async def test_create_campaign_from_upload(site: Site, client: httpx.AsyncClient) -> None:
    await login(client, "fac")
    page = await client.get("/f/campaigns/new")
    assert page.status_code == 200 and 'value="mini:fairness"' in page.text
    token = CSRF.search(page.text).group(1)
    data = {
        "csrf_token": token,
        "study": "mini",
        "slug": "wave-2",
        "title": "Wave 2",
        "dimension": ["mini:safety"],
        "items_per_participant": "2",
        "target_ratings": "1",
        "min_seconds_per_item": "0",
        "completion_code": "W2DONE",
        "screened_out_code": "W2NO",
        "attention_response": "Pick 5.",
        "attention_expected": "5",
        "attention_position": "1",
        "question_text": "Is this about gender?",
    }
    items = b"prompt,response,prompt_de,response_de\nHello?,Hi.,Hallo?,Tag.\nBye?,Bye.,,\n"
    created = await client.post(
        "/f/campaigns/new", data=data, files={"items": ("wave.csv", items, "text/csv")}
    )
    assert created.status_code == 303, created.text
    dashboard = await client.get(created.headers["location"])
    assert (
        "Wave 2" in dashboard.text
        and "Hello?" in dashboard.text
        and "/s/mini/wave-2?PROLIFIC_PID=" in dashboard.text
    )
    bad = await client.post(
        "/f/campaigns/new",
        data={**data, "slug": "wave-3"},
        files={"items": ("wave.csv", b"prompt,answer\nx,y\n", "text/csv")},
    )
    assert bad.status_code == 422 and "unknown column" in bad.text
    missing = await client.post(
        "/f/campaigns/new",
        data={**data, "slug": "wave-4", "dimension": []},
        files={"items": ("wave.csv", items, "text/csv")},
    )
    assert missing.status_code == 422 and "dimensions" in missing.text
    no_items = await client.post("/f/campaigns/new", data={**data, "slug": "wave-5"})
    assert no_items.status_code == 422 and "choose a CSV or JSONL file" in no_items.text
    no_run = await client.post(
        "/f/campaigns/new", data={**data, "slug": "wave-6", "run_id": "run_missing"}
    )
    assert no_run.status_code == 404 and "no run matches" in no_run.text


async def test_dashboard_invites_status_and_exports(site: Site, client: httpx.AsyncClient) -> None:
    async with site.client() as participant:
        item = await ready(participant, "P1", {"gender": "woman"})
        token = CSRF.search(item.text).group(1)
        item_id = re.search(r'name="item_id" value="([^"]+)"', item.text).group(1)
        await participant.post(
            str(item.url.path),
            data={
                "csrf_token": token,
                "item_id": item_id,
                "rating.fairness": "3",
                "rating.safety": "5",
            },
        )
    await login(client, "fac")
    dashboard = await client.get(f"/f/campaigns/{site.campaign_id}")
    assert dashboard.status_code == 200
    assert "fewer than 5" in dashboard.text  # one woman: the cell is suppressed
    assert (
        'id="export-csv-demographics"' not in dashboard.text
    )  # facilitators get no demographics export
    token = CSRF.search(dashboard.text).group(1)
    invites = await client.post(
        f"/f/campaigns/{site.campaign_id}/invites", data={"csrf_token": token, "count": "3"}
    )
    links = re.findall(r"<code>(http://testserver/i/[^<]+)</code>", invites.text)
    assert len(links) == 3
    async with site.client() as invited:
        assert str(
            (
                await invited.get(links[0].replace("http://testserver", ""), follow_redirects=True)
            ).url
        ).endswith("/p/consent")
    assert 'id="export-csv-everyone"' in dashboard.text
    csv = await client.get(  # one item rated in no time: incomplete and too fast
        f"/f/campaigns/{site.campaign_id}/export?format=csv&include=incomplete&include=too-fast"
    )
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    frame = pd.read_csv(io.StringIO(csv.text))
    assert sorted(frame["value"]) == [3, 5] and "gender" not in frame.columns
    assert (
        await client.get(f"/f/campaigns/{site.campaign_id}/export?format=csv&demographics=true")
    ).status_code == 403
    assert (
        await client.get(f"/f/campaigns/{site.campaign_id}/export?format=xlsx")
    ).status_code == 422
    closed = await client.post(
        f"/f/campaigns/{site.campaign_id}/status", data={"csrf_token": token, "status": "closed"}
    )
    assert closed.status_code == 303 and "closed" in (await client.get("/f")).text
    assert (await client.get("/f/campaigns/999")).status_code == 404


async def test_admin_exports_demographics(site: Site, client: httpx.AsyncClient) -> None:
    async with site.client() as participant:
        item = await ready(participant, "P1", {"gender": "man"})
        token = CSRF.search(item.text).group(1)
        item_id = re.search(r'name="item_id" value="([^"]+)"', item.text).group(1)
        await participant.post(
            str(item.url.path),
            data={
                "csrf_token": token,
                "item_id": item_id,
                "rating.fairness": "1",
                "rating.safety": "2",
            },
        )
    await login(client, "admin")
    assert (
        'id="export-parquet-demographics"'
        in (await client.get(f"/f/campaigns/{site.campaign_id}")).text
    )
    for fmt in ("csv", "jsonl", "parquet"):
        response = await client.get(
            f"/f/campaigns/{site.campaign_id}/export?format={fmt}&demographics=true"
            "&include=incomplete&include=too-fast"
        )
        assert response.status_code == 200
    frame = pd.read_parquet(io.BytesIO(response.content))
    assert set(frame["gender"]) == {"man"} and len(frame) == 2


async def test_pages_need_no_network(site: Site, client: httpx.AsyncClient) -> None:
    await csrf(client)
    script = await client.get("/static/htmx.min.js")
    assert script.status_code == 200 and "htmx" in script.text[:300]
    assert (await client.get("/static/style.css")).status_code == 200
    page = await ready(client, "P1")
    assert not re.search(r'(src|href)="(https?:)?//', page.text)  # nothing from a CDN
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert (await client.get("/healthz")).text == "ok"
    home = await client.get("/")
    assert home.status_code == 200 and 'href="/login"' in home.text
