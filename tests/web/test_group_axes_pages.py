"""The discussion's pages in-process: a member's pre-discussion pack and its download; a member and
a facilitator record the group's top 3 and top 5 beside individual rankings; a facilitator
compares two groups' axes on one map and marks a suggested pair; bad input gets a clear page;
German."""

from __future__ import annotations

import re

import httpx
import pytest

from coalign.coconstruct.axes import create_group, rank_axes, record_axis
from coalign.coconstruct.coding import add_code
from coalign.coconstruct.interact import start_conversation
from coalign.store import Store
from coalign.store.coconstruction import add_turns
from tests.web.conftest import Site, csrf, login
from tests.web.test_activities import participant, pid

pytestmark = pytest.mark.anyio
AXES = {
    "Respect": "Speaks to people as equals and never talks down to them.",
    "Safety": "Never advises actions that could injure someone.",
    "Clarity": "Uses plain words and short sentences.",
    "Humour": "Lightens the mood with a joke when it fits.",
    "Sources": "Names where its facts come from.",
}
OTHER_AXES = {
    "Courtesy": "Treats the person politely, as an equal, without condescension.",
    "Bus times": "Knows the bus timetables of the town.",
}


def _axes(store: Store, group_id: int, axes: dict[str, str]) -> dict[str, int]:
    return {
        name: record_axis(
            store, "mini", group_id, {"name": name, "definition": text}, recorded_by="fac"
        ).id
        for name, text in axes.items()
    }


async def _members(
    site: Site,
) -> tuple[httpx.AsyncClient, str, httpx.AsyncClient, int, dict[str, int]]:
    """Alice and Bob in group G with five axes; Alice ranked them Humour first."""
    alice, a_token = await participant(site, "alice")
    bob, _ = await participant(site, "bob")
    group = create_group(site.store, "mini", "G", [pid("alice"), pid("bob")])
    axes = _axes(site.store, group.id, AXES)
    order = ["Humour", "Safety", "Respect", "Clarity", "Sources"]
    rank_axes(site.store, pid("alice"), group.id, {axes[n]: (r, 4) for r, n in enumerate(order, 1)})
    return alice, a_token, bob, group.id, axes


async def test_a_member_records_the_groups_top_3_beside_their_own_ranking(site: Site) -> None:
    alice, a_token, bob, gid, axes = await _members(site)
    page = (await alice.get(f"/p/groups/{gid}")).text
    assert "The group&#39;s top 3" in page and "The group&#39;s top 5" in page
    place = {"csrf_token": a_token, "size": "3"}
    twice = {
        **place,
        "place.1": axes["Safety"],
        "place.2": axes["Safety"],
        "place.3": axes["Clarity"],
    }
    refused = await alice.post(f"/p/groups/{gid}/group-ranking", data=twice)
    assert refused.status_code == 422 and "&#39;Safety&#39; is placed twice" in refused.text
    empty = {**place, "place.1": axes["Safety"], "place.3": axes["Clarity"]}
    refused = await alice.post(f"/p/groups/{gid}/group-ranking", data=empty)
    assert "place 2 of the top 3 is empty" in refused.text

    top3 = {
        **place,
        "place.1": axes["Safety"],
        "place.2": axes["Respect"],
        "place.3": axes["Clarity"],
    }
    saved = await alice.post(f"/p/groups/{gid}/group-ranking", data=top3)
    assert saved.status_code == 303 and saved.headers["location"].endswith("#group-ranking")
    page = (await alice.get(saved.headers["location"])).text
    assert "The group&#39;s ranking is saved." in page and re.search(r"by\s+you\s*</p>", page)
    table = page[page.index('class="ranking-comparison"') :]
    humour = re.search(r"<th scope=\"row\">Humour</th>(.*?)</tr>", table, re.S)
    assert humour and 'class="differs"' in humour.group(1)  # her first, outside the group's top 3
    sources = re.search(r"<th scope=\"row\">Sources</th>(.*?)</tr>", table, re.S)
    assert sources and "differs" not in sources.group(1)  # fifth for her, not in the group's top 3
    assert "only in the group&#39;s: Clarity; only in the individual ranking: Humour" in page
    assert pid("bob") not in page  # a member sees their own ranking only

    other = (await bob.get(f"/p/groups/{gid}")).text
    assert "a member of the group" in other and pid("alice") not in other
    assert f'<option value="{axes["Safety"]}" selected>Safety</option>' in other

    async with site.client() as fac:
        await login(fac, "fac")
        url = f"/f/studies/mini/groups/{gid}"
        token = await csrf(fac, url)
        top5 = {"csrf_token": token, "size": "5"}
        top5 |= {f"place.{i}": axes[n] for i, n in enumerate(AXES, start=1)}
        done = await fac.post(f"{url}/group-ranking", data=top5)
        assert done.status_code == 303
        view = (await fac.get(url)).text
        assert f"a member <code>{pid('alice')}</code>" in view
        assert "the facilitator <code>fac</code>" in view
        assert "Group top 3" in view and "Group top 5" in view
        four = await fac.post(f"{url}/group-ranking", data={**top5, "size": "4"})
        assert four.status_code == 422 and "a top 3 or a top 5, not a top 4" in four.text
    alice.headers["accept-language"] = "de"
    german = (await alice.get(f"/p/groups/{gid}?lang=de")).text
    assert "Die Rangfolge der Gruppe" in german and "Die Top 3 der Gruppe" in german
    await alice.aclose(), await bob.aclose()


