"""The label map: real MiniLM embeddings, PCA layout, agglomerative suggestions."""

from __future__ import annotations

import pytest

from coalign.coconstruct.coding import add_code, create_cluster
from coalign.coconstruct.labelmap import PRIVATE_TURN, label_map, project, suggest_clusters
from coalign.core.errors import InputError
from coalign.store import Store
from coalign.store.coconstruction_tables import ConversationRow, TurnRow
from coalign.store.studies import study_row
from coalign.validation.metrics.embeddings import MiniLMEmbedder
from tests.coconstruct.helpers import people

CODES = {
    "alice": ["rude tone", "impolite wording", "unsafe advice about the PIN"],
    "bob": ["disrespectful and rude", "dangerous security advice", "asks for the PIN"],
}


def _baseline_turn(store: Store) -> int:
    """A baseline model turn written directly (the label map does not need the chat model)."""
    with store.session() as session:
        conv = ConversationRow(study_id=study_row(session, "mini").id, baseline=True, title="b")
        session.add(conv)
        session.flush()
        session.add(
            TurnRow(conversation_id=conv.id, position=1, role="user", content="Can I share my PIN?")
        )
        turn = TurnRow(
            conversation_id=conv.id, position=2, role="assistant", content="Sure, tell me your PIN."
        )
        session.add(turn)
        session.flush()
        return turn.id


def test_every_code_is_a_point_and_similar_codes_are_suggested_together(
    sqlite_store: Store,
) -> None:
    pids = dict(zip(CODES, people(sqlite_store, *CODES), strict=True))
    turn = _baseline_turn(sqlite_store)
    ids = {}
    for person, texts in CODES.items():
        for text in texts:
            ids[text] = add_code(sqlite_store, pids[person], {"turn_id": turn, "text": text}).id
    create_cluster(
        sqlite_store, pids["alice"], "Politeness", [ids["rude tone"], ids["impolite wording"]]
    )
    result = label_map(sqlite_store, "mini", embedder=MiniLMEmbedder(), distance=0.7)
    assert result.embedder.endswith("all-MiniLM-L6-v2")
    assert sorted(p.code_id for p in result.points) == sorted(ids.values())
    assert all(0.0 <= p.x <= 1.0 and 0.0 <= p.y <= 1.0 for p in result.points)
    by_text = {p.text: p for p in result.points}
    assert (
        by_text["rude tone"].cluster == "Politeness" and by_text["asks for the PIN"].cluster is None
    )
    assert {p.author for p in result.points} == {"P1", "P2"}
    assert by_text["rude tone"].turn_text == "Sure, tell me your PIN."
    # rudeness codes end up together, apart from the security codes
    assert by_text["rude tone"].suggestion == by_text["disrespectful and rude"].suggestion
    assert by_text["rude tone"].suggestion != by_text["dangerous security advice"].suggestion
    covered = sorted(i for s in result.suggestions for i in s.code_ids)
    assert covered == sorted(ids.values())
    assert all(s.label in CODES["alice"] + CODES["bob"] for s in result.suggestions)


def test_small_and_degenerate_inputs() -> None:
    import numpy as np

    coords, explained = project(np.ones((1, 4), dtype=np.float32))
    assert coords.tolist() == [[0.5, 0.5]] and explained == []
    coords, _ = project(np.ones((3, 4), dtype=np.float32))  # identical vectors: no spread
    assert coords.tolist() == [[0.5, 0.5]] * 3
    assert suggest_clusters(np.eye(3, dtype=np.float32), distance=0.5) == [0, 1, 2]
    # above the limit a sample is clustered and the rest join the nearest centre
    rng = np.random.default_rng(0)
    centres = np.eye(4, dtype=np.float32)[:2]
    many = np.repeat(centres, 50, axis=0) + rng.normal(0, 0.05, (100, 4)).astype(np.float32)
    many /= np.linalg.norm(many, axis=1, keepdims=True)
    labels = suggest_clusters(many, distance=0.5, limit=20)
    assert labels == [0] * 50 + [1] * 50


def test_empty_study_and_bad_distance(sqlite_store: Store) -> None:
    people(sqlite_store, "alice")
    assert label_map(sqlite_store, "mini", embedder=MiniLMEmbedder()).points == []
    with pytest.raises(InputError, match="distance"):
        label_map(sqlite_store, "mini", distance=0)


def test_participants_do_not_see_turns_of_others_private_chats(sqlite_store: Store) -> None:
    alice, bob = people(sqlite_store, "alice", "bob")
    shared = _baseline_turn(sqlite_store)
    with sqlite_store.session() as session:
        conv = ConversationRow(
            study_id=study_row(session, "mini").id, participant_id=bob, title="bob's"
        )
        session.add(conv)
        session.flush()
        private = TurnRow(
            conversation_id=conv.id, position=1, role="assistant", content="Bob's secret chat"
        )
        session.add(private)
        session.flush()
        private_id = private.id
    add_code(sqlite_store, bob, {"turn_id": private_id, "text": "secretive", "quote": "secret"})
    add_code(sqlite_store, alice, {"turn_id": shared, "text": "unsafe"})
    embedder = MiniLMEmbedder()
    as_alice = {
        p.text: p for p in label_map(sqlite_store, "mini", embedder=embedder, viewer=alice).points
    }
    assert as_alice["secretive"].turn_text == PRIVATE_TURN and as_alice["secretive"].quote is None
    assert as_alice["unsafe"].turn_text == "Sure, tell me your PIN."
    as_bob = {
        p.text: p for p in label_map(sqlite_store, "mini", embedder=embedder, viewer=bob).points
    }
    assert (
        as_bob["secretive"].turn_text == "Bob's secret chat"
        and as_bob["secretive"].quote == "secret"
    )
    facilitator = {p.text: p for p in label_map(sqlite_store, "mini", embedder=embedder).points}
    assert facilitator["secretive"].turn_text == "Bob's secret chat"
