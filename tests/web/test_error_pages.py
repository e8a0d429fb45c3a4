"""Error pages through HTTP: each says what happened and what to do next, in English and German,
with the crowd platform's code where the person needs one and a link on; internals stay hidden."""

from __future__ import annotations

import re

import httpx
import pytest

from coalign.core.errors import StoreError
from coalign.rating.campaigns import set_campaign_status
from coalign.store import Store
from tests.web.conftest import CSRF, Site, build_site, join, login, ready

pytestmark = pytest.mark.anyio
PROLIFIC = "https://app.prolific.com/submissions/complete?cc={code}"
ITEM_ID = re.compile(r'name="item_id" value="([^"]+)"')


def links(page: httpx.Response) -> list[str]:
    """The targets of the page's button links (the ways on)."""
    return re.findall(r'<a class="button" href="([^"]+)"', page.text)


def rating_form(item: httpx.Response) -> dict[str, str]:
    return {
        "csrf_token": CSRF.search(item.text).group(1),
        "item_id": ITEM_ID.search(item.text).group(1),
        "rating.fairness": "3",
        "rating.safety": "3",
    }


async def test_late_arrival_on_a_closed_campaign_gets_the_code_and_the_way_back(
    sqlite_store: Store,
) -> None:
    site = build_site(sqlite_store, completion_url=PROLIFIC)
    async with site.client() as early:
        item = await ready(early, "EARLY")
        set_campaign_status(site.store, site.campaign_id, "closed")
        async with site.client() as late:
            english = await join(late, "LATE")
            german = await join(late, "SPAET", lang="de")
        too_late = await early.post(str(item.url.path), data=rating_form(item))
    back = PROLIFIC.format(code="NOPE-9")
    assert english.status_code == 409 and "This study is closed" in english.text
    assert "return your submission there with the code below" in english.text
    assert re.search(r'id="return-code">NOPE-9<', english.text) and links(english)[0] == back
    assert "Something went wrong" not in english.text
    assert german.status_code == 409 and '<html lang="de">' in german.text
    assert "Diese Studie ist geschlossen" in german.text
    assert "Ihr Code für die Studienplattform" in german.text
    assert "Diese Kampagne ist geschlossen" in german.text  # the message, translated
    assert "Zurück zur Studienplattform" in german.text and links(german)[0] == back
    switch = re.search(r'href="/lang/en\?back=([^"]+)"', german.text).group(1)
    assert "PROLIFIC_PID%3DSPAET" in switch and "lang" not in switch  # the ids stay, German goes
    assert too_late.status_code == 409 and links(too_late)[0] == back
    assert "NOPE-9" in too_late.text


async def test_a_closed_campaign_without_a_platform_link_still_gives_the_code(
    site: Site, client: httpx.AsyncClient
) -> None:
    set_campaign_status(site.store, site.campaign_id, "closed")
    page = await join(client, "LATE")
    assert page.status_code == 409 and "NOPE-9" in page.text and links(page) == ["/"]


async def test_too_fast_submit_says_why_and_links_back_to_the_item(sqlite_store: Store) -> None:
    site = build_site(sqlite_store, min_seconds_per_item=60)
    async with site.client() as client:
        item = await ready(client, "QUICK")
        english = await client.post(str(item.url.path), data=rating_form(item))
        await client.get("/lang/de")
        german = await client.post(str(item.url.path), data=rating_form(item))
    assert english.status_code == 422 and "Please check your answer" in english.text
    assert "please take at least 60 seconds to read and rate each item" in english.text
    assert links(english) == [item.url.path] and "Back to the form" in english.text
    assert german.status_code == 422 and "Bitte prüfen Sie Ihre Angabe" in german.text
    assert "mindestens 60 Sekunden Zeit, um jeden Eintrag zu lesen" in german.text
    assert "Zurück zum Formular" in german.text and "Error 422" not in german.text


