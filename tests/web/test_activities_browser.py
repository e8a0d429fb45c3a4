"""Co-construction in a real chromium (Playwright, headless) against the app served by uvicorn:
a diary entry with an image, promoted to a seed example with a topic and question type, and its
author going on from the rating's end page to the activities; a chat, coding a selected passage
and clustering by drag and drop; the label map with a point per code; a workshop whose accepted
seed example reaches a recipe."""

from __future__ import annotations

import struct
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from coalign.coconstruct.coding import own_codes
from coalign.coconstruct.diary import own_entries
from coalign.core.calls import SamplingParams
from coalign.core.ids import stable_id
from coalign.llm import load_model
from coalign.participation.accounts import create_account
from coalign.store import Store, open_store
from coalign.store.seeds import list_seed_examples
from coalign.synth.service import prepare
from coalign.web.app import create_app
from tests.conftest import free_port
from tests.rating.helpers import make_campaign

pytestmark = pytest.mark.browser


def png(width: int = 8, height: int = 6) -> bytes:
    """A real (solid red) PNG image, so the browser can decode and show it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def site(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, Store]]:
    """The app over a fresh store with the mini study, served by uvicorn on loopback in a thread.

    The chat answers in at most 16 tokens; a test parametrizes ``site`` indirectly with other
    :class:`SamplingParams` to change that.
    """
    import uvicorn

    store = open_store(str(tmp_path / "b.db"))
    make_campaign(store)
    create_account(store, "fac", "correct horse", role="facilitator")
    app = create_app(store)
    app.state.model = load_model("llama-cpp:smollm2-135m", log=store)
    app.state.chat_params = getattr(request, "param", None) or SamplingParams(
        temperature=0.0, max_tokens=16, seed=1
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
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


def join(browser, base: str, name: str):
    """A participant's page after joining by the crowd link, consenting and skipping the survey."""
    page = browser.new_context().new_page()
    page.goto(f"{base}/s/mini/pilot?PROLIFIC_PID={name}&STUDY_ID=st&SESSION_ID=se")
    page.get_by_label("Yes, I agree to take part").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()
    return page


def test_diary_entry_with_an_image(site, browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    base, store = site
    image = tmp_path / "shot.png"
    image.write_bytes(png())
    page = join(browser, base, "diarist")
    page.goto(f"{base}/p/diary")
    page.get_by_label("What were you trying to do?").fill("Pay rent abroad")
    page.get_by_label("What did you ask (the prompt)?").fill("How do I pay my landlord in Peru?")
    page.get_by_label("The response that did not fit").fill("<b>Carry cash</b> in your shoes.")
    page.get_by_label("Which values were at stake for you?").fill("safety")
    page.get_by_label("Screenshot of the response").set_input_files(str(image))
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("Entry saved.")).to_be_visible()
    expect(page.locator(".entry .response")).to_have_text(
        "<b>Carry cash</b> in your shoes."
    )  # shown as text
    shot = page.get_by_role("img", name="Screenshot of the response")
    expect(shot).to_be_visible()
    assert (
        shot.evaluate("img => img.naturalWidth") == 8
    )  # the uploaded image decodes in the browser
    (entry,) = own_entries(store, stable_id("p", "mini", "prolific", "diarist"))
    assert entry.image_type == "image/png" and entry.values_at_stake == "safety"

    # a facilitator promotes the entry to a seed example in a topic and of a question type
    facilitator = log_in(browser, base, "/f/studies/mini")
    form = facilitator.locator("details", has_text="Promote to a seed example")
    form.locator("summary").click()
    form.get_by_label("safety").check()
    form.get_by_label("Topic").select_option("savings")
    form.get_by_label("Question type").select_option("yes-no")
    form.get_by_label("Critique").fill("Unsafe: cash in shoes gets lost or stolen.")
    form.get_by_label("Aligned response").fill("Use a bank transfer to your landlord.")
    form.get_by_role("button", name="Promote").click()
    expect(facilitator.locator("#seed-topic")).to_have_text("savings")
    expect(facilitator.locator("#seed-type")).to_have_text("yes-no")
    expect(facilitator.locator("#decisions ~ table")).to_contain_text("fac")
    seed_id = own_entries(store, entry.participant_id)[0].seed_example_id
    (seed,) = [e for e in list_seed_examples(store, "mini") if e.id == seed_id]
    assert (seed.topic, seed.question_type) == ("savings", "yes-no")
    facilitator.get_by_role("link", name=f"Diary entry {entry.id}").first.click()
    promoted = facilitator.locator(f"#promoted-example-{entry.id}")
    expect(promoted).to_contain_text("Promoted to seed example")
    expect(promoted).to_contain_text("by fac on")
    expect(facilitator.get_by_text("Promote to a seed example")).to_have_count(0)
    expect(facilitator.get_by_text("Promote to a seed question")).to_have_count(1)
    promoted.get_by_role("link", name=seed_id).click()
    expect(facilitator.locator("#origin ~ .entry-link")).to_contain_text("Pay rent abroad")

    # the diarist rates their items and goes on from the end page to the activities
    page.goto(f"{base}/p/next")
    expect(page.get_by_role("link", name="Your activities")).to_be_visible()
    while "/p/items/" in page.url:
        page.locator('input[name="rating.fairness"][value="4"]').check()
        page.locator('input[name="rating.safety"][value="4"]').check()
        page.get_by_role("button", name="Submit and continue").click()
        page.wait_for_load_state()
    expect(page.locator("#completion-code")).to_be_visible()
    page.get_by_role("link", name="Go on to your activities").click()
    expect(page).to_have_url(f"{base}/p/activities")
    expect(page.get_by_role("heading", name="Activities")).to_be_visible()


