"""A facilitator opens the trace page of a rated item in a real chromium against ``coalign serve``
and follows it down to the diary entry the item's seeds were promoted from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from coalign.participation.accounts import create_account
from coalign.store import open_store
from tests.export.test_lineage_e2e import walk
from tests.web.serving import serving

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict]]:
    db = str(tmp_path / "trace.db")
    with open_store(db) as store:
        walked = walk(store, tmp_path)
        create_account(store, "facil", "correct horse", role="facilitator")
    with serving(["--db", db, "serve"], tmp_path / "serve.log") as (base, _):
        yield base, walked


def test_facilitator_traces_an_item_to_the_diary_entry_and_rater_groups(
    server: tuple[str, dict], browser
) -> None:
    from playwright.sync_api import expect

    base, walked = server
    item = walked["items"][0]
    page = browser.new_page()
    page.goto(f"{base}/f/trace/mini/item/{item}")
    page.get_by_label("User name").fill("facil")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Where this came from")).to_be_visible()
    groups = page.locator("table.ratings-by-group")
    expect(groups).to_contain_text("country=X")
    expect(groups).to_contain_text("country=Y")
    expect(page.locator("#records")).to_contain_text("questions")  # the stage-1 parent
    expect(page.locator(".seed .origin").first).to_be_visible()
    assert "diary" in page.locator(".seed .origin").all_inner_texts()
    assert "p-diarist" in page.content()
    page.locator(".diary-link").first.click()
    expect(page).to_have_url(f"{base}/f/studies/mini#entry-{walked['entry']}")
    expect(page.locator(f"#entry-{walked['entry']}")).to_be_visible()
