"""Reviewing translations through HTTP: participants in German see only accepted texts; the
facilitator's review page lists pending ones with their source and records who accepted them."""

from __future__ import annotations

import html
import re

import pytest

from coalign.rating.translations import campaign_texts, list_translations, paste_translations
from coalign.store import Store
from tests.rating.helpers import translations_csv
from tests.web.conftest import CSRF, build_site, join, login

pytestmark = pytest.mark.anyio
FORM = re.compile(r'action="(/f/campaigns/\d+/translations/(\d+))"')


async def test_only_reviewed_translations_reach_participants(sqlite_store: Store) -> None:
    site = build_site(sqlite_store, n_items=1, attention_positions=[], attention_checks=[])
    item = next(t for t in campaign_texts(sqlite_store, site.campaign_id, "de") if t.part == "item")
    paste_translations(
        sqlite_store,
        site.campaign_id,
        "de",
        "de.csv",
        translations_csv(
            [
                {"part": "item", "subject": item.subject, "field": "prompt", "text": "Frage null?"},
                {"part": "item", "subject": item.subject, "field": "response", "text": "Antwort."},
                {"part": "title", "subject": "", "field": "title", "text": "Pilotbewertungen"},
            ]
        ),
    )
    async with site.client() as facilitator, site.client() as participant:
        anonymous = await facilitator.get(f"/f/campaigns/{site.campaign_id}/translations")
        assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]

        joined = await join(participant, "DE1", lang="de")
        assert "Pilot ratings" in joined.text and "Pilotbewertungen" not in joined.text
        token = CSRF.search(joined.text).group(1)
        await participant.post("/p/consent", data={"csrf_token": token, "choice": "agree"})
        first = await participant.post(
            "/p/demographics", data={"csrf_token": token}, follow_redirects=True
        )
        assert "/p/items/" in str(first.url)
        assert "Question 0?" in first.text and "Frage null?" not in first.text

        await login(facilitator, "fac")
        dashboard = await facilitator.get(f"/f/campaigns/{site.campaign_id}")
        assert f'href="/f/campaigns/{site.campaign_id}/translations"' in dashboard.text
        page = await facilitator.get(f"/f/campaigns/{site.campaign_id}/translations")
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert text.count('class="translation"') == 3
        assert "Question 0?" in text and "Frage null?" in text  # the source beside the proposal
        assert "pasted" in text
        forms = {int(tid): action for action, tid in FORM.findall(page.text)}
        pending = {t.field: t for t in list_translations(sqlite_store, site.campaign_id)}
        accept = forms[pending["prompt"].id or 0]
        token = CSRF.search(page.text).group(1)
        done = await facilitator.post(
            accept, data={"csrf_token": token, "text": "Frage null, geprüft?"}
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/f/campaigns/{site.campaign_id}/translations"
        missing = await facilitator.post(
            f"/f/campaigns/{site.campaign_id}/translations/9999",
            data={"csrf_token": token, "text": "x"},
        )
        assert missing.status_code == 404

        again = await participant.get(str(first.url))
        assert "Frage null, geprüft?" in html.unescape(again.text)
        assert "Answer 0." in again.text and "Antwort." not in again.text  # still unreviewed
        left = await facilitator.get(f"/f/campaigns/{site.campaign_id}/translations")
        assert left.text.count('class="translation"') == 2
        reviewed = await facilitator.get(
            f"/f/campaigns/{site.campaign_id}/translations?status=accepted"
        )
        assert "accepted by fac" in reviewed.text and "Frage null, geprüft?" in html.unescape(
            reviewed.text
        )
    (accepted,) = list_translations(sqlite_store, site.campaign_id, status="accepted")
    assert accepted.reviewer == "fac" and accepted.text == "Frage null, geprüft?"
    assert accepted.reviewed_at is not None


async def test_review_actions_need_a_facilitator(sqlite_store: Store) -> None:
    site = build_site(sqlite_store, n_items=1)
    paste_translations(
        sqlite_store,
        site.campaign_id,
        "de",
        "t.csv",
        translations_csv([{"part": "title", "subject": "", "field": "title", "text": "Titel"}]),
    )
    (t,) = list_translations(sqlite_store, site.campaign_id)
    async with site.client() as client:
        page = await client.get("/login")
        token = CSRF.search(page.text).group(1)
        refused = await client.post(
            f"/f/campaigns/{site.campaign_id}/translations/{t.id}",
            data={"csrf_token": token, "text": "Titel"},
        )
    assert refused.status_code == 403
    assert list_translations(sqlite_store, site.campaign_id, status="pending") == [t]