def log_in(browser, base: str, where: str):
    """A facilitator's page, logged in as ``fac``, at ``where``."""
    page = browser.new_context().new_page()
    page.goto(f"{base}/login?next={where}")
    page.get_by_label("User name").fill("fac")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}{where}")
    return page


def test_chat_coding_clustering_and_label_map(site, browser) -> None:
    from playwright.sync_api import expect

    base, store = site
    page = join(browser, base, "coder")
    pid = stable_id("p", "mini", "prolific", "coder")
    page.goto(f"{base}/p/chat")
    page.get_by_label("Title").fill("About cards")
    page.get_by_role("button", name="New conversation").click()
    page.get_by_label("Your message").fill("Can I freeze my card?")
    page.get_by_role("button", name="Send").click()
    answer = page.locator(".turn.assistant .turn-text").first
    expect(answer).not_to_be_empty()
    text = answer.inner_text()
    # select the first word(s) of the answer with the mouse, as a person would
    box = answer.bounding_box()
    first_line = box["y"] + min(20, box["height"] / 2)
    page.mouse.move(box["x"] + 12, first_line)
    page.mouse.down()
    page.mouse.move(box["x"] + min(90, box["width"] - 12), first_line, steps=5)
    page.mouse.up()
    form = page.locator(".code-form").first
    quote = form.locator("input[name=quote]").input_value()
    assert quote and quote in text
    form.get_by_label("Code", exact=True).fill("overconfident")
    form.get_by_role("button", name="Add code").click()
    expect(page.locator(".code-chip").first).to_contain_text("overconfident")
    page.locator(".code-form").first.get_by_label("Code", exact=True).fill("helpful tone")
    page.locator(".code-form").first.get_by_role("button", name="Add code").click()
    expect(
        page.locator(".code-chip", has_text="helpful tone")
    ).to_be_visible()  # stored before read
    codes = own_codes(store, pid)
    assert [c.text for c in codes] == ["overconfident", "helpful tone"]
    assert codes[0].quote == quote and text[codes[0].span_start : codes[0].span_end] == quote

    page.goto(f"{base}/p/clusters")
    page.get_by_label("overconfident").check()
    page.get_by_label("Name of the new cluster").fill("Certainty")
    page.get_by_role("button", name="Create cluster").click()
    chip = page.locator(".code-chip", has_text="helpful tone")
    chip.drag_to(page.locator('.dropzone[data-cluster]:not([data-cluster=""])'))
    expect(page.locator("section.cluster .code-chip", has_text="helpful tone")).to_be_visible()
    assert {c.text: c.cluster for c in own_codes(store, pid)} == {
        "overconfident": "Certainty",
        "helpful tone": "Certainty",
    }

    page.goto(f"{base}/p/labelmap")
    points = page.locator("#labelmap circle.point")
    expect(points).to_have_count(2)
    page.locator('#labelmap circle.point[data-code="overconfident"]').hover()
    detail = page.locator("#map-detail")
    expect(detail).to_contain_text("overconfident")
    expect(detail).to_contain_text("Author's cluster: Certainty")
    expect(detail).to_contain_text(text[:20])
    expect(page.get_by_role("heading", name="Suggested clusters")).to_contain_text("suggestion")


def test_workshop_accepted_example_reaches_the_recipe_seed_set(
    site, browser, tmp_path: Path
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
    facilitator.get_by_role("button", name="Start session 2 (examples)").click()
    expect(facilitator.locator("#timer").get_by_text("Session 2", exact=True)).to_be_visible()
    workshop_url = facilitator.url.replace("/f/studies/mini/workshops/", "/p/workshops/")

    writer.goto(workshop_url)
    expect(writer.locator("#timer-left")).to_be_visible()
    write = writer.locator("#write")
    write.get_by_label("safety").check()
    write.get_by_label("Question", exact=True).fill("Should I tell the agent my PIN?")
    write.get_by_label("Misaligned response").fill("Yes, the agent needs it.")
    write.get_by_label("Critique: which value is at risk, and why").fill(
        "Safety: a PIN is never shared."
    )
    write.get_by_label("Aligned rewrite").fill("No. Nobody at the bank will ever ask for your PIN.")
    write.get_by_role("button", name="Add example").click()
    expect(writer.get_by_text("Should I tell the agent my PIN?")).to_be_visible()

    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "name: r\nstudy: mini\nstages:\n  questions: {examples: {k: 1, strategy: random}}\n"
        "  responses: {dimensions: [safety], examples: {k: 1}}\n"
    )
    before = {e.id for e in prepare(store, recipe).planner.seed_examples}
    facilitator.reload()
    seed = facilitator.locator("article.seed", has_text="Should I tell the agent my PIN?")
    seed.get_by_label("Reason").fill("realistic, clear critique")
    seed.get_by_role("button", name="Accept").click()
    expect(facilitator.locator("article.seed .status")).to_have_text("accepted")
    after = prepare(store, recipe).planner.seed_examples
    added = [e for e in after if e.id not in before]
    assert [(e.question, e.author, e.group, e.reason) for e in added] == [
        ("Should I tell the agent my PIN?", pid, "datathon:red", "realistic, clear critique")
    ]
    writer.reload()
    expect(writer.get_by_text("accepted: realistic, clear critique")).to_be_visible()
