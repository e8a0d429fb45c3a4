"""The group phase's pages in-process: consent to share, pseudonymous shares others code and
zoom out on, clusters, choice and goal; unsharing; the facilitator's view, closing; German."""

from __future__ import annotations

import re

import httpx
import pytest

from coalign.coconstruct.axes import create_group
from coalign.coconstruct.diary import add_entry
from tests.web.conftest import Site, csrf, login
from tests.web.test_activities import participant, pid

pytestmark = pytest.mark.anyio
ENTRY = {
    "goal": "Plan a trip with my <b>mother</b>",
    "prompt": "Which hotels suit a wheelchair user?",
    "response": "Perhaps she should stay at home instead.",
}


async def _group(site: Site) -> tuple[httpx.AsyncClient, str, httpx.AsyncClient, str, str, int]:
    """Alice and Bob in group G (Carol outside); Alice has a diary entry. Returns both clients
    with their CSRF tokens, the phase page's address and Alice's entry id."""
    alice, a_token = await participant(site, "alice")
    bob, b_token = await participant(site, "bob")
    group = create_group(site.store, "mini", "G", [pid("alice"), pid("bob")])
    entry = add_entry(site.store, pid("alice"), ENTRY)
    return alice, a_token, bob, b_token, f"/p/groups/{group.id}/phase", entry.id


async def test_share_code_zoom_out_cluster_choose_and_write_the_goal(site: Site) -> None:
    alice, a_token, bob, b_token, url, entry_id = await _group(site)
    page = await alice.get(url)
    assert "I agree to share this entry with my group" in page.text
    assert "Nothing shared yet." in (await bob.get(url)).text

    refused = await alice.post(
        f"{url[:-6]}/shares", data={"csrf_token": a_token, "entry_id": entry_id}
    )
    assert refused.status_code == 422 and "tick the box" in refused.text
    shared = await alice.post(
        f"{url[:-6]}/shares", data={"csrf_token": a_token, "entry_id": entry_id, "consent": "1"}
    )
    assert shared.status_code == 303
    share_id = int(shared.headers["location"].rsplit("-", 1)[-1])

    seen = (await bob.get(url)).text
    assert "Shared by P1" in seen and pid("alice") not in seen  # pseudonymous
    assert "&lt;b&gt;mother&lt;/b&gt;" in seen  # shown as text
    assert "Perhaps she should stay at home instead." in seen
    coded = await bob.post(
        f"{url[:-6]}/shares/{share_id}/codes",
        data={"csrf_token": b_token, "text": "ableist", "quote": "stay at home"},
    )
    assert coded.status_code == 303
    sheet = await bob.post(
        f"{url[:-6]}/shares/{share_id}/worksheet",
        data={"csrf_token": b_token, "who_was_affected": "her mother", "what_was_at_stake": ""},
    )
    assert sheet.status_code == 303
    bad = await bob.post(
        f"{url[:-6]}/shares/{share_id}/codes",
        data={"csrf_token": b_token, "text": "x", "quote": "not there"},
    )
    assert bad.status_code == 422
    page = (await alice.get(url)).text
    assert "ableist" in page and "<q>stay at home</q>" in page and "her mother" in page

    await bob.post(
        f"{url[:-6]}/clusters",
        data={"csrf_token": b_token, "name": "Dismissing access needs", "share_id": share_id},
    )
    cluster_id = re.search(
        r'<option value="(\d+)"[^>]*>Dismissing access needs', (await bob.get(url)).text
    )
    assert cluster_id
    await bob.post(
        f"{url[:-6]}/choice", data={"csrf_token": b_token, "cluster_id": cluster_id.group(1)}
    )
    goal = await alice.post(
        f"{url[:-6]}/goal",
        data={
            "csrf_token": a_token,
            "who": "families travelling together",
            "what": "plan trips that include everyone",
            "how": "respect for access needs",
        },
    )
    assert goal.status_code == 303
    page = (await bob.get(url)).text
    assert "Chosen: Dismissing access needs" in page and "by P2" in page
    assert "We want an LLM that lets us, as families travelling together" in page
    assert "Written by P1 from the cluster Dismissing access needs." in page

    # the facilitator sees ids, the consent time and the goal's sources; closes the phase
    async with site.client() as fac:
        await login(fac, "fac")
        f_url = f"/f/studies/mini/groups/{url.split('/')[3]}/phase"
        view = (await fac.get(f_url)).text
        assert pid("alice") in view and "consent given on" in view
        assert f"shares {share_id}" in view and "her mother" in view
        token = await csrf(fac, f_url)
        assert (
            await fac.post(f_url, data={"csrf_token": token, "action": "close"})
        ).status_code == 303
        assert "The group phase is closed." in (await fac.get(f_url)).text
    stopped = await alice.post(
        f"{url[:-6]}/shares/{share_id}/unshare", data={"csrf_token": a_token}
    )
    assert stopped.status_code == 409
    assert "Stop sharing" not in (await alice.get(url)).text
    await alice.aclose(), await bob.aclose()


