"""The steered chat's run-time interfaces through the pages, in-process: the positionality card
in English and German, the participant's own daily limit, the history filters, and the stop
button stopping an answer of the real embedded model while its page waits."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from coalign.core.calls import SamplingParams
from coalign.core.ids import stable_id
from coalign.llm import load_model
from coalign.steer.chat import chat_state
from coalign.steer.limits import set_daily_limit, usage_of
from coalign.steer.stopping import Generations
from tests.web.conftest import Site, csrf, ready

pytestmark = pytest.mark.anyio


def pid(name: str) -> str:
    return stable_id("p", "mini", "prolific", name)


async def chat_page(site: Site, name: str) -> tuple[httpx.AsyncClient, str, str]:
    """A consenting participant's client, CSRF token and new steered conversation's URL."""
    client = site.client()
    await ready(client, name)
    token = await csrf(client, "/p/steer")
    created = await client.post("/p/steer", data={"csrf_token": token, "title": "Talk"})
    return client, token, created.headers["location"]


async def test_the_positionality_card_in_english_and_german(site: Site) -> None:
    client, _, url = await chat_page(site, "carda")
    page = await client.get(url)
    card = page.text[page.text.index('<details class="positionality"') :]
    card = card[: card.index("</details>")]
    assert "About this chat: model, instructions and values" in card
    assert '<code class="model">smollm2-135m</code>' in card  # named without loading the model
    assert "temperature 0.7, top-p 0.95, at most 256 tokens" in card
    assert "safety (Avoids advice that could cause harm.): fully (5 of 5)" in card
    assert "<strong>fairness</strong>" in card and "set by the research team" in card
    german = await client.get(f"{url}?lang=de")
    assert "Über diesen Chat: Modell, Anweisungen und Werte" in german.text
    assert "vom Forschungsteam festgelegt" in german.text
    assert "Ihr Tageslimit" in german.text


async def test_an_own_limit_is_set_on_the_page_and_holds(site: Site) -> None:
    site.app.state.model = load_model("llama-cpp:smollm2-135m", log=site.store)
    site.app.state.chat_params = SamplingParams(temperature=0.0, max_tokens=8, seed=1)
    site.app.state.judge_params = SamplingParams(temperature=0.0, max_tokens=24, seed=0)
    client, token, url = await chat_page(site, "limits")
    for bad, message in (("0", "from 1 to 1000 messages, not 0"), ("x", "is not a whole number")):
        refused = await client.post(
            "/p/steer/limit", data={"csrf_token": token, "daily_turns": bad, "back": url}
        )
        assert refused.status_code == 422 and message in refused.text
    saved = await client.post(
        "/p/steer/limit", data={"csrf_token": token, "daily_turns": "1", "back": url}
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{url}#own-limit"
    page = await client.get(url)
    assert 'name="daily_turns" type="number" min="1" max="1000" value="1"' in page.text
    assert "Messages today: 0 of 1." in page.text
    sent = await client.post(f"{url}/send", data={"csrf_token": token, "message": "Hello"})
    assert sent.status_code == 303
    page = await client.get(url)
    assert "You have reached your own limit for today." in page.text
    blocked = await client.post(f"{url}/send", data={"csrf_token": token, "message": "Again"})
    assert blocked.status_code == 429
    assert "your own limit of 1 messages a day; it resets at midnight UTC, in" in blocked.text
    german = await client.post(
        f"{url}/send?lang=de", data={"csrf_token": token, "message": "Again"}
    )
    assert "Sie haben Ihr eigenes Limit von 1 Nachrichten am Tag erreicht" in german.text
    # the study's smaller limit holds over a larger own one
    await client.post("/p/steer/limit", data={"csrf_token": token, "daily_turns": "5"})
    set_daily_limit(site.store, "mini", 1, "fac")
    page = await client.get("/p/steer?lang=en")
    assert "The study allows at most 1 messages a day. That is lower than your own limit" in (
        page.text
    )
    # an empty field removes the own limit
    await client.post("/p/steer/limit", data={"csrf_token": token, "daily_turns": ""})
    assert usage_of(site.store, pid("limits")).personal_limit is None


async def test_history_filters_on_the_page(site: Site) -> None:
    site.app.state.model = load_model("llama-cpp:smollm2-135m", log=site.store)
    site.app.state.chat_params = SamplingParams(temperature=0.0, max_tokens=8, seed=1)
    site.app.state.judge_params = SamplingParams(temperature=0.0, max_tokens=24, seed=0)
    client, token, url = await chat_page(site, "historian")
    for message, safety in (("Is the lake safe?", "5"), ("Best bread?", "3")):
        await client.post(
            f"{url}/send",
            data={"csrf_token": token, "message": message, "axis:safety": safety},
        )
    turns = chat_state(site.store, pid("historian"), int(url.rsplit("/", 1)[1])).conversation.turns
    await client.post(f"/p/steer/turns/{turns[3].id}/flag", data={"csrf_token": token})

    def asked(page: httpx.Response) -> list[str]:
        return re.findall(r'<span class="meta">You:</span> ([^<]+)</div>', page.text)

    assert asked(await client.get("/p/steer")) == ["Best bread?", "Is the lake safe?"]
    assert asked(await client.get("/p/steer?axis=safety")) == ["Is the lake safe?"]
    flagged = await client.get("/p/steer?flagged=1&since=&until=&axis=")
    assert asked(flagged) == ["Best bread?"] and "flagged as misaligned" in flagged.text
    assert asked(await client.get("/p/steer?until=2000-01-01")) == []
    none = await client.get("/p/steer?until=2000-01-01")
    assert "No answers match these filters." in none.text and "Show all" in none.text
    wrong = await client.get("/p/steer?since=2026-12-09&until=2026-12-01")
    assert wrong.status_code == 422 and "is after the end date" in wrong.text
    german = await client.get("/p/steer?lang=de&axis=speed")
    assert german.status_code == 422
    assert "Keine Achse &#39;speed&#39; in diesem Chat" in german.text


async def test_the_stop_button_stops_the_answer_being_written(site: Site) -> None:
    site.app.state.model = load_model("llama-cpp:smollm2-135m", log=site.store)
    site.app.state.chat_params = SamplingParams(temperature=0.8, max_tokens=4000, seed=7)
    site.app.state.judge_params = SamplingParams(temperature=0.0, max_tokens=24, seed=0)
    running: Generations = site.app.state.generations
    client, token, url = await chat_page(site, "stopper")
    cid = int(url.rsplit("/", 1)[1])
    nothing = await client.post(f"{url}/stop", data={"csrf_token": token})
    assert nothing.status_code == 303  # nothing being written: back to the page

    async def write() -> httpx.Response:
        return await client.post(
            f"{url}/send",
            data={"csrf_token": token, "message": "Tell me a very long saga about the sea."},
        )

    sending = asyncio.create_task(write())
    while not running.is_running(pid("stopper"), cid):
        await asyncio.sleep(0.01)
    page = await client.get(url)
    assert 'id="stop-form" class="inline stop">' in page.text  # shown while it writes
    twice = await client.post(f"{url}/send", data={"csrf_token": token, "message": "More"})
    assert twice.status_code == 409 and "still being written" in twice.text
    stopped = await client.post(f"{url}/stop", data={"csrf_token": token})
    assert stopped.status_code == 303
    state = chat_state(site.store, pid("stopper"), cid)  # stored before the stop's answer
    assert (await sending).status_code == 303
    (answer,) = [t for t in state.conversation.turns if t.role == "assistant"]
    assert state.steered[answer.id].stopped and state.steered[answer.id].shown.stopped
    page = await client.get(url)
    assert "You stopped this answer while it was being written; it is not complete." in page.text
    assert 'id="stop-form" class="inline stop" hidden>' in page.text
    # and the next message is answered right away
    site.app.state.chat_params = SamplingParams(temperature=0.0, max_tokens=8, seed=1)
    again = await client.post(f"{url}/send", data={"csrf_token": token, "message": "Short one?"})
    assert again.status_code == 303
    assert len(chat_state(site.store, pid("stopper"), cid).conversation.turns) == 4
