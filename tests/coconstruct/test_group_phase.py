"""The group phase on SQLite and PostgreSQL: sharing with consent, codes and worksheets on shares,
the group's clusters, its choice and goal with provenance, closing, unsharing and withdrawal."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from coalign.coconstruct.axes import create_group, get_group
from coalign.coconstruct.axes_report import axes_report
from coalign.coconstruct.diary import add_entry
from coalign.coconstruct.group_phase import (
    choose_cluster,
    close_phase,
    create_group_cluster,
    group_phase,
    member_phase,
    move_shares,
    study_group_phases,
    suggest_group_clusters,
    write_goal,
)
from coalign.coconstruct.interact import start_conversation
from coalign.coconstruct.sharing import (
    NO_CONSENT,
    PHASE_CLOSED,
    code_share,
    delete_share_code,
    fill_worksheet,
    share_entry,
    share_turn,
    unshare,
)
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.export.activities import export_activities
from coalign.participation.withdrawal import data_summary, withdraw
from coalign.store import Store, group_phase_tables
from coalign.store.coconstruction import add_turns
from coalign.store.migrate import current_revision, head_revision
from coalign.store.tables import Base
from coalign.validation.metrics.embeddings import MiniLMEmbedder
from tests.coconstruct.helpers import people
from tests.store.test_promotion_migration import _migrate

EMBEDDER = MiniLMEmbedder()

ENTRY = {
    "goal": "Split a bill with flatmates",
    "prompt": "How do we split the electricity bill fairly?",
    "response": "The person who earns most should pay everything.",
    "action": "Worked it out on paper",
    "values_at_stake": "fairness",
}
GOAL = {"who": "flatmates sharing costs", "what": "settle bills", "how": "even-handed advice"}


def _setup(store: Store) -> tuple[str, str, str, int, int]:
    """Members A and B of group g1 (C is outside it), and an entry of A."""
    a, b, c = people(store, "A", "B", "C")
    group = create_group(store, "mini", "g1", [a, b])
    entry = add_entry(store, a, ENTRY)
    return a, b, c, group.id, entry.id


def test_tables_match_migration_0019(store: Store) -> None:
    names = {t.__tablename__ for t in vars(group_phase_tables).values() if hasattr(t, "__table__")}
    assert len(names) == 6
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if any(n in repr(d) for n in names)] == []


def test_migration_0019_goes_down_and_up_again(store: Store) -> None:
    a, _, _, gid, entry_id = _setup(store)
    share_entry(store, a, gid, entry_id, consent=True)
    _migrate(store, "0019-1", down=True)  # to the revision before 0019, whichever it is
    assert current_revision(store.engine) != head_revision()
    assert "group_shares" not in inspect(store.engine).get_table_names()
    _migrate(store, "head")
    assert current_revision(store.engine) == head_revision()
    assert member_phase(store, a, gid).phase.shares == []  # the tables came back empty


def test_sharing_needs_consent_and_shows_the_entry_to_the_group(store: Store) -> None:
    a, b, c, gid, entry_id = _setup(store)
    with pytest.raises(InputError, match=NO_CONSENT):
        share_entry(store, a, gid, entry_id, consent=False)
    assert member_phase(store, b, gid).phase.shares == []
    with pytest.raises(NotFoundError):
        share_entry(store, b, gid, entry_id, consent=True)  # not B's entry
    with pytest.raises(NotFoundError):
        share_entry(store, c, gid, entry_id, consent=True)  # not in the group
    share_id = share_entry(store, a, gid, entry_id, consent=True)
    assert share_entry(store, a, gid, entry_id, consent=True) == share_id  # twice: one share
    seen = member_phase(store, b, gid)
    [share] = seen.phase.shares
    assert share.author == "P1" and seen.phase.pseudonyms[b] == "P2"
    assert share.parts["response"] == ENTRY["response"] and "outcome" not in share.parts
    assert share.kind == "diary_entry" and share.shared_at is not None
    assert member_phase(store, a, gid).shared_entries == {entry_id: share_id}
    with pytest.raises(NotFoundError):
        member_phase(store, c, gid)


def test_codes_worksheets_clusters_choice_and_goal(store: Store) -> None:
    a, b, _, gid, entry_id = _setup(store)
    share_id = share_entry(store, a, gid, entry_id, consent=True)
    code_id = code_share(store, b, gid, share_id, {"text": "unfair burden", "quote": "earns most"})
    with pytest.raises(InputError, match="not part of this shared misalignment"):
        code_share(store, b, gid, share_id, {"text": "x", "quote": "not in the entry"})
    with pytest.raises(InputError, match="code"):
        code_share(store, b, gid, share_id, {"text": "  "})
    with pytest.raises(NotFoundError):
        delete_share_code(store, a, gid, code_id)  # only B's own
    fill_worksheet(store, b, gid, share_id, {"who_was_affected": "the flatmates"})
    fill_worksheet(
        store, b, gid, share_id, {"who_was_affected": "all three", "what_was_at_stake": "money"}
    )
    with pytest.raises(InputError, match="at least one part"):
        fill_worksheet(store, a, gid, share_id, {"who_was_affected": " "})
    [share] = member_phase(store, a, gid).phase.shares
    [code] = share.codes
    assert (code.author, code.text, code.part) == ("P2", "unfair burden", "response")
    assert ENTRY["response"][code.span_start : code.span_end] == "earns most"
    [sheet] = share.worksheets
    assert (sheet.who_was_affected, sheet.what_was_at_stake, sheet.author) == (
        "all three",
        "money",
        "P2",
    )

    with pytest.raises(ConflictError, match="choose the group's misalignment"):
        write_goal(store, a, gid, GOAL)
    cluster_id = create_group_cluster(store, a, gid, "Unequal costs", [share_id])
    with pytest.raises(InputError, match="already has a cluster"):
        create_group_cluster(store, b, gid, "Unequal costs")
    empty = create_group_cluster(store, b, gid, "Other")
    with pytest.raises(InputError, match="at least one shared"):
        choose_cluster(store, b, gid, empty)
    choose_cluster(store, b, gid, cluster_id)
    sentence = write_goal(store, a, gid, GOAL)
    assert sentence.startswith("We want an LLM that lets us, as flatmates sharing costs")

    phase = group_phase(store, "mini", gid)
    assert phase.chosen and phase.chosen.name == "Unequal costs"
    assert phase.choice and phase.choice.participant_id == b
    assert phase.goal_decision and phase.goal_decision.participant_id == a
    assert phase.goal_decision.share_ids == [share_id] and phase.goal_decision.sentence == sentence
    # the goal is the group's AlignmentGoal: the axes report reads it
    assert get_group(store, "mini", gid).goal is not None
    assert axes_report(store, "mini", gid).goal == sentence

    # B moves the share out and chooses again: the log keeps both choices
    move_shares(store, b, gid, [share_id], empty)
    choose_cluster(store, b, gid, empty)
    assert [d.kind for d in group_phase(store, "mini", gid).decisions] == [
        "choice",
        "goal",
        "choice",
    ]


def test_closing_freezes_the_phase_and_unsharing_removes_what_the_group_wrote(
    store: Store,
) -> None:
    a, b, _, gid, entry_id = _setup(store)
    share_id = share_entry(store, a, gid, entry_id, consent=True)
    code_share(store, b, gid, share_id, {"text": "unfair"})
    close_phase(store, "mini", gid, "fac", closed=True)
    with pytest.raises(ConflictError, match="closed already"):
        close_phase(store, "mini", gid, "fac", closed=True)
    for attempt in (
        lambda: unshare(store, a, gid, share_id),
        lambda: code_share(store, b, gid, share_id, {"text": "late"}),
        lambda: create_group_cluster(store, b, gid, "late"),
    ):
        with pytest.raises(ConflictError, match=PHASE_CLOSED):
            attempt()
    assert group_phase(store, "mini", gid).closed
    close_phase(store, "mini", gid, "fac", closed=False)
    with pytest.raises(NotFoundError):
        unshare(store, b, gid, share_id)  # only the author may
    unshare(store, a, gid, share_id)
    assert member_phase(store, b, gid).phase.shares == []


def test_sharing_a_turn_of_ones_own_chat(store: Store) -> None:
    a, b, _, gid, _ = _setup(store)
    chat = start_conversation(store, a, "bills")
    with store.session() as session:
        user, answer = add_turns(
            session,
            chat.id,
            [
                ("user", "Who pays the bill?", None, False),
                ("assistant", "The richest.", None, False),
            ],
            first_position=1,
        )
        user_id, answer_id = user.id, answer.id
    with pytest.raises(InputError, match="model's turns"):
        share_turn(store, a, gid, user_id, consent=True)
    with pytest.raises(NotFoundError):
        share_turn(store, b, gid, answer_id, consent=True)
    assert [t.id for t, _ in member_phase(store, a, gid).turns] == [answer_id]
    share_turn(store, a, gid, answer_id, consent=True)
    [share] = member_phase(store, b, gid).phase.shares
    assert share.kind == "turn"
    assert share.parts == {"prompt": "Who pays the bill?", "response": "The richest."}


def test_withdrawal_takes_the_members_shares_and_keeps_the_groups_decisions(store: Store) -> None:
    a, b, _, gid, entry_id = _setup(store)
    share_id = share_entry(store, a, gid, entry_id, consent=True)
    code_share(store, b, gid, share_id, {"text": "unfair"})
    fill_worksheet(store, a, gid, share_id, {"what_they_did": "paper"})
    cluster_id = create_group_cluster(store, b, gid, "Costs", [share_id])
    choose_cluster(store, a, gid, cluster_id)
    write_goal(store, a, gid, GOAL)
    close_phase(store, "mini", gid, "fac", closed=True)
    counts = data_summary(store, a).counts
    assert counts["group_shares"] == 1 and counts["share_codes"] == 1
    assert counts["group_decisions (edited)"] == 2
    withdraw(store, a)  # the closed phase does not keep the shares
    phase = group_phase(store, "mini", gid)
    assert phase.shares == [] and phase.clusters[0].share_ids == []
    assert [d.participant_id for d in phase.decisions if d.kind != "close"] == [None, None]
    assert phase.goal_decision and phase.goal_decision.share_ids == []


def test_export_names_who_shared_when_and_what_a_goal_derives_from(store: Store, tmp_path) -> None:
    a, b, _, gid, entry_id = _setup(store)
    share_id = share_entry(store, a, gid, entry_id, consent=True)
    fill_worksheet(store, b, gid, share_id, {"what_was_at_stake": "money"})
    cluster_id = create_group_cluster(store, b, gid, "Costs", [share_id])
    choose_cluster(store, b, gid, cluster_id)
    write_goal(store, b, gid, GOAL)
    counts = export_activities(store, "mini", tmp_path)
    assert counts["group_shares"] == 1 and counts["group_decisions"] == 2
    [shared] = [json.loads(line) for line in (tmp_path / "group_shares.jsonl").open()]
    assert shared["participant_id"] == a and shared["diary_entry_id"] == entry_id
    assert shared["shared_at"] and shared["group"] == "g1" and shared["cluster"] == "Costs"
    assert shared["worksheets"][0]["what_was_at_stake"] == "money"
    decisions = [json.loads(line) for line in (tmp_path / "group_decisions.jsonl").open()]
    [goal] = [d for d in decisions if d["kind"] == "goal"]
    assert goal["participant_id"] == b and goal["diary_entry_ids"] == [entry_id]
    assert goal["share_ids"] == [share_id] and goal["cluster"] == "Costs"
    assert [p.group for p in study_group_phases(store, "mini")] == ["g1"]


def test_suggested_clusters_of_the_groups_shares_by_meaning(sqlite_store: Store) -> None:
    store = sqlite_store
    a, b, c, gid, entry_id = _setup(store)
    share_entry(store, a, gid, entry_id, consent=True)
    other = add_entry(
        store,
        b,
        {
            "goal": "Share rent with my flatmates",
            "prompt": "How should we split the rent fairly?",
            "response": "Whoever has the biggest salary pays the whole rent.",
        },
    )
    share_entry(store, b, gid, other.id, consent=True)
    weather = add_entry(
        store,
        b,
        {
            "goal": "Plan a hike",
            "prompt": "Will it rain in the mountains tomorrow?",
            "response": "Mountains are pretty.",
        },
    )
    share_entry(store, b, gid, weather.id, consent=True)
    with pytest.raises(NotFoundError):
        suggest_group_clusters(store, c, gid, embedder=EMBEDDER)
    with pytest.raises(InputError, match="distance"):
        suggest_group_clusters(store, a, gid, embedder=EMBEDDER, distance=0)
    found = suggest_group_clusters(store, a, gid, embedder=EMBEDDER)
    ids = [s for sug in found for s in sug.share_ids]
    assert sorted(ids) == sorted(s.id for s in member_phase(store, a, gid).phase.shares)
    together = next(s for s in found if len(s.share_ids) > 1)  # the two about splitting costs
    assert set(together.titles) == {ENTRY["goal"], "Share rent with my flatmates"}
    assert together.label in together.titles
    [everything] = suggest_group_clusters(store, a, gid, embedder=EMBEDDER, distance=2)
    assert len(everything.share_ids) == 3
    assert group_phase(store, "mini", gid).clusters == []  # suggestions are stored nowhere
