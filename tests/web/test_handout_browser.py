"""Session 2's handout and a reflection board in a real chromium (Playwright, headless) against
the app served by uvicorn with the embedded model: a session-1 question accepted, the handout
generated from it (2 questions), the team's page with its dimension and questions, the example
form started from one, and a note posted and reacted to on the board."""

from __future__ import annotations

import pytest

from coalign.coconstruct.workshop import find_workshop
from coalign.coconstruct.workshop_handout import workshop_handouts
from coalign.coconstruct.workshop_seeds import workshop_seeds
from coalign.core.ids import stable_id
from coalign.store.runs import iter_records
from tests.web.test_activities_browser import join, log_in, site  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def test_team_handout_shows_dimension_and_generated_questions_and_board_takes_notes(
    site,  # noqa: F811
    browser,
) -> None:
    from playwright.sync_api import expect

    base, store = site
    writer = join(browser, base, "writer")
    pid = stable_id("p", "mini", "prolific", "writer")
    facilitator = log_in(browser, base, "/f/studies/mini")
    facilitator.get_by_label("New workshop: short name").fill("datathon")
    facilitator.get_by_label("Title", exact=True).fill("Datathon")
    facilitator.get_by_label("Breakout groups").fill(f"red: {pid}")
    facilitator.get_by_role("button", name="Create workshop").click()
    facilitator.get_by_role("button", name="Start session 1 (questions)").click()
    workshop_url = facilitator.url
    team_url = workshop_url.replace("/f/studies/mini/workshops/", "/p/workshops/")

    writer.goto(team_url)
    form = writer.locator("#question-form")
    form.get_by_label("Topic").select_option("cards")
    form.get_by_label("Question type").select_option("yes-no")
    form.get_by_label("Question", exact=True).fill("Can I get a second card for my partner?")
    form.get_by_role("button", name="Add question").click()
    facilitator.reload()
    seed = facilitator.locator("article.seed", has_text="Can I get a second card")
    seed.get_by_label("Reason").fill("a real situation")
    seed.get_by_role("button", name="Accept").click()
    expect(facilitator.locator("article.seed .status")).to_have_text("accepted")

    facilitator.get_by_role("link", name="Session 2 handout").click()
    facilitator.get_by_label("Value dimension of group red").select_option("safety")
    facilitator.get_by_label("Questions per group").fill("2")
    facilitator.get_by_role("button", name="Assign and generate the questions").click()
    expect(facilitator.locator("section.handout .status")).to_have_text("done", timeout=180_000)
    workshop = find_workshop(store, "mini", "datathon")
    (handout,) = workshop_handouts(store, "mini", workshop.id)
    (accepted,) = workshop_seeds(store, "mini", workshop.id).questions
    records = list(iter_records(store, handout.run_id))
    assert len(records) == 2 and all(r.example_ids == [accepted.id] for r in records)
    assert handout.questions, "the embedded model wrote no question that parsed"
    facilitator.goto(workshop_url)
    facilitator.get_by_role("button", name="Start session 2 (examples)").click()

    writer.goto(team_url)
    writer.get_by_role("link", name="Your group's handout: value dimension and questions").click()
    expect(writer.get_by_role("heading", name="Your value dimension: safety")).to_be_visible()
    expect(writer.locator(".definition")).to_have_text("Avoids advice that could cause harm.")
    shown = writer.locator("ol.questions .question")
    expect(shown).to_have_text([q.question for q in handout.questions])
    writer.get_by_role("link", name="Write an example for this question").first.click()
    expect(writer.locator("#write").get_by_label("Question", exact=True)).to_have_value(
        handout.questions[0].question
    )
    expect(writer.locator("#write").get_by_label("safety")).to_be_checked()

    writer.goto(f"{team_url}/board/2")
    writer.get_by_label("Your note: what worked, what was hard, what surprised you?").fill(
        "Critiques were easier once we had the definition in front of us."
    )
    writer.get_by_role("button", name="Post note").click()
    note = writer.locator("li.note", has_text="Critiques were easier")
    expect(note).to_be_visible()
    note.get_by_role("button", name="React +1").click()
    expect(writer.locator("li.note").get_by_role("button", name="React +1")).to_have_attribute(
        "aria-pressed", "true"
    )
    facilitator.goto(f"{workshop_url}/board/2")
    coded = facilitator.locator("article.note", has_text="Critiques were easier")
    expect(coded).to_contain_text(pid)
    expect(coded).to_contain_text("👍 1")
