"""The training pages in-process: read, fail the check, see feedback, pass, then code; coding
refused before with a way to the training; German pages; the facilitator's results."""

from __future__ import annotations

import pytest

from coalign.coconstruct.coding import own_codes
from coalign.coconstruct.training import training_status
from coalign.core.ids import stable_id
from coalign.store.coconstruction_tables import TurnRow
from tests.coconstruct.helpers import model_turn, right_answers, train, wrong_answers
from tests.web.conftest import Site, csrf, login, ready

pytestmark = pytest.mark.anyio


def pid(name: str) -> str:
    return stable_id("p", "mini", "prolific", name)


def form(answers: dict[str, int]) -> dict[str, str]:
    return {f"answer.{question}": str(option) for question, option in answers.items()}


async def test_fail_see_feedback_pass_then_code(site: Site) -> None:
    training = train(site.store)
    turn = model_turn(site.store, "Sure, read me your card number.")
    with site.store.read() as session:
        chat_page = f"/p/chat/{session.get(TurnRow, turn).conversation_id}"
    async with site.client() as alice:
        await ready(alice, "alice")
        token = await csrf(alice, "/p/diary")
        hub = await alice.get("/p/activities")
        assert 'href="/p/training"' in hub.text and "not yet passed" in hub.text
        chat = await alice.get(chat_page)
        assert chat.status_code == 200 and 'id="training-first"' in chat.text
        assert 'action="/p/codes"' not in chat.text  # no code form before the training
        refused = await alice.post(
            "/p/codes", data={"csrf_token": token, "turn_id": str(turn), "text": "unsafe"}
        )
        assert refused.status_code == 403 and "Training comes first" in refused.text
        assert 'href="/p/training"' in refused.text
        assert "coding opens once you have passed the training check" in refused.text
        assert own_codes(site.store, pid("alice")) == []

        page = await alice.get("/p/training")
        assert "Imagine a public library" in page.text and "book recommendation" in page.text
        assert page.text.count('type="radio"') == 9 and 'id="result"' not in page.text
        sent = await alice.post(
            "/p/training", data={"csrf_token": token, **form(wrong_answers(training))}
        )
        assert sent.status_code == 303 and sent.headers["location"] == "/p/training#result"
        result = await alice.get("/p/training")
        assert "You answered 0 of 3 questions right; 2 are needed to pass." in result.text
        assert "Not passed yet." in result.text and 'id="check-form"' in result.text
        assert "This names the topic of the answer" in result.text  # the chosen option's feedback

        passed = await alice.post(
            "/p/training",
            data={"csrf_token": token, **form(right_answers(training))},
            follow_redirects=True,
        )
        assert "You passed the check." in passed.text and 'id="coding-open"' in passed.text
        assert 'id="check-form"' not in passed.text
        chat = await alice.get(chat_page)
        assert 'action="/p/codes"' in chat.text and 'id="training-first"' not in chat.text
        coded = await alice.post(
            "/p/codes", data={"csrf_token": token, "turn_id": str(turn), "text": "unsafe"}
        )
        assert coded.status_code == 303
    assert [c.text for c in own_codes(site.store, pid("alice"))] == ["unsafe"]


async def test_german_pages_and_refused_answers(site: Site) -> None:
    training = train(site.store)
    async with site.client() as bob:
        await ready(bob, "bob")
        token = await csrf(bob, "/p/diary")
        page = await bob.get("/p/training?lang=de")
        assert "Stellen Sie sich eine öffentliche Bibliothek vor" in page.text
        assert "Prüfen Sie Ihr Verständnis" in page.text and "Schwache Codes" in page.text
        missing = await bob.post(
            "/p/training?lang=de", data={"csrf_token": token, "answer.names-a-value": "1"}
        )
        assert missing.status_code == 422
        assert "Bitte beantworten Sie jede Frage (nicht beantwortet: 2, 3)." in missing.text
        bad = await bob.post(
            "/p/training",
            data={
                "csrf_token": token,
                **form(right_answers(training)),
                "answer.names-a-value": "x",
            },
        )
        assert bad.status_code == 422
        assert training_status(site.store, pid("bob")).attempts == 0
        await bob.post(
            "/p/training?lang=de", data={"csrf_token": token, **form(wrong_answers(training))}
        )
        result = await bob.get("/p/training?lang=de")
        assert "Sie haben 0 von 3 Fragen richtig beantwortet" in result.text
        assert "Das benennt das Thema der Antwort" in result.text


async def test_a_study_without_training_has_no_training_page(site: Site) -> None:
    async with site.client() as carol:
        await ready(carol, "carol")
        assert (await carol.get("/p/training")).status_code == 404
        hub = await carol.get("/p/activities")
        assert 'href="/p/training"' not in hub.text and "training-first" not in hub.text


async def test_facilitator_sees_who_passed_and_each_question(site: Site) -> None:
    async with site.client() as facilitator:
        await login(facilitator, "fac")
        before = await facilitator.get("/f/studies/mini")
        assert "This study has no training" in before.text
        training = train(site.store)
        async with site.client() as alice:
            await ready(alice, "alice")
            token = await csrf(alice, "/p/diary")
            for answers in (wrong_answers(training), right_answers(training)):
                await alice.post("/p/training", data={"csrf_token": token, **form(answers)})
        page = await facilitator.get("/f/studies/mini")
    assert page.status_code == 200 and 'id="training-participants"' in page.text
    assert "Passed: 1 / 1." in page.text
    row = page.text.split(pid("alice"))[1].split("</tr>")[0]
    assert "<td>2</td>" in row and "<td>3</td>" in row and row.count("✓") == 3
    assert "<td>0 / 1</td><td>1 / 2</td>" in page.text  # each question: first attempt, overall
