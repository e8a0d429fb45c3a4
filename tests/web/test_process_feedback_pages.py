"""The process feedback survey's pages in-process: a participant answers once per phase (German
too), a bad answer gets a clear page, the facilitator reads the results."""

from __future__ import annotations

import pytest

from tests.web.conftest import Site, login
from tests.web.test_activities import participant, pid

pytestmark = pytest.mark.anyio
RATED = {"understood": "5", "heard": "4", "free": "3", "time": "2", "worthwhile": "5"}


async def test_a_participant_answers_once_per_phase_and_the_facilitator_reads_it(
    site: Site,
) -> None:
    alice, token = await participant(site, "alice")
    assert "/p/feedback" in (await alice.get("/p/activities")).text
    page = (await alice.get("/p/feedback")).text
    assert "I felt free to say what I really think." in page
    assert '<option value="discuss">The group discussion</option>' in page

    missing = await alice.post(
        "/p/feedback", data={"csrf_token": token, "phase": "discuss", **RATED, "heard": ""}
    )
    assert missing.status_code == 422 and "heard: choose a point from 1 to 5" in missing.text
    sent = await alice.post(
        "/p/feedback",
        data={"csrf_token": token, "phase": "discuss", **RATED, "change": "More <b>time</b>"},
    )
    assert sent.status_code == 303
    page = (await alice.get(sent.headers["location"])).text
    assert "Thank you: your feedback is saved." in page
    assert "You have given feedback on: The group discussion." in page
    assert 'value="discuss"' not in page and 'value="diary"' in page
    again = await alice.post("/p/feedback", data={"csrf_token": token, "phase": "discuss", **RATED})
    assert again.status_code == 409

    german = (await alice.get("/p/feedback?lang=de")).text
    assert "Ich konnte frei sagen, was ich wirklich denke." in german
    assert "Die Gruppendiskussion" in german and "Das Fehlanpassungs-Tagebuch führen" in german

    async with site.client() as fac:
        await login(fac, "fac")
        assert "/f/studies/mini/feedback" in (await fac.get("/f/studies/mini")).text
        results = (await fac.get("/f/studies/mini/feedback")).text
        assert "The group discussion" in results and "(1 answered)" in results
        assert "More &lt;b&gt;time&lt;/b&gt;" in results and pid("alice") in results
        assert "<td>5.00</td>" in results  # worthwhile: one answer of 5
    await alice.aclose()