async def test_the_facilitator_compares_two_groups_axes_and_marks_a_pair(site: Site) -> None:
    await participant(site, "alice")
    await participant(site, "carol")
    first = create_group(site.store, "mini", "North", [pid("alice")])
    second = create_group(site.store, "mini", "South", [pid("carol")])
    a = _axes(site.store, first.id, AXES)
    b = _axes(site.store, second.id, OTHER_AXES)
    async with site.client() as fac:
        await login(fac, "fac")
        study = (await fac.get("/f/studies/mini")).text
        assert f"/f/studies/mini/axes/compare?group={first.id}&amp;group={second.id}" in study
        picker = await fac.get("/f/studies/mini/axes/compare")
        assert picker.status_code == 200 and "Groups to compare" in picker.text
        assert "Possible overlaps" not in picker.text
        url = f"/f/studies/mini/axes/compare?group={first.id}&group={second.id}"
        page = (await fac.get(url)).text
        assert page.count('class="axis-point"') == 7
        assert 'data-group="North" data-axis="Respect"' in page
        assert 'data-group="South" data-axis="Courtesy"' in page
        assert "Treats the person politely" in page and "Names where its facts come from." in page
        pairs = page[page.index('id="pairs"') :]
        assert re.search(r"Respect <span class=\"meta\">\(North\)</span></td><td>Courtesy", pairs)
        assert "Bus times" not in pairs  # nothing suggests it matches an axis of North

        token = await csrf(fac, url)
        judged = await fac.post(
            "/f/studies/mini/axes/compare/judgements",
            data={
                "csrf_token": token,
                "axis_id": b["Courtesy"],
                "other_axis_id": a["Respect"],
                "verdict": "same",
                "group": [str(first.id), str(second.id)],
                "threshold": "0.5",
            },
        )
        assert (
            judged.status_code == 303 and judged.headers["location"] == f"{url}&threshold=0.5#pairs"
        )
        page = (await fac.get(judged.headers["location"])).text
        assert re.search(r"<td>same <span class=\"meta\">\(fac, ", page)
        assert page.count('class="axis-point"') == 7  # nothing merged

        one = await fac.get(f"/f/studies/mini/axes/compare?group={first.id}")
        assert one.status_code == 422 and "two or more discussion groups" in one.text
        bad = await fac.get(f"{url}&threshold=lots")
        assert bad.status_code == 422 and "threshold: &#39;lots&#39; is not a number" in bad.text
        wrong = await fac.post(
            "/f/studies/mini/axes/compare/judgements",
            data={
                "csrf_token": token,
                "axis_id": a["Safety"],
                "other_axis_id": a["Respect"],
                "verdict": "same",
            },
        )
        assert wrong.status_code == 422 and "of one group" in wrong.text
    async with site.client() as visitor:  # not a facilitator
        assert (await visitor.get(url)).status_code in (303, 401, 403)


async def test_the_pre_discussion_pack_page_and_its_download(site: Site) -> None:
    alice, _ = await participant(site, "alice")
    carol, _ = await participant(site, "carol")
    group = create_group(site.store, "mini", "G", [pid("alice")])
    chat = start_conversation(site.store, pid("alice"), "chat")
    with site.store.session() as session:
        _, answer = add_turns(
            session,
            chat.id,
            [
                ("user", "Plan my week", None, False),
                ("assistant", "Rest is for the weak.", None, False),
            ],
            first_position=1,
        )
        turn = answer.id
    for code in ("harsh", "Harsh", "dismissive <b>"):
        add_code(site.store, pid("alice"), {"turn_id": turn, "text": code})

    page = await alice.get(f"/p/groups/{group.id}/pack")
    assert page.status_code == 200
    assert "Counted from 3 codes that members of your group gave" in page.text
    assert "members who coded: 1)" in page.text
    cloud = page.text[page.text.index('<svg id="wordcloud"') :]
    sizes = dict(re.findall(r'font-size="([\d.]+)"[^>]*>([^<]+)<title>', cloud))
    assert set(sizes.values()) == {"harsh", "dismissive &lt;b&gt;"}  # shown as text
    big = {word: float(size) for size, word in sizes.items()}
    assert big["harsh"] > big["dismissive &lt;b&gt;"]
    assert "Rest is for the weak." in page.text
    download = await alice.get(f"/p/groups/{group.id}/pack/download")
    assert download.headers["content-disposition"] == (
        f'attachment; filename="pack-group-{group.id}.html"'
    )
    assert download.text.startswith("<!doctype html>") and "<style>" in download.text
    assert '<svg id="wordcloud"' in download.text and "/static/" not in download.text
    assert (await carol.get(f"/p/groups/{group.id}/pack")).status_code == 404
    german = (await alice.get(f"/p/groups/{group.id}/pack?lang=de")).text
    assert "Worum es in den Codes Ihrer Gruppe geht" in german
    await alice.aclose(), await carol.aclose()
