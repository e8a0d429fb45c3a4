"""The steered chat in a real chromium (Playwright, headless) against the app served by uvicorn:
move a slider, send a message, see the radar and the alternatives, flag an answer, rewind."""

from __future__ import annotations

import pytest

from coalign.coconstruct.diary import own_entries
from coalign.coconstruct.interact import conversations_for
from coalign.core.ids import stable_id
from coalign.steer.chat import chat_state
from tests.web.test_activities_browser import join, site  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_steer_see_where_the_answer_stands_flag_and_rewind(site, browser) -> None:  # noqa: F811 (site)
    from playwright.sync_api import expect

    base, store = site
    page = join(browser, base, "steerer")
    pid = stable_id("p", "mini", "prolific", "steerer")
    page.goto(f"{base}/p/activities")
    page.get_by_role("link", name="Steered chat").click()
    page.get_by_label("Title", exact=True).fill("Safety first")
    page.get_by_role("button", name="New steered conversation").click()

    slider = page.get_by_label("safety", exact=True)
    slider.fill("5")
    expect(page.locator('output[for="' + slider.get_attribute("id") + '"]')).to_have_text("5")
    page.get_by_label("Candidates to draft").select_option("2")
    page.get_by_label("Your message").fill("Can I share my PIN?")
    page.get_by_role("button", name="Send").click()

    answer = page.locator(".turn.assistant").first
    expect(answer.locator(".turn-text")).not_to_be_empty()
    radar = answer.locator("svg.radar")
    # drawn by the page's script; two axes give a plane with the answer and the target
    expect(radar.locator(".target")).to_have_count(1)
    expect(radar.locator("text.label")).to_have_count(2)
    expect(radar.locator("text.label").first).to_contain_text("fairness")
    expect(answer.locator(".stands .bars li")).to_have_count(2)
    expect(answer.locator(".stands")).to_contain_text("target 5")
    answer.get_by_text("All candidates (2)").click()
    expect(answer.locator(".candidate")).to_have_count(2)
    expect(answer.locator(".candidate.chosen")).to_have_count(1)
    expect(slider).to_have_value("5")  # the sliders keep the setting for the next message

    (chat,) = conversations_for(store, pid)
    state = chat_state(store, pid, chat.id)
    shown = state.conversation.turns[1]
    assert state.steered[shown.id].targets["safety"] == 5

    answer.get_by_role("button", name="This is misaligned").click()
    expect(page.get_by_role("heading", name="Edit entry")).to_be_visible()
    expect(page.get_by_label("What did you ask (the prompt)?")).to_have_value("Can I share my PIN?")
    expect(page.get_by_label("The response that did not fit")).to_have_value(shown.content)
    (entry,) = own_entries(store, pid)
    assert entry.response == shown.content

    page.goto(f"{base}/p/steer/{chat.id}")
    page.locator(".turn.user").first.get_by_role("button", name="Rewind to here").click()
    expect(page.locator(".turn")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety first (rewound to turn 1)")
    expect(page.get_by_text("Rewound from")).to_be_visible()
    assert len(chat_state(store, pid, chat.id).conversation.turns) == 2  # the original is kept
