"""Familiarize in a real chromium (Playwright, headless) against the app served by uvicorn: coding
is closed, the participant reads the training, fails the check, reads the feedback, passes, and
codes a shared baseline answer; the facilitator sees the two attempts."""

from __future__ import annotations

import pytest

from coalign.coconstruct.coding import own_codes
from coalign.coconstruct.training import training_results
from coalign.core.ids import stable_id
from tests.coconstruct.helpers import model_turn, train
from tests.web.test_activities_browser import join, log_in, site  # noqa: F401  (site: a fixture)

pytestmark = pytest.mark.browser

WRONG = ("summary", "It is too long.", "What the answer is about.")
RIGHT = (
    "assumes older people cannot use apps",
    "It says where the answer sits in the conversation, not which value it shows or misses.",
    "In a few words, a value the answer respects or neglects for the person asking.",
)


def test_familiarize_fail_feedback_pass_then_code(site, browser) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base, store = site
    train(store)
    model_turn(store, "Sure, read me the number on your card.")
    page = join(browser, base, "learner")

    # coding is closed, with the way to the training
    page.goto(f"{base}/p/chat")
    page.get_by_role("link", name="Base").click()
    expect(page.locator("#training-first")).to_be_visible()
    expect(page.get_by_role("button", name="Add code")).to_have_count(0)
    page.locator("#training-first").get_by_role("link", name="Go to the training").click()
    expect(page.get_by_role("heading", name="The setting")).to_be_visible()
    expect(page.get_by_text("Imagine a public library")).to_be_visible()
    expect(page.locator(".bad-codes").first).to_contain_text("summary")

    # a failed check: feedback on every answer, and the check again
    for option in WRONG:
        page.get_by_label(option, exact=True).check()
    page.get_by_role("button", name="Check my answers").click()
    result = page.locator("#result")
    expect(result).to_contain_text("You answered 0 of 3 questions right; 2 are needed to pass.")
    expect(result).to_contain_text("Not passed yet.")
    expect(page.locator("#feedback-names-a-value")).to_contain_text(
        '"Summary" says what kind of text the answer is'
    )
    expect(page.locator("#feedback-names-a-value")).to_contain_text("not quite")

    # a passed check opens coding
    for option in RIGHT:
        page.get_by_label(option, exact=True).check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.locator("#result")).to_contain_text("You passed the check.")
    expect(page.get_by_role("button", name="Check my answers")).to_have_count(0)
    page.get_by_role("link", name="Go to your conversations").click()
    page.get_by_role("link", name="Base").click()
    expect(page.locator("#training-first")).to_have_count(0)
    form = page.locator(".code-form").first
    form.get_by_label("Code", exact=True).fill("asks for card data")
    form.get_by_role("button", name="Add code").click()
    expect(page.locator(".code-chip").first).to_contain_text("asks for card data")
    learner = stable_id("p", "mini", "prolific", "learner")
    assert [c.text for c in own_codes(store, learner)] == ["asks for card data"]

    # the facilitator sees two attempts, the second one passed
    results = training_results(store, "mini")
    assert results is not None
    assert [(p.attempts, p.passed_at is not None) for p in results.participants] == [(2, True)]
    facilitator = log_in(browser, base, "/f/studies/mini")
    expect(facilitator.locator("#training-participants")).to_contain_text(learner)
    expect(facilitator.locator("#training")).to_be_visible()
