"""Discuss: attributes before, axes, rankings after, the report, goals, axes as dimensions."""

from __future__ import annotations

import pytest

from coalign.coconstruct.axes import (
    create_group,
    group_attributes,
    rank_axes,
    record_axis,
    set_goal,
    submit_attributes,
)
from coalign.coconstruct.axes_report import axes_report, kendall_tau_b
from coalign.coconstruct.axis_dimensions import adopt_axis, axis_rubric
from coalign.core.calls import SamplingParams
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.core.records import Record
from coalign.rating.campaigns import create_campaign
from coalign.store import Store
from coalign.store.studies import get_study
from coalign.validation.rules.judge import judge_request
from tests.coconstruct.helpers import people
from tests.rating.helpers import campaign_settings, items


def test_kendall_tau_b_matches_known_values() -> None:
    assert kendall_tau_b([1, 2, 3], [1, 2, 3]) == 1.0
    assert kendall_tau_b([1, 2, 3], [3, 2, 1]) == -1.0
    assert kendall_tau_b([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(2 / 3)
    assert kendall_tau_b([1, 4, 4], [1, 2, 3]) == pytest.approx(2 / (3 * 2) ** 0.5)  # scipy: 0.8165
    assert kendall_tau_b([4, 4, 4], [1, 2, 3]) is None


def _deliberation(store: Store) -> tuple[int, dict[str, int], list[str]]:
    alice, bob, carol = people(store, "alice", "bob", "carol")
    group = create_group(store, "mini", "Group A", [alice, bob])
    submit_attributes(
        store,
        alice,
        group.id,
        [
            {"name": "Respect", "definition": "<i>polite</i>"},
            {"name": "Safety", "definition": "no harm"},
        ],
    )
    submit_attributes(
        store, bob, group.id, [{"name": "Caution"}, {"name": "Courtesy"}, {"name": "Speed"}]
    )
    attrs = {(a.participant_id, a.name): a.id for a in group_attributes(store, group.id)}
    respect = record_axis(
        store,
        "mini",
        group.id,
        {
            "name": "Respect",
            "definition": "Speaks to people as equals.",
            "attribute_ids": [attrs[(alice, "Respect")], attrs[(bob, "Courtesy")]],
        },
        recorded_by="fac",
    )
    safety = record_axis(
        store,
        "mini",
        group.id,
        {
            "name": "Safety",
            "definition": "Never advises risky actions.",
            "attribute_ids": [attrs[(alice, "Safety")], attrs[(bob, "Caution")]],
        },
        recorded_by="fac",
    )
    clarity = record_axis(
        store,
        "mini",
        group.id,
        {"name": "Clarity", "definition": "Plain words."},
        recorded_by="fac",
    )
    return (
        group.id,
        {"Respect": respect.id, "Safety": safety.id, "Clarity": clarity.id},
        [alice, bob, carol],
    )


def test_report_compares_rankings_before_and_after(store: Store) -> None:
    group_id, axes, (alice, bob, _) = _deliberation(store)
    # alice: before Respect 1, Safety 2, Clarity 3 (unnamed); after she keeps that order
    rank_axes(
        store,
        alice,
        group_id,
        {axes["Respect"]: (1, 5), axes["Safety"]: (2, 4), axes["Clarity"]: (3, 4)},
    )
    # bob: before Safety 1 (Caution), Respect 2 (Courtesy), Clarity 4 (unnamed); after: reversed
    rank_axes(
        store,
        bob,
        group_id,
        {axes["Clarity"]: (1, 2), axes["Respect"]: (2, 3), axes["Safety"]: (3, 1)},
    )
    sentence = set_goal(
        store,
        "mini",
        group_id,
        {"who": "bank customers", "what": "manage money safely", "how": "respect and caution."},
    )
    assert sentence == (
        "We want an LLM that lets us, as bank customers, manage money safely, "
        "by supporting interactions characterised by respect and caution."
    )
    report = axes_report(store, "mini", group_id)
    assert report.goal == sentence
    members = {m.participant_id: m for m in report.members}
    assert members[alice].kendall_tau == 1.0
    assert members[alice].rank_changes == {"Respect": 0.0, "Safety": 0.0, "Clarity": 0.0}
    assert members[bob].before == {"Respect": 2.0, "Safety": 1.0, "Clarity": 4.0}
    assert members[bob].rank_changes == {"Respect": 0.0, "Safety": -2.0, "Clarity": 3.0}
    assert members[bob].kendall_tau == -1.0
    assert report.mean_kendall_tau == 0.0
    clarity = next(a for a in report.axes if a.axis == "Clarity")
    assert (
        clarity.mean_rank_before == 3.5
        and clarity.mean_rank_after == 2.0
        and clarity.mean_rank_change == 1.5
    )
    assert clarity.mean_agreement == 3.0 and clarity.agreement_counts == {
        1: 0,
        2: 1,
        3: 0,
        4: 1,
        5: 0,
    }


def test_bad_rankings_and_locked_attributes(sqlite_store: Store) -> None:
    group_id, axes, (alice, _bob, carol) = _deliberation(sqlite_store)
    with pytest.raises(ConflictError, match="no longer change"):
        submit_attributes(sqlite_store, alice, group_id, [{"name": "Other"}])
    with pytest.raises(InputError, match="rank every axis"):
        rank_axes(sqlite_store, alice, group_id, {axes["Respect"]: (1, 5)})
    with pytest.raises(InputError, match="different rank"):
        rank_axes(sqlite_store, alice, group_id, {a: (1, 3) for a in axes.values()})
    with pytest.raises(InputError, match="agreement must be"):
        rank_axes(
            sqlite_store, alice, group_id, {a: (i, 6) for i, a in enumerate(axes.values(), start=1)}
        )
    with pytest.raises(NotFoundError):  # carol is not in the group
        rank_axes(
            sqlite_store, carol, group_id, {a: (i, 3) for i, a in enumerate(axes.values(), start=1)}
        )
    with pytest.raises(InputError, match="axis called 'Respect'"):
        record_axis(
            sqlite_store, "mini", group_id, {"name": "Respect", "definition": "again"}, "fac"
        )
    with pytest.raises(NotFoundError, match="no turn 999"):
        record_axis(
            sqlite_store,
            "mini",
            group_id,
            {"name": "New", "definition": "d", "example_turn_ids": [999]},
            "f",
        )
    with pytest.raises(InputError, match="alignment goal: who"):
        set_goal(sqlite_store, "mini", group_id, {"who": "", "what": "x", "how": "y"})
    assert axes_report(sqlite_store, "mini", group_id).members == []


def test_attribute_input_limits(sqlite_store: Store) -> None:
    alice, bob = people(sqlite_store, "alice", "bob")
    group = create_group(sqlite_store, "mini", "G", [alice])
    with pytest.raises(InputError, match="between 1 and 3"):
        submit_attributes(sqlite_store, alice, group.id, [{"name": n} for n in "abcd"])
    with pytest.raises(InputError, match="own name"):
        submit_attributes(sqlite_store, alice, group.id, [{"name": "Care"}, {"name": "care"}])
    with pytest.raises(NotFoundError):
        submit_attributes(sqlite_store, bob, group.id, [{"name": "Care"}])
    with pytest.raises(InputError, match="not a participant"):
        create_group(sqlite_store, "mini", "H", ["nobody"])


def test_axis_becomes_dimension_and_judge_rubric(sqlite_store: Store) -> None:
    group_id, axes, _ = _deliberation(sqlite_store)
    dimension = adopt_axis(sqlite_store, "mini", group_id, axes["Respect"])
    study = get_study(sqlite_store, "mini")
    assert study.dimension("Respect").origin == "derived_axis"
    assert study.dimension("Respect").definition == "Speaks to people as equals."
    with pytest.raises(ConflictError):
        adopt_axis(sqlite_store, "mini", group_id, axes["Respect"])
    rated = create_campaign(
        sqlite_store, campaign_settings(slug="axes", dimensions=["Respect"]), items(2)
    )
    assert rated.campaign.dimensions == ["Respect"]  # a rating dimension now
    rubric = axis_rubric(dimension.model_copy(update={"definition": "uses {{ braces }} safely"}))
    record = Record(
        id="r1",
        run_id="run",
        stage="responses",
        template_name="t",
        template_hash="h",
        prompt="p",
        seed=0,
        model_id="m",
        params=SamplingParams(),
        data={"question": "Q?", "aligned_response": "A."},
    )
    request = judge_request(
        rubric, rubric.dimensions[0], record, study, SamplingParams(max_tokens=8)
    )
    assert "uses {{ braces }} safely" in request.messages[-1].content
