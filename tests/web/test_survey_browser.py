"""A real chromium against a real ``coalign serve``: on the survey page, the list of ethnicity
options follows the country chosen above it, and only the visible list's answer is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from coalign.participation.demographics import set_survey
from coalign.store import open_store
from coalign.store.participation_tables import DemographicAnswerRow
from tests.participation.test_demographics import COUNTRY_SURVEY
from tests.rating.helpers import make_campaign
from tests.web.serving import serving

pytestmark = pytest.mark.browser


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "survey.db")
    with open_store(path) as store:
        make_campaign(store)
        set_survey(store, "mini", COUNTRY_SURVEY)
    return path


@pytest.fixture
def server(db: str, tmp_path: Path) -> Iterator[str]:
    with serving(["--db", db, "serve"], tmp_path / "serve.log") as (base, _):
        yield base


def test_options_follow_the_country(server: str, db: str, browser) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(f"{server}/s/mini/pilot?PROLIFIC_PID=survey1&STUDY_ID=st&SESSION_ID=se")
    page.get_by_label("Yes, I agree to take part").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="About you")).to_be_visible()

    germany = page.locator('fieldset[data-when="Germany"]')
    usa = page.locator('fieldset[data-when="United States"]')
    others = page.locator('fieldset[data-when=""]')
    expect(others).to_be_visible()  # no country chosen yet: the list for everyone else
    expect(germany).to_be_hidden()
    page.get_by_label("Germany").check()
    expect(germany).to_be_visible()
    expect(others).to_be_hidden()
    expect(usa).to_be_hidden()
    germany.get_by_label("Turkish or Kurdish background").check()
    page.get_by_label("United States").check()  # changing the country clears the other list
    expect(usa).to_be_visible()
    expect(germany).to_be_hidden()
    page.get_by_label("Germany").check()
    expect(germany.get_by_label("Turkish or Kurdish background")).not_to_be_checked()
    germany.get_by_label("self-describe").check()
    germany.get_by_label("Self-description (optional)").fill("Sorbian")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Item 1 / 4")).to_be_visible()

    with open_store(db) as store, store.read() as session:
        rows = session.scalars(select(DemographicAnswerRow)).all()
        answers = {r.question: (r.answer, r.self_description) for r in rows}
    assert answers == {"country": ("Germany", None), "ethnicity": ("self-describe", "Sorbian")}
