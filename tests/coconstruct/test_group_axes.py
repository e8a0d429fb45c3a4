"""A group's agreed top 3 and top 5 beside its members' own rankings, and the comparison of two
groups' axes by meaning, on SQLite and PostgreSQL (migration 0022)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from coalign.coconstruct.axes import create_group, rank_axes, record_axis
from coalign.coconstruct.axes_comparison import compare_axes, judge_axis_pair
from coalign.coconstruct.group_ranking import (
    group_ranking_comparison,
    member_ranking_comparison,
    record_group_ranking,
    record_group_ranking_as_member,
)
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.export.activities import export_activities
from coalign.participation.withdrawal import data_summary, withdraw
from coalign.store import Store, group_axes_tables
from coalign.store.migrate import current_revision, head_revision
from coalign.store.tables import Base
from coalign.validation.metrics.embeddings import MiniLMEmbedder
from tests.coconstruct.helpers import people
from tests.store.test_promotion_migration import _migrate

EMBEDDER = MiniLMEmbedder()

#: Axes of two groups; the first two of each group mean much the same, the rest do not.
AXES_A = {
    "Respect": "Speaks to people as equals and never talks down to them.",
    "Safety": "Never advises actions that could injure someone.",
    "Clarity": "Uses plain words and short sentences.",
    "Humour": "Lightens the mood with a joke when it fits.",
    "Sources": "Names where its facts come from.",
}
AXES_B = {
    "Courtesy": "Treats the person politely, as an equal, without condescension.",
    "Harm avoidance": "Steers away from advice that could hurt someone physically.",
    "Local knowledge": "Knows the bus timetables of the town.",
}


def _groups(store: Store) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """Group A (alice, bob) with five axes and group B (carol) with three."""
    alice, bob, carol = people(store, "alice", "bob", "carol")
    ids = []
    for name, members, axes in (("A", [alice, bob], AXES_A), ("B", [carol], AXES_B)):
        group = create_group(store, "mini", name, members)
        ids.append(
            {
                axis: record_axis(
                    store, "mini", group.id, {"name": axis, "definition": text}, recorded_by="fac"
                ).id
                for axis, text in axes.items()
            }
        )
        ids[-1]["group"] = group.id
    return ids[0], ids[1], [alice, bob, carol]


def test_tables_match_migration_0022(store: Store) -> None:
    names = {t.__tablename__ for t in vars(group_axes_tables).values() if hasattr(t, "__table__")}
    assert names == {"group_axis_rankings", "axis_pair_judgements"}
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if any(n in repr(d) for n in names)] == []


def test_migration_0022_goes_down_and_up_again(store: Store) -> None:
    a, _, _ = _groups(store)
    record_group_ranking(
        store, "mini", a["group"], 3, [a["Safety"], a["Respect"], a["Clarity"]], facilitator="fac"
    )
    _migrate(store, "0022-1", down=True)
    assert "group_axis_rankings" not in inspect(store.engine).get_table_names()
    _migrate(store, "head")
    assert current_revision(store.engine) == head_revision()
    assert group_ranking_comparison(store, "mini", a["group"]).rankings == []


def test_group_ranking_beside_each_members_own(store: Store, tmp_path: Path) -> None:
    a, _, (alice, bob, _) = _groups(store)
    gid = a["group"]
    order = ["Safety", "Respect", "Clarity", "Sources", "Humour"]
    rank_axes(store, alice, gid, {a[n]: (r, 4) for r, n in enumerate(order, start=1)})
    bob_order = ["Humour", "Clarity", "Respect", "Safety", "Sources"]
    rank_axes(store, bob, gid, {a[n]: (r, 3) for r, n in enumerate(bob_order, start=1)})

    record_group_ranking(
        store, "mini", gid, 3, [a["Safety"], a["Respect"], a["Clarity"]], facilitator="fac"
    )
    result = record_group_ranking_as_member(store, bob, gid, 5, [a[n] for n in order])

    top3, top5 = result.rankings
    assert (top3.size, top3.axes, top3.recorded_by, top3.recorded_as) == (
        3,
        ["Safety", "Respect", "Clarity"],
        "fac",
        "facilitator",
    )
    assert (top5.size, top5.axes[:2], top5.recorded_by, top5.recorded_as) == (
        5,
        ["Safety", "Respect"],
        bob,
        "member",
    )
    # a member sees the group's rankings beside their own ranking only
    assert result.members == [bob]
    full = group_ranking_comparison(store, "mini", gid)
    assert full.members == [alice, bob]
    diff = {(d.participant_id, d.size): d for d in full.differences}
    assert diff[(alice, 3)].same_order and diff[(alice, 3)].only_group == []
    assert diff[(bob, 3)].own_top == ["Humour", "Clarity", "Respect"]
    assert diff[(bob, 3)].only_group == ["Safety"] and diff[(bob, 3)].only_member == ["Humour"]
    assert not diff[(bob, 5)].same_order and diff[(bob, 5)].only_group == []
    humour = next(p for p in full.axes if p.axis == "Humour")
    assert humour.group_ranks == {5: 5} and humour.member_ranks == {alice: 5, bob: 1}
    assert humour.differs == [bob]  # alice has it fifth like the group's top 5

    # a new top 3 replaces the old one and names its new recorder
    record_group_ranking_as_member(store, alice, gid, 3, [a["Clarity"], a["Safety"], a["Humour"]])
    again = group_ranking_comparison(store, "mini", gid)
    assert again.rankings[0].axes == ["Clarity", "Safety", "Humour"]
    assert again.rankings[0].recorded_by == alice

    assert export_activities(store, "mini", tmp_path)["group_axis_rankings"] == 2
    rows = [
        json.loads(x) for x in (tmp_path / "group_axis_rankings.jsonl").read_text().splitlines()
    ]
    assert [(r["group"], r["size"], r["recorded_by"], r["recorded_as"]) for r in rows] == [
        ("A", 3, alice, "member"),
        ("A", 5, bob, "member"),
    ]
    assert rows[0]["axes"] == ["Clarity", "Safety", "Humour"] and rows[0]["recorded_at"]


def test_bad_group_rankings_are_refused_with_the_place_named(store: Store) -> None:
    a, b, (alice, _, carol) = _groups(store)
    gid = a["group"]
    with pytest.raises(InputError, match="top 3 or a top 5, not a top 4"):
        record_group_ranking(store, "mini", gid, 4, [a["Safety"]] * 4, facilitator="fac")
    with pytest.raises(InputError, match="place 2 of the top 3 is empty"):
        record_group_ranking(
            store, "mini", gid, 3, [a["Safety"], None, a["Clarity"]], facilitator="f"
        )
    with pytest.raises(InputError, match="place 3 of the top 3: 'Safety' is placed twice"):
        record_group_ranking(
            store, "mini", gid, 3, [a["Safety"], a["Respect"], a["Safety"]], facilitator="f"
        )
    with pytest.raises(InputError, match=f"place 1 of the top 3: axis {b['Courtesy']} is not"):
        record_group_ranking(
            store, "mini", gid, 3, [b["Courtesy"], a["Respect"], a["Safety"]], facilitator="f"
        )
    with pytest.raises(InputError, match="a top 3 has 3 places, not 2"):
        record_group_ranking(store, "mini", gid, 3, [a["Respect"], a["Safety"]], facilitator="f")
    with pytest.raises(ConflictError, match="the group has 3 axes; a top 5 needs at least 5"):
        record_group_ranking_as_member(store, carol, b["group"], 5, [b["Courtesy"]] * 5)
    with pytest.raises(NotFoundError):  # carol is not in group A
        record_group_ranking_as_member(store, carol, gid, 3, [a["Safety"]] * 3)
    with pytest.raises(NotFoundError):
        record_group_ranking(store, "mini", 999_999, 3, [1, 2, 3], facilitator="f")
    assert group_ranking_comparison(store, "mini", gid).rankings == []  # nothing half-written
    assert member_ranking_comparison(store, alice, gid).differences == []


def test_two_groups_axes_on_one_map_with_overlaps_suggested_not_merged(
    store: Store, tmp_path: Path
) -> None:
    a, b, _ = _groups(store)
    result = compare_axes(store, "mini", [a["group"], b["group"]], embedder=EMBEDDER)
    assert result.groups == ["A", "B"] and len(result.points) == 8
    assert {p.group for p in result.points} == {"A", "B"}
    assert all(0 <= p.x <= 1 and 0 <= p.y <= 1 for p in result.points)
    assert all(p.group != p.other_group for p in result.pairs)
    suggested = {(p.axis, p.other_axis) for p in result.pairs if p.suggested}
    assert ("Respect", "Courtesy") in suggested and ("Safety", "Harm avoidance") in suggested
    assert ("Humour", "Local knowledge") not in suggested
    assert [p.similarity for p in result.pairs] == sorted(
        (p.similarity for p in result.pairs), reverse=True
    )

    pair = judge_axis_pair(
        store,
        "mini",
        a["Safety"],
        b["Harm avoidance"],
        "same",
        facilitator="fac",
        embedder=EMBEDDER,
    )
    assert (pair.verdict, pair.judged_by, pair.suggested) == ("same", "fac", True)
    judge_axis_pair(
        store,
        "mini",
        b["Courtesy"],
        a["Respect"],
        "different",
        facilitator="fac2",
        embedder=EMBEDDER,
    )
    # a judged pair below a stricter threshold is still listed, with its verdict
    strict = compare_axes(
        store, "mini", [b["group"], a["group"]], embedder=EMBEDDER, threshold=0.99
    )
    judged = {(p.axis, p.other_axis): (p.verdict, p.judged_by, p.suggested) for p in strict.pairs}
    assert judged == {
        ("Safety", "Harm avoidance"): ("same", "fac", False),
        ("Respect", "Courtesy"): ("different", "fac2", False),
    }
    # nothing merged: both groups keep all their axes
    again = compare_axes(store, "mini", [a["group"], b["group"]], embedder=EMBEDDER)
    assert len(again.points) == 8

    out = export_activities(store, "mini", tmp_path)
    assert out["group_axis_rankings"] == 0 and out["axis_pair_judgements"] == 2
    rows = [
        json.loads(x) for x in (tmp_path / "axis_pair_judgements.jsonl").read_text().splitlines()
    ]
    first = next(r for r in rows if r["verdict"] == "same")
    assert first["groups"] == ["A", "B"] and first["axes"] == ["Safety", "Harm avoidance"]
    assert first["facilitator"] == "fac" and first["embedder"] == EMBEDDER.name


def test_bad_comparisons_and_judgements(store: Store) -> None:
    a, b, _ = _groups(store)
    with pytest.raises(InputError, match="two or more discussion groups"):
        compare_axes(store, "mini", [a["group"], a["group"]], embedder=EMBEDDER)
    with pytest.raises(InputError, match="threshold must lie in"):
        compare_axes(store, "mini", [a["group"], b["group"]], embedder=EMBEDDER, threshold=1.5)
    with pytest.raises(NotFoundError, match="no discussion group 999999"):
        compare_axes(store, "mini", [a["group"], 999_999], embedder=EMBEDDER)
    with pytest.raises(InputError, match="verdict must be one of same, different"):
        judge_axis_pair(store, "mini", a["Safety"], b["Courtesy"], "merge", facilitator="f")
    with pytest.raises(InputError, match="of one group"):
        judge_axis_pair(
            store, "mini", a["Safety"], a["Respect"], "same", facilitator="f", embedder=EMBEDDER
        )
    with pytest.raises(NotFoundError, match="no axis 999999 in study 'mini'"):
        judge_axis_pair(store, "mini", a["Safety"], 999_999, "same", facilitator="f")
    assert all(
        p.verdict is None
        for p in compare_axes(store, "mini", [a["group"], b["group"]], embedder=EMBEDDER).pairs
    )


def test_withdrawal_keeps_the_groups_ranking_and_forgets_who_recorded_it(store: Store) -> None:
    a, _, (_, bob, _) = _groups(store)
    gid = a["group"]
    rank_axes(store, bob, gid, {a[name]: (r, 3) for r, name in enumerate(AXES_A, start=1)})
    record_group_ranking_as_member(store, bob, gid, 3, [a["Safety"], a["Respect"], a["Clarity"]])
    assert data_summary(store, bob).counts["group_axis_rankings (edited)"] == 3
    withdraw(store, bob)
    comparison = group_ranking_comparison(store, "mini", gid)
    [ranking] = comparison.rankings
    assert ranking.axes == ["Safety", "Respect", "Clarity"]
    assert (ranking.recorded_by, ranking.recorded_as) == (None, "member")
    assert comparison.members == [] and comparison.differences == []  # bob's own ranking went
