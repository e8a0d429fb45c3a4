"""Session 2's handout and the reflection boards through the pages, in-process: assigning
dimensions, a run that stops (a model server that is down) with its error and retry, the team's
page, notes, reactions, codes, downloads, German, and people outside the workshop."""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
import pytest

from coalign.llm import Model, parse_model
from coalign.llm.backends.openai import OpenAIBackend
from coalign.store.calls import recent_calls
from tests.conftest import free_port
from tests.web.conftest import Site, csrf, login
from tests.web.test_activities import participant, pid

pytestmark = pytest.mark.anyio


async def _workshop(site: Site, client: httpx.AsyncClient) -> tuple[str, str]:
    """A workshop (group red: alice) with one accepted session-1 question; its URL and token."""
    await login(client, "fac")
    token = await csrf(client, "/f/studies/mini")
    made = await client.post(
        "/f/studies/mini/workshops",
        data={"csrf_token": token, "slug": "w1", "title": "W", "groups": f"red: {pid('alice')}"},
    )
    url = made.headers["location"]
    await client.post(f"{url}/session", data={"csrf_token": token, "session": "1"})
    return url, token


async def test_handout_assignment_a_stopped_run_and_its_retry(
    site: Site, client: httpx.AsyncClient
) -> None:
    alice, alice_token = await participant(site, "alice")
    dave, _ = await participant(site, "dave")
    url, token = await _workshop(site, client)
    wid = url.rsplit("/", 1)[-1]
    early = await client.post(
        f"{url}/handout", data={"csrf_token": token, "dimension.red": "safety"}
    )
    assert early.status_code == 422 and "no seed question of session 1" in early.text
    await alice.post(
        f"/p/workshops/{wid}/questions",
        data={
            "csrf_token": alice_token,
            "text": "Can I pause my savings plan for a month?",
            "topic": "savings",
            "question_type": "yes-no",
        },
    )
    page = await client.get(url)
    assert 'href="' + url.removeprefix("http://testserver") + '/handout"' in page.text
    seed_id = re.search(r'name="seed_id" value="([^"]+)"', page.text).group(1)
    await client.post(
        f"{url}/moderate",
        data={
            "csrf_token": token,
            "kind": "question",
            "seed_id": seed_id,
            "decision": "accepted",
            "reason": "clear",
        },
    )
    before = await alice.get(f"/p/workshops/{wid}/handout")
    assert "has not handed out the questions yet" in before.text
    form = await client.get(f"{url}/handout")
    assert 'name="dimension.red"' in form.text and "<meta http-equiv" not in form.text
    missing = await client.post(f"{url}/handout", data={"csrf_token": token})
    assert missing.status_code == 422 and "choose a value dimension for breakout group red" in (
        missing.text
    )
    down = Model(
        OpenAIBackend(parse_model(f"openai:http://127.0.0.1:{free_port()}/v1#m"), timeout=2),
        site.store,
        retries=0,
    )
    site.app.state.model = down  # type: ignore[attr-defined]
    started = await client.post(
        f"{url}/handout", data={"csrf_token": token, "dimension.red": "safety", "size": "2"}
    )
    assert started.status_code == 303 and started.headers["location"].endswith("/handout")
    stopped = await client.get(f"{url}/handout")
    assert "paused" in stopped.text and "model unreachable" in stopped.text
    assert "Send the form again to try again" in stopped.text
    assert "<option selected>safety</option>" in stopped.text
    tries = len(recent_calls(site.store, limit=50))
    await client.post(
        f"{url}/handout", data={"csrf_token": token, "dimension.red": "safety", "size": "2"}
    )
    assert len(recent_calls(site.store, limit=50)) > tries  # the retry called the model again

    await client.post(f"{url}/session", data={"csrf_token": token, "session": "2"})
    workshop = await alice.get(f"/p/workshops/{wid}")
    assert f'href="/p/workshops/{wid}/handout"' in workshop.text
    team = await alice.get(f"/p/workshops/{wid}/handout")
    assert "Your value dimension: safety" in team.text
    assert "Avoids advice that could cause harm." in team.text
    assert "Can I share my PIN with the support agent?" in team.text  # a worked example
    assert "Writing the questions stopped" in team.text
    prefilled = await alice.get(
        f"/p/workshops/{wid}", params={"question": "Is <this> fine?", "dimension": "safety"}
    )
    assert ">Is &lt;this&gt; fine?</textarea>" in prefilled.text
    assert 'value="safety" checked' in prefilled.text
    await client.get("/lang/de?back=/")
    german = await client.get(f"{url}/handout")
    assert "Material für Sitzung 2" in german.text and "pausiert" in german.text
    assert (await dave.get(f"/p/workshops/{wid}/handout")).status_code == 404
    await alice.aclose(), await dave.aclose()


