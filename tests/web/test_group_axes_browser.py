"""The group's ranking and the comparison of groups' axes in a real chromium (Playwright, headless)
against the app served by uvicorn: a member enters the group's top 3 and sees where her own
ranking differs; the facilitator compares two groups' axes on one map and marks a suggested pair
as the same, which merges nothing."""

from __future__ import annotations

import pytest

from coalign.coconstruct.axes import create_group, rank_axes, record_axis
from coalign.coconstruct.axes_comparison import study_pair_judgements
from coalign.coconstruct.group_ranking import group_ranking_comparison
from coalign.core.ids import stable_id
from tests.web.test_activities_browser import join, log_in
from tests.web.test_group_phase_browser import site  # noqa: F401  (the served app, a fixture)

pytestmark = pytest.mark.browser
NORTH = {
    "Respect": "Speaks to people as equals and never talks down to them.",
    "Safety": "Never advises actions that could injure someone.",
    "Humour": "Lightens the mood with a joke when it fits.",
}
SOUTH = {
    "Courtesy": "Treats the person politely, as an equal, without condescension.",
    "Bus times": "Knows the bus timetables of the town.",
}


def test_group_ranking_and_two_groups_axes_on_one_map(site, browser) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base, store = site
    ana_page = join(browser, base, "ana")
    join(browser, base, "cara")
    ana, cara = (stable_id("p", "mini", "prolific", name) for name in ("ana", "cara"))
    north = create_group(store, "mini", "North", [ana])
    south = create_group(store, "mini", "South", [cara])
    axes = {}
    for group, defined in ((north, NORTH), (south, SOUTH)):
        for name, definition in defined.items():
            axes[name] = record_axis(
                store, "mini", group.id, {"name": name, "definition": definition}, recorded_by="fac"
            ).id
    rank_axes(
        store,
        ana,
        north.id,
        {axes["Humour"]: (1, 4), axes["Respect"]: (2, 5), axes["Safety"]: (3, 3)},
    )

    # Ana enters the group's agreed top 3 on its behalf
    ana_page.goto(f"{base}/p/groups/{north.id}")
    top3 = ana_page.locator("#top3")
    for place, name in enumerate(["Safety", "Respect", "Humour"], start=1):
        top3.get_by_label(f"Place {place}", exact=True).select_option(label=name)
    top3.get_by_role("button", name="Save the group's top 3").click()
    expect(ana_page.get_by_role("status")).to_contain_text("The group's ranking is saved.")
    expect(ana_page.locator("#top3")).to_contain_text("you")
    table = ana_page.locator("table.ranking-comparison")
    expect(table.locator("tr", has_text="Safety").locator("td.differs")).to_contain_text("3")
    expect(ana_page.locator(".ranking-differences")).to_contain_text(
        "the same axes as the group's, in another order"
    )
    ranking = group_ranking_comparison(store, "mini", north.id).rankings[0]
    assert ranking.axes == ["Safety", "Respect", "Humour"] and ranking.recorded_by == ana

    # the facilitator compares the two groups: one map, definitions side by side, a suggested pair
    facilitator = log_in(browser, base, "/f/studies/mini")
    facilitator.get_by_role("link", name="Compare the groups' axes").click()
    figure = facilitator.locator("svg#axes-map")
    expect(figure.locator(".axis-point")).to_have_count(5)
    expect(figure.locator('.axis-point[data-group="North"]')).to_have_count(3)
    expect(figure.locator('.axis-point[data-group="South"]')).to_have_count(2)
    expect(facilitator.locator(".axes-columns")).to_contain_text("Treats the person politely")
    pair = facilitator.locator("#pairs ~ table tr", has_text="Courtesy").filter(has_text="Respect")
    pair.get_by_role("button", name="Mark Respect and Courtesy as the same").click()
    pair = facilitator.locator("#pairs ~ table tr", has_text="Courtesy").filter(has_text="Respect")
    expect(pair).to_contain_text("same (fac,")
    expect(facilitator.locator("svg#axes-map .axis-point")).to_have_count(5)  # nothing merged
    judged = study_pair_judgements(store, "mini")
    assert [(j.axes, j.verdict, j.facilitator) for j in judged] == [
        (["Respect", "Courtesy"], "same", "fac")
    ]
