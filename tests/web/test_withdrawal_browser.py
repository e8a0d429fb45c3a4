"""A real chromium against a real ``coalign serve``: a crowd participant keeps their withdrawal
link from the consent page, withdraws from the footer of a later page, and the link is dead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from coalign.store import open_store
from tests.rating.helpers import make_campaign
from tests.web.serving import serving

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    db = str(tmp_path / "w.db")
    with open_store(db) as store:
        make_campaign(store)
    with serving(["--db", db, "serve"], tmp_path / "serve.log") as (base, _):
        yield base


def test_participant_withdraws_in_chromium(served: str, browser) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(f"{served}/s/mini/pilot?PROLIFIC_PID=leaver1&STUDY_ID=st&SESSION_ID=se")
    link = page.locator("#withdraw-link code")  # swapped in by HTMX
    expect(link).to_contain_text(f"{served}/w/")
    url = link.inner_text()
    page.get_by_label("Yes, I agree to take part").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="About you")).to_be_visible()

    page.get_by_role("link", name="Withdraw and delete my data").click()
    expect(page.get_by_role("heading", name="Withdraw and delete my data")).to_be_visible()
    expect(page.locator("#what-is-deleted")).to_contain_text("Your participant record")
    page.get_by_role("button", name="Yes, withdraw and delete my data").click()
    expect(page.get_by_role("heading", name="Your data has been deleted")).to_be_visible()
    expect(page.get_by_role("link", name="Withdraw and delete my data")).to_have_count(0)

    later = browser.new_page()
    later.goto(url)
    expect(later.get_by_role("alert")).to_contain_text("not valid")
