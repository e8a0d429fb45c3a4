"""The steered chat pages in-process: send with sliders, scores and alternatives on the page,
marks, flag to the diary, rewind, shared prompts, the daily limit, someone else's turns."""

from __future__ import annotations

import re

import httpx
import pytest

from coalign.coconstruct.diary import own_entries
from coalign.core.calls import SamplingParams
from coalign.core.ids import stable_id
from coalign.llm import load_model
from coalign.steer.chat import (
    chat_state,
)
from coalign.steer.limits import daily_limit, set_daily_limit
from coalign.steer.prompt_library import library
from coalign.steer.repair import feedback_on
from tests.web.conftest import Site, csrf, login, ready

pytestmark = pytest.mark.anyio


def pid(name: str) -> str:
    return stable_id("p", "mini", "prolific", name)


async def participant(site: Site, name: str) -> tuple[httpx.AsyncClient, str]:
    client = site.client()
    await ready(client, name)
    return client, await csrf(client, "/p/steer")


async def test_a_steered_turn_and_its_repair_through_the_pages(site: Site) -> None:
    site.app.state.model = load_model("llama-cpp:smollm2-135m", log=site.store)
    site.app.state.chat_params = SamplingParams(temperature=0.9, max_tokens=12, seed=2)
    site.app.state.judge_params = SamplingParams(temperature=0.0, max_tokens=32, seed=0)
    alice, token = await participant(site, "alice")
    created = await alice.post("/p/steer", data={"csrf_token": token, "title": "Trip"})
    assert created.status_code == 303
    page_url = created.headers["location"]
    cid = int(page_url.rsplit("/", 1)[1])
    page = await alice.get(page_url)
    assert 'name="axis:fairness"' in page.text and 'name="axis:safety"' in page.text

    sent = await alice.post(
        f"{page_url}/send",
        data={
            "csrf_token": token,
            "message": "Is it safe to travel?",
            "axis:safety": "5",
            "axis:fairness": "2",
            "n": "2",
        },
    )
    assert sent.status_code == 303
    state = chat_state(site.store, pid("alice"), cid)
    answer = state.conversation.turns[1]
    steered = state.steered[answer.id]
    assert steered.targets == {"safety": 5, "fairness": 2} and steered.n == 2
    page = await alice.get(page_url)
    assert 'class="radar"' in page.text and page.text.count('class="candidate') == 2
    assert 'value="5"' in page.text  # the sliders keep the last setting

    marked = await alice.post(
        f"/p/steer/turns/{answer.id}/mark",
        data={"csrf_token": token, "kind": "validity", "value": "invalid", "back": page_url},
    )
    assert marked.status_code == 303 and marked.headers["location"] == page_url
    flagged = await alice.post(f"/p/steer/turns/{answer.id}/flag", data={"csrf_token": token})
    (entry,) = own_entries(site.store, pid("alice"))
    assert flagged.headers["location"] == f"/p/diary?entry={entry.id}"
    assert entry.prompt == "Is it safe to travel?" and entry.response == answer.content
    kinds = [f.kind for f in feedback_on(site.store, pid("alice"), [answer.id])[answer.id]]
    assert kinds == ["validity", "flag"]

    rewound = await alice.post(f"/p/steer/turns/{answer.id}/rewind", data={"csrf_token": token})
    fork = int(re.match(r"/p/steer/(\d+)", rewound.headers["location"]).group(1))
    assert [t.content for t in chat_state(site.store, pid("alice"), fork).conversation.turns] == [
        "Is it safe to travel?",
        answer.content,
    ]

    shared = await alice.post(
        "/p/steer/prompts",
        data={"csrf_token": token, "text": "Is it safe to travel?", "back": page_url},
    )
    assert shared.status_code == 303
    (prompt,) = library(site.store, pid("alice"))
    reuse = await alice.get(f"{page_url}?prompt={prompt.id}")
    assert f'name="prompt_id" value="{prompt.id}"' in reuse.text

    bob, bob_token = await participant(site, "bob")
    foreign = await bob.post(f"/p/steer/turns/{answer.id}/flag", data={"csrf_token": bob_token})
    assert foreign.status_code == 404
    assert (await bob.get(page_url)).status_code == 404

    bad = await alice.post(
        f"/p/steer/{fork}/send", data={"csrf_token": token, "message": "x", "axis:safety": "9"}
    )
    assert bad.status_code == 422 and "the target must be from 1 to 5, not 9" in bad.text
    none = await alice.post(
        f"/p/steer/{fork}/send", data={"csrf_token": token, "message": "x", "n": "0"}
    )
    assert none.status_code == 422 and "ask for 1 to 8 candidates, not 0" in none.text
    set_daily_limit(site.store, "mini", 1, "fac")
    blocked = await alice.post(
        f"{page_url}/send", data={"csrf_token": token, "message": "Again?", "n": "1"}
    )
    assert blocked.status_code == 429
    assert "used all 1 steered turns allowed per day" in blocked.text
    assert len(chat_state(site.store, pid("alice"), cid).conversation.turns) == 2


async def test_facilitator_sets_the_daily_limit_and_sees_steered_turns(site: Site) -> None:
    anonymous = site.client()
    assert (await anonymous.get("/f/studies/mini/steer")).status_code == 303  # to the login
    fac = site.client()
    await login(fac, "fac")
    token = await csrf(fac, "/f/studies/mini/steer")
    saved = await fac.post(
        "/f/studies/mini/steer/limit", data={"csrf_token": token, "daily_turns": "3"}
    )
    assert saved.status_code == 303
    page = await fac.get("/f/studies/mini/steer")
    assert 'value="3"' in page.text and "No steered turns yet." in page.text
    assert daily_limit(site.store, "mini") == 3
    bad = await fac.post(
        "/f/studies/mini/steer/limit", data={"csrf_token": token, "daily_turns": "0"}
    )
    assert bad.status_code == 422 and daily_limit(site.store, "mini") == 3
    await fac.post("/f/studies/mini/steer/limit", data={"csrf_token": token, "daily_turns": ""})
    assert daily_limit(site.store, "mini") is None
    alice, alice_token = await participant(site, "alice")
    refused = await alice.post(
        "/f/studies/mini/steer/limit", data={"csrf_token": alice_token, "daily_turns": "1"}
    )
    assert refused.status_code == 403 and daily_limit(site.store, "mini") is None
