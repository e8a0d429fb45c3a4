"""Withdrawing in the web app, in-process: from the participant's pages, by the withdrawal link
later, and by an admin; each shows what will be deleted first, in English and German."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select

from coalign.store.participation_tables import ParticipantRow
from coalign.store.rating_tables import RatingRow
from tests.web.conftest import CSRF, Site, csrf, join, login, ready

pytestmark = pytest.mark.anyio
LINK = re.compile(r"<code>(http://testserver/w/[^<]+)</code>")


def count(site: Site, table: type) -> int:
    with site.store.read() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


async def rate_first(client: httpx.AsyncClient, pid: str) -> httpx.Response:
    item = await ready(client, pid, {"gender": "woman"})
    token = CSRF.search(item.text).group(1)
    item_id = re.search(r'name="item_id" value="([^"]+)"', item.text).group(1)
    return await client.post(
        item.url.path,
        data={
            "csrf_token": token,
            "item_id": item_id,
            "rating.fairness": "4",
            "rating.safety": "4",
        },
        follow_redirects=True,
    )


async def test_participant_withdraws_from_their_pages(
    site: Site, client: httpx.AsyncClient
) -> None:
    page = await rate_first(client, "PID-W")
    assert 'href="/p/withdraw"' in page.text, "every participant page offers it"
    confirm = await client.get("/p/withdraw")
    assert confirm.status_code == 200
    assert "Your ratings: 2" in confirm.text and "demographics" in confirm.text
    assert count(site, RatingRow) == 2, "looking at the page deletes nothing"
    token = CSRF.search(confirm.text).group(1)
    assert (await client.post("/p/withdraw", data={})).status_code == 403, "CSRF checked"
    done = await client.post("/p/withdraw", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/withdrawn"
    shown = await client.get("/withdrawn")
    assert "Your data has been deleted" in shown.text and 'href="/p/withdraw"' not in shown.text
    assert count(site, RatingRow) == 0 and count(site, ParticipantRow) == 0
    assert (await client.get("/p/next")).status_code == 403, "the session holds no seat"
    assert (await client.get("/withdrawn")).status_code == 200, "a reload deletes nothing twice"
    again = await join(client, "PID-W")  # the same browser opens the study link again
    assert again.status_code == 403 and "your data was deleted" in again.text


async def test_the_confirmation_is_in_german(site: Site, client: httpx.AsyncClient) -> None:
    await ready(client, "PID-DE")
    await client.get("/lang/de?back=/p/next")
    page = await client.get("/p/withdraw")
    assert "Zurücktreten und meine Daten löschen" in page.text
    assert "Ihre Angaben zu Ihrer Person" not in page.text  # no demographics were given
    assert "Dies kann nicht rückgängig gemacht werden" in page.text


async def test_withdrawal_link_works_later_in_another_browser(
    site: Site, client: httpx.AsyncClient
) -> None:
    consent = await join(client, "PID-L")
    assert 'hx-get="/p/withdraw/link"' in consent.text, "the consent page offers the link"
    fragment = await client.get("/p/withdraw/link", headers={"hx-request": "true"})
    url = LINK.search(fragment.text).group(1)
    assert "<html" not in fragment.text
    assert LINK.search((await client.get("/p/withdraw/link")).text).group(1) == url
    async with site.client() as later:  # no session: the link alone
        page = await later.get(url)
        assert page.status_code == 200 and "Yes, withdraw and delete my data" in page.text
        assert 'id="keep"' in page.text  # no study to go back to: closing the page keeps all
        forged = await later.get(url[:-3] + "abc")
        assert forged.status_code == 403 and "not valid" in forged.text
        token = CSRF.search(page.text).group(1)
        done = await later.post(url, data={"csrf_token": token}, follow_redirects=True)
        assert "Your data has been deleted" in done.text
        again = await later.get(url)
        assert again.status_code == 403 and "not valid" in again.text
    assert count(site, ParticipantRow) == 0


async def test_only_admins_delete_participants(site: Site, client: httpx.AsyncClient) -> None:
    async with site.client() as person:
        await rate_first(person, "PROLIFIC-9")
    await login(client, "fac")
    refused = await client.get("/f/withdrawals")
    assert refused.status_code == 403 and "only admins" in refused.text
    await client.post("/logout", data={"csrf_token": await csrf(client, "/f")})
    await login(client, "admin")
    page = await client.get("/f/withdrawals")
    assert page.status_code == 200 and "Nobody has withdrawn." in page.text
    token = CSRF.search(page.text).group(1)
    check = await client.post(
        "/f/withdrawals/check",
        data={"csrf_token": token, "crowd_id": "PROLIFIC-9", "study": "mini"},
    )
    assert check.status_code == 200 and "<code>ratings</code></td><td>2" in check.text
    pid = re.search(r'name="participant_id" value="([^"]+)"', check.text).group(1)
    done = await client.post(
        "/f/withdrawals",
        data={"csrf_token": token, "participant_id": pid},
        follow_redirects=True,
    )
    assert f"<code>{pid}</code>" in done.text and "admin (web)" in done.text
    assert count(site, RatingRow) == 0
    missing = await client.post(
        "/f/withdrawals/check", data={"csrf_token": token, "participant_id": pid}
    )
    assert missing.status_code == 404 and "was deleted on" in missing.text


async def test_a_wrong_link_is_refused_in_german(site: Site, client: httpx.AsyncClient) -> None:
    await client.get("/lang/de")
    page = await client.get("/w/p_0123.not-a-signature")
    assert page.status_code == 403
    assert "Dieser Link zum Rücktritt ist ungültig" in page.text
