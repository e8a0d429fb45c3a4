"""In-process web tests: the real app over a real store, driven through httpx's ASGI transport."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from coalign.participation.accounts import create_account
from coalign.store import Store
from coalign.web.app import create_app
from tests.rating.helpers import make_campaign

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Site:
    """A store with the mini study, a campaign, an admin and a facilitator, and the app over it."""

    store: Store
    campaign_id: int
    app: object

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"
        )


async def csrf(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The session's CSRF token, read from a page's form (creates the session if needed)."""
    page = await client.get(path)
    match = CSRF.search(page.text)
    assert match, f"no CSRF field on {path}: {page.status_code}"
    return match.group(1)


async def join(
    client: httpx.AsyncClient, pid: str, study: str = "mini", campaign: str = "pilot", **extra: str
) -> httpx.Response:
    params = {"PROLIFIC_PID": pid, "STUDY_ID": "st", "SESSION_ID": "se", **extra}
    return await client.get(f"/s/{study}/{campaign}", params=params, follow_redirects=True)


async def ready(
    client: httpx.AsyncClient, pid: str, demographics: dict[str, str] | None = None
) -> httpx.Response:
    """Join, consent and answer the demographics; returns the first item page."""
    page = await join(client, pid)
    token = CSRF.search(page.text).group(1)
    await client.post("/p/consent", data={"csrf_token": token, "choice": "agree"})
    return await client.post(
        "/p/demographics", data={"csrf_token": token, **(demographics or {})}, follow_redirects=True
    )


async def login(
    client: httpx.AsyncClient, username: str, password: str = "correct horse"
) -> httpx.Response:
    token = await csrf(client, "/login")
    return await client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )


def build_site(store: Store, **campaign: object) -> Site:
    stored = make_campaign(store, **campaign)
    create_account(store, "admin", "correct horse", role="admin")
    create_account(store, "fac", "correct horse", role="facilitator")
    return Site(store, stored.id, create_app(store))


@pytest.fixture
def site(sqlite_store: Store) -> Site:
    return build_site(sqlite_store)


@pytest.fixture
async def client(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    async with site.client() as c:
        yield c