async def test_unsharing_and_who_may_see_the_phase(site: Site) -> None:
    alice, a_token, bob, b_token, url, entry_id = await _group(site)
    carol, _ = await participant(site, "carol")
    assert (await carol.get(url)).status_code == 404
    shared = await alice.post(
        f"{url[:-6]}/shares", data={"csrf_token": a_token, "entry_id": entry_id, "consent": "1"}
    )
    share_id = int(shared.headers["location"].rsplit("-", 1)[-1])
    await bob.post(
        f"{url[:-6]}/shares/{share_id}/codes", data={"csrf_token": b_token, "text": "rude"}
    )
    assert (
        await bob.post(f"{url[:-6]}/shares/{share_id}/unshare", data={"csrf_token": b_token})
    ).status_code == 404
    stopped = await alice.post(
        f"{url[:-6]}/shares/{share_id}/unshare", data={"csrf_token": a_token}
    )
    assert stopped.status_code == 303
    page = (await bob.get(url)).text
    assert "Perhaps she should stay at home" not in page and "rude" not in page
    await alice.aclose(), await bob.aclose(), await carol.aclose()


async def test_the_phase_page_in_german(site: Site) -> None:
    alice, a_token, _bob, _, url, entry_id = await _group(site)
    alice.headers["accept-language"] = "de"
    page = await alice.get(f"{url}?lang=de")
    assert "Ich bin einverstanden, diesen Eintrag mit meiner Gruppe zu teilen" in page.text
    refused = await alice.post(
        f"{url[:-6]}/shares", data={"csrf_token": a_token, "entry_id": entry_id}
    )
    assert "Setzen Sie das Häkchen" in refused.text
    await alice.aclose(), await _bob.aclose()


async def test_withdrawing_takes_the_shared_entry_out_of_the_group(site: Site) -> None:
    alice, a_token, bob, b_token, url, entry_id = await _group(site)
    shared = await alice.post(
        f"{url[:-6]}/shares", data={"csrf_token": a_token, "entry_id": entry_id, "consent": "1"}
    )
    share_id = int(shared.headers["location"].rsplit("-", 1)[-1])
    await bob.post(
        f"{url[:-6]}/shares/{share_id}/codes", data={"csrf_token": b_token, "text": "rude"}
    )
    confirm = (await alice.get("/p/withdraw")).text
    assert "What you shared with your discussion group" in confirm and "shares: 2" in confirm
    assert (await alice.post("/p/withdraw", data={"csrf_token": a_token})).status_code == 303
    page = (await bob.get(url)).text
    assert "Perhaps she should stay at home" not in page and "Nothing shared yet." in page
    await alice.aclose(), await bob.aclose()


async def test_a_suggested_cluster_is_created_with_one_click(site: Site) -> None:
    alice, a_token, bob, b_token, url, entry_id = await _group(site)
    second = add_entry(
        site.store,
        pid("bob"),
        {
            "goal": "Book a museum visit for my father",
            "prompt": "Which museums have step-free access?",
            "response": "Museums are not really for people in wheelchairs.",
        },
    )
    for client, token, key in ((alice, a_token, entry_id), (bob, b_token, second.id)):
        await client.post(
            f"{url[:-6]}/shares", data={"csrf_token": token, "entry_id": key, "consent": "1"}
        )
    assert "/phase/suggestions" in (await alice.get(url)).text
    page = (await alice.get(f"{url}/suggestions")).text
    assert "Create this cluster" in page and "only suggestions" in page
    form = page.split('<form method="post"', 2)[1]
    share_ids = re.findall(r'name="share_id" value="(\d+)"', form)
    name = re.search(r'name="name" maxlength="120" required value="([^"]*)"', form).group(1)
    made = await alice.post(
        f"{url[:-6]}/clusters", data={"csrf_token": a_token, "name": name, "share_id": share_ids}
    )
    assert made.status_code == 303
    assert f">{name}</h3>" in (await bob.get(url)).text
    await alice.aclose(), await bob.aclose()
