"""The steered chat's run-time interfaces in a real chromium (Playwright, headless) against the
app served by uvicorn: open the positionality card, set a personal limit, filter the history;
stop a long answer with the stop button."""

from __future__ import annotations

import pytest

from coalign.coconstruct.interact import conversations_for
from coalign.core.calls import SamplingParams
from coalign.core.ids import stable_id
from coalign.steer.chat import chat_state
from coalign.steer.limits import usage_of
from tests.web.test_activities_browser import join, site  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_card_own_limit_and_history_filter(site, browser) -> None:  # noqa: F811 (site)
    from playwright.sync_api import expect

    base, store = site
    page = join(browser, base, "runtime")
    pid = stable_id("p", "mini", "prolific", "runtime")
    page.goto(f"{base}/p/steer")
    page.get_by_label("Title", exact=True).fill("Lake trip")
    page.get_by_role("button", name="New steered conversation").click()

    # the positionality card: collapsed at first, then the model, instructions and axes
    summary = page.get_by_text("About this chat: model, instructions and values")
    expect(summary).to_be_visible()
    card = page.locator("details.positionality")
    expect(card.locator("code.model")).not_to_be_visible()
    summary.click()
    expect(card.locator("code.model")).to_have_text("smollm2-135m")
    expect(card).to_contain_text("at most 16 tokens")
    expect(card.locator(".axes-provenance > li")).to_have_count(2)

    # a personal limit of one message a day
    page.get_by_label("Messages a day I allow myself").fill("1")
    page.get_by_role("button", name="Save my limit").click()
    expect(page.get_by_text("Messages today: 0 of 1.")).to_be_visible()
    assert usage_of(store, pid).personal_limit == 1

    page.get_by_label("safety", exact=True).fill("5")
    page.get_by_label("Candidates to draft").select_option("1")
    page.get_by_label("Your message").fill("Is the lake safe for swimming?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".turn.assistant .turn-text")).not_to_be_empty()
    expect(page.get_by_text("You have reached your own limit for today.")).to_be_visible()

    # the history: the answer is found by its axis, not among the flagged ones
    page.get_by_role("link", name="Your history of answers").click()
    entries = page.locator(".history-entry")
    expect(entries).to_have_count(1)
    page.get_by_label("Steered along").select_option("safety")
    page.get_by_role("button", name="Filter").click()
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Is the lake safe for swimming?")
    expect(entries.first).to_contain_text("safety: target 5")
    page.get_by_label("only answers I flagged as misaligned").check()
    page.get_by_role("button", name="Filter").click()
    expect(entries).to_have_count(0)
    expect(page.get_by_text("No answers match these filters.")).to_be_visible()
    page.get_by_role("link", name="Show all").click()
    expect(entries).to_have_count(1)


@pytest.mark.parametrize(
    "site", [SamplingParams(temperature=0.8, max_tokens=4000, seed=7)], indirect=True
)
def test_the_stop_button_stops_a_long_answer(site, browser) -> None:  # noqa: F811 (site)
    from playwright.sync_api import expect

    base, store = site
    page = join(browser, base, "stopper")
    pid = stable_id("p", "mini", "prolific", "stopper")
    page.goto(f"{base}/p/steer")
    page.get_by_role("button", name="New steered conversation").click()
    stop = page.get_by_role("button", name="Stop generating")
    expect(stop).to_be_hidden()
    page.get_by_label("Candidates to draft").select_option("1")
    page.get_by_label("Your message").fill("Tell me a very long saga about the sea, in chapters.")
    page.get_by_role("button", name="Send").click(no_wait_after=True)
    # Playwright waits for this tab's navigation (the send) before touching it again, so the
    # person stops the answer from a second tab of the conversation, which shows the button
    # while the answer is being written (once the server has taken the message).
    other = page.context.new_page()
    for _ in range(50):
        other.goto(page.url)
        if other.get_by_role("button", name="Stop generating").is_visible():
            break
        other.wait_for_timeout(200)
    other.get_by_role("button", name="Stop generating").click()
    note = "You stopped this answer while it was being written; it is not complete."
    expect(other.get_by_text(note)).to_be_visible(timeout=60_000)  # it reloads once stopped
    expect(page.get_by_text(note)).to_be_visible(timeout=60_000)  # the waiting tab shows it
    expect(stop).to_be_hidden()
    (chat,) = conversations_for(store, pid)
    state = chat_state(store, pid, chat.id)
    (answer,) = [t for t in state.conversation.turns if t.role == "assistant"]
    assert state.steered[answer.id].stopped
