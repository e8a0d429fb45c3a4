"""``coalign demo --study NAME`` runs the datathon, CALMA and diary examples through their
reference studies' flows on the embedded model, and leaves each flow's artefacts in the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from coalign.cli.main import run
from coalign.coconstruct.axes import study_groups
from coalign.coconstruct.axes_comparison import compare_axes
from coalign.coconstruct.coding import study_codes
from coalign.coconstruct.diary import study_entries
from coalign.coconstruct.group_phase import study_group_phases
from coalign.coconstruct.group_ranking import group_ranking_comparison
from coalign.coconstruct.interact import study_conversations
from coalign.coconstruct.reflection import study_notes
from coalign.coconstruct.training import study_attempts
from coalign.coconstruct.workshop import study_workshops
from coalign.coconstruct.workshop_handout import workshop_handouts
from coalign.coconstruct.workshop_seeds import workshop_seeds
from coalign.demo import run_example_demo
from coalign.store import open_store
from coalign.store.calls import call_stats
from coalign.store.runs import iter_records
from coalign.store.studies import study_counts

pytestmark = pytest.mark.model


def test_datathon_demo_runs_a_two_session_workshop(capsys, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert run(["demo", "--study", "datathon", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for step in ("workshop", "session 1", "handout", "session 2", "reflection"):
        assert f"\n{step} " in printed
    with open_store(str(out / "coalign.db")) as store:
        (workshop,) = study_workshops(store, "health-info-datathon")
        assert workshop.session == 2 and sorted(workshop.groups) == ["team-a", "team-b"]
        seeds = workshop_seeds(store, "health-info-datathon", workshop.id).questions
        assert sorted(s.status for s in seeds) == ["accepted"] * 3 + ["rejected"]
        assert all(s.reason for s in seeds)
        handouts = workshop_handouts(store, "health-info-datathon", workshop.id)
        assert {h.group: h.dimension.name for h in handouts if h.dimension} == {
            "team-a": "fairness",
            "team-b": "safety",
        }
        accepted = {s.id for s in seeds if s.status == "accepted"}
        for handout in handouts:
            assert handout.status == "done" and handout.run_id
            (record,) = iter_records(store, handout.run_id)  # one question per team
            assert set(record.example_ids) <= accepted
        (note,) = study_notes(store, "health-info-datathon", workshop.id)
        assert note.session == 2 and note.group == "team-a"
        assert call_stats(store).total == 2


def test_calma_demo_trains_chats_codes_and_compares_two_groups(tmp_path: Path) -> None:
    demo = run_example_demo("calma", tmp_path / "demo")
    assert [s.name for s in demo.steps] == [
        "import",
        "familiarize",
        "interact",
        "reflect",
        "discuss",
        "compare",
    ]
    slug = demo.study_slug
    with open_store(str(tmp_path / "demo" / "coalign.db")) as store:
        attempts = study_attempts(store, slug)
        assert [a.passed for a in attempts].count(False) == 1
        assert len({a.participant_id for a in attempts if a.passed}) == 4
        chats = study_conversations(store, slug)
        assert sorted(c.baseline for c in chats) == [False, False, True]
        assert all(c.turns[-1].role == "assistant" and c.turns[-1].content for c in chats)
        codes = study_codes(store, slug)
        assert len(codes) == 4 and len({c.participant_id for c in codes}) == 4
        groups = study_groups(store, slug)
        assert len(groups) == 2 and all(len(g.axes) == 3 for g in groups)
        for group in groups:
            (top3,) = group_ranking_comparison(store, slug, group.id).rankings
            assert top3.size == 3 and top3.axis_ids == [a.id for a in group.axes]
        comparison = compare_axes(store, slug, [g.id for g in groups])
        assert len(comparison.points) == 6 and comparison.groups == ["group 1", "group 2"]


def test_diary_demo_shares_codes_clusters_and_writes_a_goal(tmp_path: Path) -> None:
    demo = run_example_demo("diary", tmp_path / "demo")
    slug = demo.study_slug
    with open_store(str(tmp_path / "demo" / "coalign.db")) as store:
        entries = study_entries(store, slug)
        assert len(entries) == 3 and all(e.response for e in entries)
        (phase,) = study_group_phases(store, slug)
        assert len(phase.shares) == 3
        for share in phase.shares:
            (code,) = share.codes
            assert code.participant_id != share.participant_id  # another member coded it
        assert sum(len(s.worksheets) for s in phase.shares) == 1
        assert phase.chosen is not None and len(phase.chosen.share_ids) == 2
        assert phase.goal is not None and phase.goal_decision is not None
        assert phase.goal_decision.share_ids == phase.chosen.share_ids
        assert demo.steps[-1].summary == phase.goal.sentence()
        assert call_stats(store).total == 3


def test_study_takes_a_file_path_or_the_default_example_by_name(capsys, tmp_path: Path) -> None:
    mini = Path(__file__).parents[1] / "fixtures" / "mini_study.yaml"
    for study, slug in ((str(mini), "mini"), ("bank-assistant", "bank-assistant")):
        out = tmp_path / slug
        args = ["demo", "--study", study, "--out", str(out), "--questions", "0", "--generate", "0"]
        assert run(args) == 0
        assert f"({slug})" in capsys.readouterr().out
        with open_store(str(out / "coalign.db")) as store:
            assert study_counts(store, slug)["dimensions"] > 0