async def test_wrong_login_returns_to_the_form_with_the_name_kept(
    site: Site, client: httpx.AsyncClient
) -> None:
    wrong = await login(client, "fac", "not the password")
    assert wrong.status_code == 403 and 'id="login-error"' in wrong.text
    assert "wrong user name or password" in wrong.text
    assert 'action="/login"' in wrong.text and 'name="username" value="fac"' in wrong.text
    await client.get("/lang/de")
    german = await login(client, "fac", "still wrong")
    assert "Falscher Benutzername oder falsches Passwort" in german.text
    for _ in range(3):
        await login(client, "fac", "guess")
    limited = await login(client, "fac")
    assert limited.status_code == 429 and 'action="/login"' in limited.text
    assert "Zu viele fehlgeschlagene Anmeldungen" in limited.text
    assert 'name="username" value="fac"' in limited.text


async def test_messages_that_may_reveal_internals_stay_hidden(
    site: Site, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    unknown = await join(client, "P1", study="no-such-study")
    assert unknown.status_code == 404 and "Not found" in unknown.text
    assert "studies in this database" not in unknown.text

    def unreachable(*args: object) -> None:
        raise StoreError("cannot reach postgresql://coalign:hunter2@db/coalign")

    monkeypatch.setattr("coalign.web.site.authenticate", unreachable)
    down = await login(client, "fac")
    assert down.status_code == 503 and "The service is unavailable" in down.text
    assert "hunter2" not in down.text and links(down) == ["/login"]


async def test_bad_addresses_and_sizes(site: Site, client: httpx.AsyncClient) -> None:
    nowhere = await client.get("/nowhere")
    assert nowhere.status_code == 404 and "Page not found" in nowhere.text
    assert links(nowhere) == ["/"]
    mistyped = await client.get("/p/items/abc")
    assert mistyped.status_code == 422 and "This link is incomplete or mistyped" in mistyped.text
    assert "assignment_id" not in mistyped.text
    crowd = await client.get("/s/mini/pilot?lang=de")
    assert crowd.status_code == 422 and "Dieser Link ist unvollständig" in crowd.text
    assert "Der Studienlink braucht PROLIFIC_PID" in crowd.text
    get_logout = await client.get("/logout")
    assert get_logout.status_code == 405 and get_logout.headers["allow"] == "POST"
    token = CSRF.search((await client.get("/login")).text).group(1)
    large = await client.post(
        "/login",
        data={"csrf_token": token, "username": "x" * 70_000},
        headers={"accept-language": "de"},
    )
    assert large.status_code == 413 and large.headers["content-type"].startswith("text/html")
    assert "höchstens 64 KiB" in large.text and links(large) == ["/login"]


async def test_a_crash_is_a_page_too(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal detail")

    monkeypatch.setattr("coalign.web.site.render", crash)
    transport = httpx.ASGITransport(app=site.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        page = await client.get("/", headers={"accept-language": "de"})
    assert page.status_code == 500 and "Bei uns ist etwas schiefgegangen" in page.text
    assert "internal detail" not in page.text and links(page) == ["/"]


async def test_the_way_on_fits_the_visitor(site: Site, client: httpx.AsyncClient) -> None:
    await ready(client, "P1")
    not_yours = await client.get("/p/items/999999")
    assert not_yours.status_code == 404 and "this item is not one of yours" in not_yours.text
    assert links(not_yours) == ["/p/next"] and "Continue the study" in not_yours.text
    async with site.client() as facilitator:
        await login(facilitator, "fac")
        missing = await facilitator.get("/f/campaigns/999")
        assert missing.status_code == 404 and "no campaign 999" in missing.text
        assert links(missing) == ["/f"]
    async with site.client() as anonymous:
        refused = await anonymous.get(f"/f/campaigns/{site.campaign_id}/export")
        assert refused.status_code == 403 and "This page is not open to you" in refused.text
        assert links(refused) == [f"/login?next=/f/campaigns/{site.campaign_id}/export"]


async def test_every_error_page_has_a_way_on_in_german(
    site: Site, client: httpx.AsyncClient
) -> None:
    await client.get("/lang/de")
    for path in ("/nowhere", "/p/next", "/p/items/abc", "/i/not-a-token", "/lang/xx"):
        page = await client.get(path)
        assert page.status_code >= 400 and '<html lang="de">' in page.text, path
        assert links(page) and 'role="alert"' in page.text, path
        title = re.search(r"<h1>(.+?)</h1>", page.text).group(1)
        assert title not in ("Something went wrong", "Etwas ist schiefgegangen"), path
