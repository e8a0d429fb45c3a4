"""Bad input and attacks through HTTP: clear message, right status, nothing stored wrongly.

Run on SQLite and PostgreSQL for the cases that touch the database's locking and constraints.
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from sqlalchemy import func, select

from coalign.core.campaigns import ImportedItem
from coalign.rating.campaigns import set_campaign_status
from coalign.store import Store
from coalign.store.participation_tables import DemographicAnswerRow
from coalign.store.rating_tables import RatingRow
from tests.web.conftest import CSRF, Site, build_site, join, login, ready

pytestmark = pytest.mark.anyio
ITEM_ID = re.compile(r'name="item_id" value="([^"]+)"')


def ratings_in(site: Site) -> int:
    with site.store.read() as session:
        return session.scalar(select(func.count()).select_from(RatingRow)) or 0


def form(page: httpx.Response, **ratings: str) -> dict[str, str]:
    data = {
        "csrf_token": CSRF.search(page.text).group(1),
        "item_id": ITEM_ID.search(page.text).group(1),
    }
    data.update({f"rating.{k}": v for k, v in ratings.items()})
    return data


@pytest.fixture
def any_site(store: Store) -> Site:
    return build_site(store)


@pytest.mark.parametrize(
    ("ratings", "status", "message"),
    [
        ({"fairness": "9", "safety": "3"}, 422, "outside the scale"),
        ({"fairness": "-1", "safety": "3"}, 422, "outside the scale"),
        ({"fairness": "3"}, 422, "please rate safety"),
        ({"fairness": "3", "safety": "3", "honesty": "2"}, 422, "not part of this campaign"),
        ({"fairness": "<b>3</b>", "safety": "3"}, 422, "&lt;b&gt;3&lt;/b&gt;"),
    ],
)
async def test_bad_ratings(any_site: Site, ratings: dict, status: int, message: str) -> None:
    async with any_site.client() as client:
        item = await ready(client, "P1")
        response = await client.post(str(item.url.path), data=form(item, **ratings))
    assert response.status_code == status and message in response.text
    assert ratings_in(any_site) == 0


async def test_forged_item_and_other_peoples_assignments(any_site: Site) -> None:
    async with any_site.client() as alice, any_site.client() as bob:
        alice_item = await ready(alice, "ALICE")
        bob_item = await ready(bob, "BOB")
        forged = form(alice_item, fairness="3", safety="3")
        forged["item_id"] = "item_does_not_exist"
        assert (await alice.post(str(alice_item.url.path), data=forged)).status_code == 422
        # Alice posts to Bob's assignment with Bob's item id and her own session.
        steal = form(bob_item, fairness="1", safety="1")
        steal["csrf_token"] = CSRF.search(alice_item.text).group(1)
        answer = await alice.post(str(bob_item.url.path), data=steal)
        assert answer.status_code == 404 and "not one of yours" in answer.text
        assert (await alice.get(str(bob_item.url.path))).status_code == 404
        assert (await alice.post(f"{bob_item.url.path}/draft", data=steal)).status_code == 404
        assert (await alice.get("/p/items/999999")).status_code == 404
    assert ratings_in(any_site) == 0


async def test_double_submit_and_retries_never_duplicate(any_site: Site) -> None:
    async with any_site.client() as client:
        item = await ready(client, "P1")
        data = form(item, fairness="2", safety="4")
        responses = await asyncio.gather(
            *[client.post(str(item.url.path), data=data) for _ in range(5)]
        )
        assert [r.status_code for r in responses] == [303] * 5
        changed = await client.post(str(item.url.path), data={**data, "rating.fairness": "5"})
        assert changed.status_code == 409
    assert ratings_in(any_site) == 2


async def test_submitting_after_the_campaign_closed(any_site: Site) -> None:
    async with any_site.client() as client:
        item = await ready(client, "P1")
        set_campaign_status(any_site.store, any_site.campaign_id, "closed")
        response = await client.post(str(item.url.path), data=form(item, fairness="2", safety="2"))
        assert response.status_code == 409 and "closed" in response.text
        late = await join(client, "LATE")
        assert late.status_code == 409
    assert ratings_in(any_site) == 0


async def test_csrf_is_required(site: Site, client: httpx.AsyncClient) -> None:
    item = await ready(client, "P1")
    data = form(item, fairness="2", safety="2")
    for bad in ("", "forged-token"):
        response = await client.post(str(item.url.path), data={**data, "csrf_token": bad})
        assert response.status_code == 403 and "did not come from this site" in response.text
    other = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=site.app), base_url="http://testserver"
    )
    async with other:  # a session of its own does not make another session's token valid
        await other.get("/login")
        assert (
            await other.post(
                "/login",
                data={
                    "csrf_token": data["csrf_token"],
                    "username": "admin",
                    "password": "correct horse",
                },
            )
        ).status_code == 403
    assert ratings_in(site) == 0


async def test_a_refused_cross_site_post_leaves_the_session_alone(
    site: Site, client: httpx.AsyncClient
) -> None:
    """A cross-site POST comes without the session cookie (SameSite=Lax) or with a wrong token;
    its 403 page sets no cookie (which would replace the participant's) and offers the form."""
    item = await ready(client, "P1")
    data = form(item, fairness="2", safety="2")
    cookie = client.cookies.get("coalign_session")
    async with site.client() as without_cookie:
        forged = await without_cookie.post(str(item.url.path), data={**data, "csrf_token": "x"})
    assert forged.status_code == 403 and "set-cookie" not in forged.headers
    assert "This form has expired" in forged.text and "Reload the form" in forged.text
    assert f'href="{item.url.path}"' in forged.text
    with_cookie = await client.post(str(item.url.path), data={**data, "csrf_token": "forged"})
    assert with_cookie.status_code == 403 and "set-cookie" not in with_cookie.headers
    assert client.cookies.get("coalign_session") == cookie
    assert (await client.get("/p/next")).headers["location"] == str(item.url.path)
    assert (await client.post(str(item.url.path), data=data)).status_code == 303
    assert ratings_in(site) == 2


async def test_oversized_payloads(site: Site, client: httpx.AsyncClient) -> None:
    item = await ready(client, "P1")
    data = form(item, fairness="2", safety="2")
    data["padding"] = "x" * 70_000
    assert (await client.post(str(item.url.path), data=data)).status_code == 413

    async def chunks():  # no Content-Length: the limit still holds
        for _ in range(20):
            yield b"a" * 8192

    assert (
        await client.post(
            str(item.url.path),
            content=chunks(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    ).status_code == 413
    long_text = {"csrf_token": data["csrf_token"], "country": "y" * 300}
    assert (await client.post("/p/demographics", data=long_text)).status_code in (409, 422)
    assert ratings_in(site) == 0


async def test_html_and_script_are_escaped_everywhere(sqlite_store: Store) -> None:
    from coalign.rating.campaigns import create_campaign
    from tests.rating.helpers import campaign_settings

    site = build_site(sqlite_store, title="<script>alert('t')</script>")
    create_campaign(
        sqlite_store,
        campaign_settings(
            slug="evil",
            title="Evil <img src=x onerror=alert(1)>",
            attention_positions=[],
            attention_checks=[],
        ),
        [ImportedItem(prompt="<script>alert('p')</script>", response="<iframe src=//x></iframe>")],
    )
    async with site.client() as client:
        consent = await join(client, "P1", campaign="evil")
        token = CSRF.search(consent.text).group(1)
        await client.post("/p/consent", data={"csrf_token": token, "choice": "agree"})
        item = await client.post(
            "/p/demographics",
            data={
                "csrf_token": token,
                "gender": "prefer to self-describe",
                "gender_self": "<script>alert('d')</script>",
            },
            follow_redirects=True,
        )
        assert (
            "&lt;script&gt;alert(&#39;p&#39;)&lt;/script&gt;" in item.text
            and "<iframe" not in item.text
        )
        assert "<script>alert" not in item.text
        await login(client, "admin")
        for path in ("/f", "/f/campaigns/1", "/f/campaigns/2"):
            page = await client.get(path)
            assert (
                page.status_code == 200
                and "<script>alert" not in page.text
                and "<img src=x" not in page.text
            )
    with sqlite_store.read() as session:  # stored as typed, shown only as text
        assert (
            session.scalar(select(DemographicAnswerRow.self_description))
            == "<script>alert('d')</script>"
        )


async def test_participants_cannot_reach_facilitator_pages_or_demographics(
    site: Site, client: httpx.AsyncClient
) -> None:
    async with site.client() as other:
        await ready(
            other,
            "OTHER",
            {
                "gender": "prefer to self-describe",
                "gender_self": "zz-secret-zz",
                "country": "Atlantis",
            },
        )
    await ready(client, "P1", {"gender": "woman"})
    assert (await client.get("/f")).headers["location"].startswith("/login")
    assert (
        (await client.get(f"/f/campaigns/{site.campaign_id}"))
        .headers["location"]
        .startswith("/login")
    )
    for query in ("format=csv", "format=csv&demographics=true"):
        response = await client.get(f"/f/campaigns/{site.campaign_id}/export?{query}")
        assert response.status_code == 403 and "Atlantis" not in response.text
    token = CSRF.search((await client.get("/p/consent")).text).group(1)
    response = await client.post(
        f"/f/campaigns/{site.campaign_id}/invites", data={"csrf_token": token, "count": "2"}
    )
    assert response.status_code == 403
    for path in ("/p/next", "/p/consent", "/p/demographics", "/p/end", "/p/items/1", "/p/items/5"):
        page = await client.get(path, follow_redirects=True)
        assert (
            "zz-secret" not in page.text
            and "Atlantis" not in page.text
            and "OTHER" not in page.text
        )


async def test_no_session_and_wrong_links(site: Site, client: httpx.AsyncClient) -> None:
    for path in ("/p/next", "/p/consent", "/p/items/1", "/p/end"):
        response = await client.get(path)
        assert response.status_code == 403 and "study link" in response.text
    assert (
        await client.get("/s/mini/nope?PROLIFIC_PID=a&STUDY_ID=b&SESSION_ID=c")
    ).status_code == 404
    assert (
        await client.get("/s/mini/pilot?PROLIFIC_PID=a%20b&STUDY_ID=b&SESSION_ID=c")
    ).status_code == 422
    assert (await client.get("/s/mini/pilot")).status_code == 422
    assert (await client.get("/nowhere")).status_code == 404
    assert (await client.get("/p/items/not-a-number")).status_code == 422


async def test_tampered_session_cookie_is_ignored(site: Site, client: httpx.AsyncClient) -> None:
    await ready(client, "P1")
    cookie = client.cookies.get("coalign_session")
    client.cookies.set("coalign_session", cookie[:-4] + "AAAA")
    assert (await client.get("/p/next")).status_code == 403


async def test_expired_session_cookie_is_refused(site: Site, client: httpx.AsyncClient) -> None:
    """A correctly signed session older than the session lifetime no longer opens the study."""
    import base64
    import json
    import time

    from itsdangerous import TimestampSigner

    from coalign.participation.accounts import app_secret
    from coalign.web.app import SESSION_MAX_AGE

    await ready(client, "P1")
    seat = json.loads(base64.b64decode(client.cookies.get("coalign_session").split(".")[0]))["seat"]

    class Signed(TimestampSigner):
        age = 0

        def get_timestamp(self) -> int:
            return int(time.time()) - self.age

    def cookie(age: int) -> str:
        signer = Signed(app_secret(site.store))
        signer.age = age
        return signer.sign(base64.b64encode(json.dumps({"seat": seat}).encode())).decode()

    client.cookies.set("coalign_session", cookie(60))
    assert (
        await client.get("/p/next")
    ).status_code == 303  # a fresh cookie made the same way works
    client.cookies.set("coalign_session", cookie(SESSION_MAX_AGE + 60))
    expired = await client.get("/p/next")
    assert expired.status_code == 403 and "study link" in expired.text
