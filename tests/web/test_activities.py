"""Co-construction pages in-process: diary with images, chat and coding, groups, workshops, permissions."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from sqlalchemy import func, select

from coalign.coconstruct.coding import own_codes
from coalign.coconstruct.diary import own_entries
from coalign.core.calls import SamplingParams
from coalign.core.ids import stable_id
from coalign.llm import load_model
from coalign.store.calls import recent_calls
from coalign.store.coconstruction_tables import DiaryEntryRow
from coalign.store.seeds import list_seed_examples, list_seed_questions
from coalign.store.studies import get_study
from coalign.study.seed_review import decisions
from tests.coconstruct.helpers import DRAFT, canned
from tests.web.conftest import CSRF, Site, csrf, join, login, ready
from tests.web.test_participant_pages import rate_all

pytestmark = pytest.mark.anyio
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ENTRY = {
    "goal": "Pay rent",
    "prompt": "How do I pay rent abroad?",
    "response": "<script>alert(1)</script>Carry cash.",
    "values_at_stake": "safety",
}


def pid(name: str) -> str:
    """The participant id a crowd link with ``PROLIFIC_PID=name`` creates in the mini study."""
    return stable_id("p", "mini", "prolific", name)


async def participant(site: Site, name: str) -> tuple[httpx.AsyncClient, str]:
    client = site.client()
    await ready(client, name)
    return client, await csrf(client, "/p/diary")


def entries_in(site: Site) -> int:
    with site.store.read() as session:
        return session.scalar(select(func.count()).select_from(DiaryEntryRow)) or 0


async def test_diary_entry_with_image_escaping_and_ownership(site: Site) -> None:
    alice, token = await participant(site, "alice")
    bob, bob_token = await participant(site, "bob")
    saved = await alice.post(
        "/p/diary",
        data={"csrf_token": token, **ENTRY},
        files={"image": ("shot.png", PNG, "image/png")},
    )
    assert saved.status_code == 303
    page = await alice.get("/p/diary")
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;Carry cash." in page.text
        and "<script>alert(1)" not in page.text
    )
    (entry,) = own_entries(site.store, pid("alice"))
    image = await alice.get(f"/p/diary/{entry.id}/image")
    assert (
        image.status_code == 200
        and image.content == PNG
        and image.headers["content-type"] == "image/png"
    )
    assert (await bob.get(f"/p/diary/{entry.id}/image")).status_code == 404
    hijack = await bob.post(
        "/p/diary", data={"csrf_token": bob_token, "entry_id": str(entry.id), **ENTRY, "goal": "x"}
    )
    assert hijack.status_code == 404 and own_entries(site.store, pid("alice"))[0].goal == "Pay rent"
    assert (await bob.get(f"/p/diary?entry={entry.id}")).status_code == 404
    await alice.aclose(), await bob.aclose()


async def test_diary_bad_input_stores_nothing(site: Site) -> None:
    alice, token = await participant(site, "alice")
    bad_type = await alice.post(
        "/p/diary",
        data={"csrf_token": token, **ENTRY},
        files={"image": ("x.png", b"<svg onload=alert(1)>", "image/png")},
    )
    assert bad_type.status_code == 422 and "unsupported image" in bad_type.text
    empty = await alice.post("/p/diary", data={"csrf_token": token, **ENTRY, "prompt": " "})
    assert empty.status_code == 422 and "prompt" in empty.text
    no_csrf = await alice.post("/p/diary", data=ENTRY)
    assert no_csrf.status_code == 403
    huge = await alice.post(
        "/p/diary",
        data={"csrf_token": token, **ENTRY},
        files={"image": ("big.png", PNG + b"\x00" * (11 * 1024 * 1024), "image/png")},
    )
    assert huge.status_code == 413
    big = await alice.post(
        "/p/diary",
        data={"csrf_token": token, **ENTRY},
        files={"image": ("big.png", PNG + b"\x00" * (3 * 1024 * 1024), "image/png")},
    )
    assert big.status_code == 422 and "at most 2 MiB" in big.text
    assert entries_in(site) == 0
    await alice.aclose()


async def test_facilitator_pages_need_a_login_and_promote_entries(
    site: Site, client: httpx.AsyncClient
) -> None:
    alice, token = await participant(site, "alice")
    await alice.post(
        "/p/diary",
        data={"csrf_token": token, **ENTRY},
        files={"image": ("s.png", PNG, "image/png")},
    )
    (entry,) = own_entries(site.store, pid("alice"))
    assert (await client.get("/f/studies/mini")).status_code == 303  # to the login page
    as_participant = await alice.post(
        f"/f/studies/mini/diary/{entry.id}/promote",
        data={"csrf_token": token, "kind": "question", "topic": "cards", "question_type": "how-to"},
    )
    assert as_participant.status_code == 403
    assert (await alice.get(f"/f/studies/mini/diary/{entry.id}/image")).status_code == 403
    assert (await client.get("/f/studies")).status_code == 303
    await login(client, "fac")
    assert 'href="/f/studies/mini"' in (await client.get("/f/studies")).text
    overview = await client.get("/f/studies/mini")
    assert (
        overview.status_code == 200
        and "&lt;script&gt;" in overview.text
        and pid("alice") in overview.text
    )
    assert (await client.get(f"/f/studies/mini/diary/{entry.id}/image")).content == PNG
    token_f = CSRF.search(overview.text).group(1)
    promoted = await client.post(
        f"/f/studies/mini/diary/{entry.id}/promote",
        data={
            "csrf_token": token_f,
            "kind": "question",
            "topic": "cards",
            "question_type": "how-to",
            "text": "Pay rent abroad?",
        },
    )
    assert promoted.status_code == 303
    seed_id = own_entries(site.store, pid("alice"))[0].seed_question_id
    assert seed_id in {q.id for q in list_seed_questions(site.store, "mini")}
    assert decisions(site.store, "mini", seed_id)[0].decided_by == "fac"
    bad = await client.post(
        f"/f/studies/mini/diary/{entry.id}/promote",
        data={
            "csrf_token": token_f,
            "kind": "example",
            "dimension": "honesty",
            "critique": "c",
            "aligned_response": "a",
        },
    )
    assert bad.status_code == 422 and "unknown value dimension" in bad.text
    await alice.aclose()


async def test_promotion_forms_ask_for_topic_and_type_then_give_way_to_the_seed(
    site: Site, client: httpx.AsyncClient
) -> None:
    alice, token = await participant(site, "alice")
    await alice.post("/p/diary", data={"csrf_token": token, **ENTRY})
    (entry,) = own_entries(site.store, pid("alice"))
    await login(client, "fac")
    overview = await client.get("/f/studies/mini")
    token_f = CSRF.search(overview.text).group(1)
    for name in ("topic", "question_type"):  # the example form asks, from the study's design
        assert f'id="pe-{name.replace("question_", "")}-{entry.id}" name="{name}" required' in (
            overview.text
        )
    assert "<option>savings</option><option>cards</option>" in overview.text
    assert "<option>how-to</option><option>yes-no</option>" in overview.text
    example = {
        "csrf_token": token_f,
        "kind": "example",
        "dimension": "safety",
        "critique": "Unsafe: carrying cash.",
        "aligned_response": "Use a bank transfer.",
    }
    missing = await client.post(f"/f/studies/mini/diary/{entry.id}/promote", data=example)
    assert missing.status_code == 422 and "choose the seed example&#39;s topic" in missing.text
    url = f"/f/studies/mini/diary/{entry.id}/promote"
    chosen = {**example, "topic": "savings", "question_type": "yes-no"}
    made = await client.post(url, data=chosen)
    seed_id = own_entries(site.store, pid("alice"))[0].seed_example_id
    assert made.status_code == 303 and made.headers["location"] == (
        f"/f/studies/mini/seeds/example/{seed_id}"
    )
    (seed,) = [e for e in list_seed_examples(site.store, "mini") if e.id == seed_id]
    assert (seed.topic, seed.question_type) == ("savings", "yes-no")
    page = await client.get(made.headers["location"])
    assert '<dd id="seed-topic">savings</dd>' in page.text and "yes-no" in page.text
    assert f'href="/f/studies/mini#entry-{entry.id}"' in page.text  # the seed names its entry
    assert "<td>fac</td>" in page.text and "promoted from diary entry" in page.text
    assert 'id="already"' not in page.text
    # the entry names its seed; the example form is gone, the question form stays
    overview = await client.get("/f/studies/mini")
    assert f'id="promoted-example-{entry.id}"' in overview.text
    assert f'href="/f/studies/mini/seeds/example/{seed_id}"' in overview.text
    assert 'name="kind" value="example"' not in overview.text
    assert 'name="kind" value="question"' in overview.text
    # a stale page or a double click: the same seed, nothing overwritten
    again = await client.post(url, data={**chosen, "critique": "Something else."})
    assert again.status_code == 303 and again.headers["location"].endswith(f"{seed_id}?already=1")
    assert 'id="already"' in (await client.get(again.headers["location"])).text
    assert own_entries(site.store, pid("alice"))[0].seed_example_id == seed_id
    assert [
        e.critique for e in list_seed_examples(site.store, "mini") if e.author == pid("alice")
    ] == ["Unsafe: carrying cash."]
    await client.get("/lang/de")
    german = await client.get("/f/studies/mini")
    assert "Übernommen als Seed-Beispiel" in german.text and "Als Seed-Frage" in german.text
    seed_de = await client.get(f"/f/studies/mini/seeds/example/{seed_id}?already=1")
    assert "Entscheidungsprotokoll" in seed_de.text and "bereits übernommen" in seed_de.text
    refused = await alice.get(f"/f/studies/mini/seeds/example/{seed_id}")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    assert (await client.get("/f/studies/mini/seeds/example/se_nothing")).status_code == 404
    await alice.aclose()


async def test_rating_pages_lead_to_the_activities_where_the_study_has_them(
    site: Site, client: httpx.AsyncClient
) -> None:
    rater = site.client()
    item = await ready(rater, "rater")
    assert "/p/items/" in str(item.url) and "/p/activities" not in item.text  # rating only, so far
    alice, token = await participant(site, "alice")
    await alice.post("/p/diary", data={"csrf_token": token, **ENTRY})  # co-construction begins
    item = await rater.get(str(item.url))
    assert '<a href="/p/activities" id="activities-link">Your activities</a>' in item.text
    end = await rate_all(rater, item)
    assert str(end.url).endswith("/p/end") and "DONE-123" in end.text
    assert 'href="/p/activities" id="activities-link">Go on to your activities' in end.text
    assert (await rater.get("/p/activities")).status_code == 200
    await rater.get("/lang/de")
    german = await rater.get("/p/end")
    assert "Weiter zu Ihren Aktivitäten" in german.text and "Ihre Aktivitäten" in german.text
    # someone who declined has no activities
    decliner = site.client()
    consent = await join(decliner, "decliner")
    token_d = CSRF.search(consent.text).group(1)
    out = await decliner.post(
        "/p/consent", data={"csrf_token": token_d, "choice": "decline"}, follow_redirects=True
    )
    assert str(out.url).endswith("/p/end") and "/p/activities" not in out.text
    await rater.aclose(), await alice.aclose(), await decliner.aclose()


@pytest.mark.model
async def test_chat_coding_and_clusters_through_the_pages(
    site: Site, client: httpx.AsyncClient
) -> None:
    site.app.state.model = load_model("llama-cpp:smollm2-135m", log=site.store)
    site.app.state.chat_params = SamplingParams(temperature=0.0, max_tokens=12, seed=1)
    await login(client, "fac")
    token_f = await csrf(client, "/f/studies/mini")
    made = await client.post(
        "/f/studies/mini/baselines",
        data={"csrf_token": token_f, "title": "Base", "messages": "Can I share my PIN?"},
    )
    assert made.status_code == 303
    alice, token = await participant(site, "alice")
    bob, bob_token = await participant(site, "bob")
    new = await bob.post("/p/chat", data={"csrf_token": bob_token, "title": "mine"})
    bob_chat = new.headers["location"]
    sent = await bob.post(
        f"{bob_chat}/send",
        data={"csrf_token": bob_token, "message": "Hello <b>there</b>"},
        follow_redirects=True,
    )
    assert sent.status_code == 200 and "Hello &lt;b&gt;there&lt;/b&gt;" in sent.text
    (answer_call,) = [c for c in recent_calls(site.store, 5) if c.purpose == "interact"][:1]
    cut_off = answer_call.finish_reason == "length"  # 12 tokens: the page must say when it is cut
    assert ("cut off at the length limit" in sent.text) == cut_off
    bob_turn = int(re.findall(r'data-turn="(\d+)"', sent.text)[-1])
    chats = await alice.get("/p/chat")
    assert "shared baseline" in chats.text and "mine" not in chats.text
    base_url = re.search(r'href="(/p/chat/\d+)"', chats.text).group(1)
    base = await alice.get(base_url)
    model_turn = int(re.findall(r'class="inline code-form" data-turn="(\d+)"', base.text)[0])
    assert (await alice.get(bob_chat)).status_code == 404
    coded = await alice.post(
        "/p/codes",
        data={
            "csrf_token": token,
            "turn_id": str(model_turn),
            "text": "risky",
            "span_start": "0",
            "span_end": "2",
            "back": base_url,
        },
    )
    assert coded.status_code == 303 and coded.headers["location"] == base_url
    assert (
        await alice.post(
            "/p/codes", data={"csrf_token": token, "turn_id": str(bob_turn), "text": "x"}
        )
    ).status_code == 404
    assert (
        await alice.post("/p/codes", data={"csrf_token": token, "turn_id": "abc", "text": "x"})
    ).status_code == 422
    (code,) = own_codes(site.store, pid("alice"))
    assert code.span_start == 0 and code.span_end == 2
    made = await alice.post(
        "/p/clusters", data={"csrf_token": token, "name": "Risk", "code_id": str(code.id)}
    )
    assert made.status_code == 303
    page = await alice.get("/p/clusters")
    assert "Risk" in page.text and f'data-code="{code.id}"' in page.text
    moved = await alice.post(
        "/p/clusters/move",
        data={"csrf_token": token, "code_id": str(code.id), "cluster_id": ""},
        headers={"X-Requested-With": "fetch"},
    )
    assert moved.status_code == 204 and own_codes(site.store, pid("alice"))[0].cluster_id is None
    assert (
        await bob.post(f"/p/codes/{code.id}/delete", data={"csrf_token": bob_token})
    ).status_code == 404
    codes_page = await client.get("/f/studies/mini")
    assert "risky" in codes_page.text
    for page in (await client.get("/f/studies/mini/labelmap"), await alice.get("/p/labelmap")):
        assert page.text.count('<circle class="point') == 1 and 'data-code="risky"' in page.text
        assert "Suggested clusters" in page.text and "suggestion" in page.text
    await alice.aclose(), await bob.aclose()


async def test_group_deliberation_and_report_pages(site: Site, client: httpx.AsyncClient) -> None:
    alice, token = await participant(site, "alice")
    carol, _carol_token = await participant(site, "carol")
    await login(client, "fac")
    token_f = await csrf(client, "/f/studies/mini")
    made = await client.post(
        "/f/studies/mini/groups",
        data={"csrf_token": token_f, "name": "G1", "member": [pid("alice")]},
    )
    group_url = made.headers["location"]
    group_id = group_url.rsplit("/", 1)[-1]
    assert (await carol.get(f"/p/groups/{group_id}")).status_code == 404
    saved = await alice.post(
        f"/p/groups/{group_id}/attributes",
        data={"csrf_token": token, "name1": "Care", "definition1": "<i>kind</i>", "name2": "Speed"},
    )
    assert saved.status_code == 303
    page = await client.get(group_url)
    assert "&lt;i&gt;kind&lt;/i&gt;" in page.text
    attribute = re.search(r'name="attribute_id" value="(\d+)"> Care', page.text).group(1)
    for name in ("Care", "Clarity"):
        await client.post(
            f"{group_url}/axes",
            data={
                "csrf_token": token_f,
                "name": name,
                "definition": f"{name} def",
                "attribute_id": attribute if name == "Care" else [],
            },
        )
    form = await alice.get(f"/p/groups/{group_id}")
    axis_ids = re.findall(r'name="rank\.(\d+)"', form.text)
    assert len(axis_ids) == 2 and "Care def" in form.text
    bad = await alice.post(
        f"/p/groups/{group_id}/ranking",
        data={
            "csrf_token": token,
            **{f"rank.{a}": "1" for a in axis_ids},
            **{f"agreement.{a}": "4" for a in axis_ids},
        },
    )
    assert bad.status_code == 422
    ranked = await alice.post(
        f"/p/groups/{group_id}/ranking",
        data={
            "csrf_token": token,
            f"rank.{axis_ids[0]}": "2",
            f"rank.{axis_ids[1]}": "1",
            **{f"agreement.{a}": "5" for a in axis_ids},
        },
    )
    assert ranked.status_code == 303
    await client.post(
        f"{group_url}/goal",
        data={"csrf_token": token_f, "who": "customers", "what": "bank", "how": "care"},
    )
    report = await client.get(group_url)
    assert (
        "-1.00" in report.text
        and "as customers, bank, by supporting interactions characterised by care." in report.text
    )
    adopted = await client.post(
        f"{group_url}/adopt", data={"csrf_token": token_f, "axis_id": axis_ids[0]}
    )
    assert (
        adopted.status_code == 303
        and "A value dimension of the study." in (await client.get(group_url)).text
    )
    await alice.aclose(), await carol.aclose()


async def test_workshop_pages_moderation_and_outsiders(
    site: Site, client: httpx.AsyncClient
) -> None:
    alice, token = await participant(site, "alice")
    dave, dave_token = await participant(site, "dave")
    await login(client, "fac")
    token_f = await csrf(client, "/f/studies/mini")
    bad = await client.post(
        "/f/studies/mini/workshops",
        data={"csrf_token": token_f, "slug": "w1", "groups": "no colon"},
    )
    assert bad.status_code == 422
    made = await client.post(
        "/f/studies/mini/workshops",
        data={
            "csrf_token": token_f,
            "slug": "w1",
            "title": "Workshop",
            "groups": f"red: {pid('alice')}",
            "session_minutes": "30",
            "break_every_minutes": "10",
        },
    )
    url = made.headers["location"]
    wid = url.rsplit("/", 1)[-1]
    await client.post(f"{url}/session", data={"csrf_token": token_f, "session": "1"})
    assert (await dave.get(f"/p/workshops/{wid}")).status_code == 404
    page = await alice.get(f"/p/workshops/{wid}")
    assert (
        'id="timer"' in page.text and 'data-running="1"' in page.text and "Session 1" in page.text
    )
    wrote = await alice.post(
        f"/p/workshops/{wid}/questions",
        data={
            "csrf_token": token,
            "text": "Can I <b>freeze</b> my card?",
            "topic": "cards",
            "question_type": "yes-no",
        },
    )
    assert wrote.status_code == 303
    assert (
        await dave.post(
            f"/p/workshops/{wid}/questions",
            data={
                "csrf_token": dave_token,
                "text": "x",
                "topic": "cards",
                "question_type": "yes-no",
            },
        )
    ).status_code == 404
    moderation = await client.get(url)
    assert "Can I &lt;b&gt;freeze&lt;/b&gt; my card?" in moderation.text
    seed_id = re.search(r'name="seed_id" value="([^"]+)"', moderation.text).group(1)
    no_reason = await client.post(
        f"{url}/moderate",
        data={
            "csrf_token": token_f,
            "kind": "question",
            "seed_id": seed_id,
            "decision": "accepted",
            "reason": " ",
        },
    )
    assert no_reason.status_code == 422
    await client.post(
        f"{url}/moderate",
        data={
            "csrf_token": token_f,
            "kind": "question",
            "seed_id": seed_id,
            "decision": "accepted",
            "reason": "clear",
        },
    )
    assert seed_id in {q.id for q in list_seed_questions(site.store, "mini")}
    after = await alice.get(f"/p/workshops/{wid}")
    assert "accepted: clear" in after.text
    await alice.aclose(), await dave.aclose()


async def test_workshop_design_goes_through_the_moderator_and_provenance_is_the_servers(
    site: Site, client: httpx.AsyncClient
) -> None:
    alice, token = await participant(site, "alice")
    await login(client, "fac")
    token_f = await csrf(client, "/f/studies/mini")
    made = await client.post(
        "/f/studies/mini/workshops",
        data={"csrf_token": token_f, "slug": "w1", "groups": f"red: {pid('alice')}"},
    )
    url = made.headers["location"]
    wid = url.rsplit("/", 1)[-1]
    proposed = await alice.post(
        f"/p/workshops/{wid}/design",
        data={"csrf_token": token, "what": "topic", "name": "<i>loans</i>", "description": "d"},
    )
    assert proposed.status_code == 303
    assert "<i>loans</i>" not in {t.name for t in get_study(site.store, "mini").topics}
    page = await alice.get(proposed.headers["location"])
    assert "&lt;i&gt;loans&lt;/i&gt;" in page.text and "proposed" in page.text
    offered = re.search(r'id="q-topic"[^>]*>(.*?)</select>', page.text).group(1)
    assert "loans" not in offered  # not a cell to write questions for until it is accepted
    moderation = await client.get(url)
    action = re.search(r'action="([^"]+/proposals/\d+)"', moderation.text).group(1)
    assert "&lt;i&gt;loans&lt;/i&gt;" in moderation.text
    as_participant = await alice.post(
        action, data={"csrf_token": token, "decision": "accepted", "reason": "ok"}
    )
    assert as_participant.status_code == 403
    no_reason = await client.post(
        action, data={"csrf_token": token_f, "decision": "accepted", "reason": ""}
    )
    assert no_reason.status_code == 422
    accepted = await client.post(
        action, data={"csrf_token": token_f, "decision": "accepted", "reason": "asked often"}
    )
    assert accepted.status_code == 303
    assert "<i>loans</i>" in {t.name for t in get_study(site.store, "mini").topics}
    page = await alice.get(f"/p/workshops/{wid}")
    assert "&lt;i&gt;loans&lt;/i&gt;</option>" in page.text and "accepted: asked often" in page.text
    again = await client.post(
        action, data={"csrf_token": token_f, "decision": "rejected", "reason": "no"}
    )
    assert again.status_code == 409
    await client.post(f"{url}/session", data={"csrf_token": token_f, "session": "2"})
    forged = await alice.post(
        f"/p/workshops/{wid}/examples",
        data={
            "csrf_token": token,
            "llm_assisted": "1",
            "dimension": "safety",
            "question": "Can I share my PIN?",
            "misaligned_response": "Yes.",
            "critique": "Unsafe.",
            "aligned_response": "No.",
        },
    )
    assert forged.status_code == 303
    (example,) = [e for e in list_seed_examples(site.store, "mini", status=None) if e.group]
    assert example.llm_assisted is False
    site.app.state.model = canned(site.store, json.dumps(DRAFT))
    drafted = await alice.post(
        f"/p/workshops/{wid}/draft",
        data={"csrf_token": token, "question": "Tell the agent my PIN?", "dimension": "safety"},
    )
    assert drafted.status_code == 200 and 'name="llm_assisted"' not in drafted.text
    form = {"csrf_token": token, "dimension": "safety", "question": "Tell the agent my PIN?"}
    for part in ("misaligned_response", "critique", "aligned_response"):
        form[part] = re.search(rf'name="{part}"[^>]*>([^<]*)</textarea>', drafted.text).group(1)
    assert (await alice.post(f"/p/workshops/{wid}/examples", data=form)).status_code == 303
    assert {e.llm_assisted for e in list_seed_examples(site.store, "mini", status=None)} == {
        False,
        True,
    }
    assert "LLM-assisted (model draft kept unchanged)" in (await client.get(url)).text
    await alice.aclose()