async def test_reflection_board_notes_reactions_codes_and_downloads(
    site: Site, client: httpx.AsyncClient
) -> None:
    alice, token = await participant(site, "alice")
    dave, dave_token = await participant(site, "dave")
    url, ftoken = await _workshop(site, client)
    wid = url.rsplit("/", 1)[-1]
    board = await alice.get(f"/p/workshops/{wid}/board/1")
    assert 'id="note-form"' in board.text
    closed = await alice.get(f"/p/workshops/{wid}/board/2")
    assert "opens when the session starts" in closed.text and 'id="note-form"' not in closed.text
    empty = await alice.post(
        f"/p/workshops/{wid}/board/1/notes", data={"csrf_token": token, "text": " "}
    )
    assert empty.status_code == 422 and "the note is empty" in empty.text
    posted = await alice.post(
        f"/p/workshops/{wid}/board/1/notes",
        data={"csrf_token": token, "text": "Topics <b>overlapped</b> a lot."},
    )
    assert posted.status_code == 303
    note_id = posted.headers["location"].rsplit("-", 1)[-1]
    outsider = await dave.post(
        f"/p/workshops/{wid}/board/1/notes", data={"csrf_token": dave_token, "text": "hi"}
    )
    assert outsider.status_code == 404
    reacted = await alice.post(
        f"/p/workshops/{wid}/notes/{note_id}/react", data={"csrf_token": token, "reaction": "+1"}
    )
    assert reacted.headers["location"] == f"/p/workshops/{wid}/board/1#note-{note_id}"
    shown = await alice.get(f"/p/workshops/{wid}/board/1")
    assert "Topics &lt;b&gt;overlapped&lt;/b&gt; a lot." in shown.text
    assert 'aria-pressed="true" aria-label="React +1">👍 1</button>' in shown.text
    assert pid("alice") not in shown.text  # participants see no authors

    facilitator = await client.get(f"{url}/board/1")
    assert pid("alice") in facilitator.text and "👍 1" in facilitator.text
    coded = await client.post(
        f"{url}/notes/{note_id}/tags", data={"csrf_token": ftoken, "tags": "taxonomy, overlap"}
    )
    assert coded.headers["location"].endswith(f"/board/1#note-{note_id}")
    after = await client.get(f"{url}/board/1")
    assert "<li>overlap: 1</li>" in after.text and 'value="taxonomy, overlap"' in after.text
    download = await client.get(f"{url}/boards.csv")
    assert download.headers["content-type"].startswith("text/csv")
    (row,) = csv.DictReader(io.StringIO(download.text))
    assert (row["author"], row["session"], row["group"], row["tags"], row["reactions"]) == (
        pid("alice"),
        "1",
        "red",
        "taxonomy; overlap",
        "+1:1",
    )
    lines = (await client.get(f"{url}/boards.jsonl")).text.splitlines()
    assert json.loads(lines[0])["text"] == "Topics <b>overlapped</b> a lot."
    assert (await client.get(f"{url}/boards.xlsx")).status_code in (404, 422)
    assert (await alice.get(f"{url}/board/1", follow_redirects=False)).status_code in (303, 403)
    await alice.get("/lang/de?back=/")
    assert "Reflexions-Pinnwand" in (await alice.get(f"/p/workshops/{wid}/board/1")).text
    await alice.aclose(), await dave.aclose()
