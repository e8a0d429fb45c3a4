"""The group phase in a real chromium (Playwright, headless) against the app served by uvicorn:
participant A shares a diary entry with consent, participant B codes it and zooms out, the group
clusters it, chooses that misalignment and writes the goal; the facilitator sees where it came
from."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from coalign.coconstruct.axes import create_group
from coalign.coconstruct.diary import add_entry
from coalign.coconstruct.group_phase import group_phase
from coalign.core.ids import stable_id
from coalign.participation.accounts import create_account
from coalign.store import Store, open_store
from coalign.web.app import create_app
from tests.conftest import free_port
from tests.rating.helpers import make_campaign
from tests.web.test_activities_browser import join, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Store]]:
    """The app over a fresh store with the mini study (no model: nothing here chats), served by
    uvicorn on loopback in a thread."""
    import uvicorn

    store = open_store(str(tmp_path / "g.db"))
    make_campaign(store)
    create_account(store, "fac", "correct horse", role="facilitator")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.1)
    try:
        yield base, store
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def test_share_code_choose_and_write_the_goal(site, browser) -> None:
    from playwright.sync_api import expect

    base, store = site
    a_page, b_page = join(browser, base, "ana"), join(browser, base, "ben")
    a, b = (stable_id("p", "mini", "prolific", name) for name in ("ana", "ben"))
    group = create_group(store, "mini", "Kitchen table", [a, b])
    add_entry(
        store,
        a,
        {
            "goal": "Ask about a loan for my shop",
            "prompt": "Can I get a small business loan?",
            "response": "Loans are complicated; ask your husband to handle it.",
        },
    )

    # A opens the group, goes to the group phase and shares the entry, ticking consent first
    a_page.goto(f"{base}/p/groups/{group.id}")
    a_page.get_by_role("link", name="Group phase").click()
    entry = a_page.locator(".entry", has_text="Ask about a loan for my shop").first
    share = entry.get_by_role("button", name="Share with my group")
    share.click()  # the consent box is required: the browser keeps the form from going
    expect(a_page.get_by_text("Nothing shared yet.")).to_be_visible()
    entry.get_by_label("I agree to share this entry with my group").check()
    share.click()
    expect(a_page.locator(".share")).to_contain_text("ask your husband to handle it")

    # B sees it under A's pseudonym, codes a passage and zooms out
    b_page.goto(f"{base}/p/groups/{group.id}/phase")
    shared = b_page.locator(".share").first
    expect(shared).to_contain_text("Shared by P1")
    expect(b_page.locator("body")).not_to_contain_text(a)
    shared.get_by_label("Code", exact=True).fill("gender stereotype")
    shared.get_by_label("Passage (optional, copied from the text)").fill("ask your husband")
    shared.get_by_role("button", name="Add code").click()
    shared = b_page.locator(".share").first
    expect(shared.locator(".code-chip")).to_contain_text("gender stereotype")
    shared.get_by_label("Who was affected?").fill("women running a business")
    shared.get_by_label("What was at stake?").fill("access to credit")
    shared.get_by_role("button", name="Save my worksheet").click()
    expect(b_page.locator(".share").first.get_by_label("What was at stake?")).to_have_value(
        "access to credit"
    )

    # B clusters it and the group chooses that misalignment; A writes the goal from it
    b_page.get_by_role("checkbox", name="Ask about a loan for my shop").check()
    b_page.get_by_label("Name of the new cluster").fill("Assumed gender roles")
    b_page.get_by_role("button", name="Create cluster").click()
    b_page.get_by_label("Cluster the group chooses").select_option(label="Assumed gender roles")
    b_page.get_by_role("button", name="Choose this misalignment").click()
    expect(b_page.locator("#chosen")).to_contain_text("Assumed gender roles")

    a_page.goto(f"{base}/p/groups/{group.id}/phase")
    expect(a_page.locator("#chosen")).to_contain_text("by P2")
    a_page.get_by_label("as …").fill("small business owners")
    a_page.get_by_label("lets us …").fill("get straight answers about finance")
    a_page.get_by_label("interactions characterised by …").fill("no assumptions about gender")
    a_page.get_by_role("button", name="Save the group's goal").click()
    expect(a_page.locator(".goal")).to_have_text(
        "We want an LLM that lets us, as small business owners, get straight answers about "
        "finance, by supporting interactions characterised by no assumptions about gender."
    )

    phase = group_phase(store, "mini", group.id)
    assert phase.goal_decision and phase.goal_decision.participant_id == a
    assert phase.goal_decision.share_ids == [phase.shares[0].id]
    assert phase.shares[0].codes[0].participant_id == b

    # the facilitator's view names who shared, when they consented, and the goal's sources
    facilitator = log_in(browser, base, f"/f/studies/mini/groups/{group.id}/phase")
    expect(facilitator.locator("#share-" + str(phase.shares[0].id))).to_contain_text(a)
    expect(facilitator.locator("#share-" + str(phase.shares[0].id))).to_contain_text(
        "consent given on"
    )
    expect(facilitator.locator(".goal")).to_contain_text("small business owners")
