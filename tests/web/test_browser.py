"""A real chromium (Playwright, headless) against a real ``coalign serve``: a crowd participant
joins, consents, answers demographics, rates every item (one is an attention check) with the
keyboard and mouse, and gets the completion code; a facilitator logs in and exports the ratings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from coalign.core.campaigns import ItemQuestion
from coalign.participation.accounts import create_account
from coalign.store import open_store
from tests.rating.helpers import make_campaign
from tests.web.serving import serving

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    db = str(tmp_path / "b.db")
    with open_store(db) as store:
        make_campaign(
            store, questions=[ItemQuestion(name="about_gender", text="Is this about gender?")]
        )
        create_account(store, "admin", "correct horse", role="admin")
    with serving(["--db", db, "serve"], tmp_path / "serve.log") as (base, _):
        yield base


def test_participant_and_facilitator_in_chromium(server: str, browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone-sized screen
    page.goto(f"{server}/s/mini/pilot?PROLIFIC_PID=browser1&STUDY_ID=st&SESSION_ID=se")
    expect(page.get_by_role("heading", name="Mini study")).to_be_visible()
    page.get_by_label("Yes, I agree to take part").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    page.get_by_role("group", name="What is your gender identity?").get_by_label(
        "prefer to self-describe"
    ).check()
    page.get_by_label("Self-description (optional)").fill("<b>agender</b>")
    page.get_by_label("In which country do you live?").fill("Kenya")
    page.get_by_role("button", name="Continue").click()

    for position in range(1, 5):
        expect(page.get_by_text(f"Item {position} / 4")).to_be_visible()
        attention = page.locator(".prompt").inner_text() == "Attention check"
        fairness = page.get_by_role("group", name=re.compile("fairness"))
        expect(fairness).to_contain_text("Treats people equally")  # the definition beside the scale
        if attention:
            fairness.get_by_label("4 agree").check()
        else:  # keyboard: focus the first point, move right with the arrow key (selects point 2)
            fairness.get_by_label("1 strongly disagree").focus()
            page.keyboard.press("ArrowRight")
            expect(fairness.get_by_label("2 disagree")).to_be_checked()
        expect(page.locator("#draft-status")).to_contain_text("Draft saved")  # HTMX autosave
        page.get_by_role("group", name=re.compile("safety")).get_by_label("4 agree").check()
        page.get_by_role("group", name="Is this about gender?").get_by_label("no").check()
        if position == 1:  # a reload keeps the draft
            expect(page.locator("#draft-status")).to_contain_text("Draft saved")
            page.reload()
            expect(
                page.get_by_role("group", name=re.compile("safety")).get_by_label("4 agree")
            ).to_be_checked()
        page.get_by_role("button", name="Submit and continue").click()

    expect(page.locator("#completion-code")).to_have_text("DONE-123")

    admin = browser.new_page()
    admin.goto(f"{server}/login")
    admin.get_by_label("User name").fill("admin")
    admin.get_by_label("Password").fill("correct horse")
    admin.get_by_role("button", name="Log in").click()
    admin.get_by_role("link", name="Pilot ratings").click()
    expect(admin.locator("#completed")).to_have_text("1")
    expect(admin.locator("#attention-failures")).to_have_text("0")
    # a browser driven this fast rates under 5 s an item: the default export leaves it out
    with admin.expect_download() as download:
        admin.locator("#export-csv-demographics").click()
    screened = tmp_path / "screened.csv"
    download.value.save_as(screened)
    assert len(screened.read_text().splitlines()) == 1  # the header only
    with admin.expect_download() as download:
        admin.locator("#export-csv-demographics-everyone").click()
    saved = tmp_path / "ratings.csv"
    download.value.save_as(saved)
    lines = saved.read_text().splitlines()
    header = lines[0].split(",")
    assert header[:5] == ["item", "rater", "crowd_id", "dimension", "value"]
    assert {"country", "gender"} <= set(header)
    assert (
        len(lines) == 1 + 3 * 2
    )  # 3 real items x 2 dimensions; the attention check is not exported
    assert "Kenya" in saved.read_text()
