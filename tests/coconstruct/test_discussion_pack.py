"""The pre-discussion pack on SQLite and PostgreSQL: a member's own coded turns and clusters, the
group's topics counted from its members' codes and the codes on its shares (never from people
outside the group), and a word cloud sized by frequency."""

from __future__ import annotations

import pytest

from coalign.coconstruct.axes import create_group
from coalign.coconstruct.coding import add_code, create_cluster
from coalign.coconstruct.diary import add_entry
from coalign.coconstruct.discussion_pack import count_labels, discussion_pack
from coalign.coconstruct.group_phase import create_group_cluster
from coalign.coconstruct.interact import start_conversation
from coalign.coconstruct.sharing import code_share, share_entry
from coalign.core.errors import NotFoundError
from coalign.store import Store
from coalign.store.coconstruction import add_turns
from tests.coconstruct.helpers import people


def _answer(store: Store, pid: str, text: str) -> int:
    """A chat of ``pid`` with one model answer ``text``; its turn id."""
    chat = start_conversation(store, pid, "chat")
    with store.session() as session:
        _, answer = add_turns(
            session,
            chat.id,
            [("user", "Help me budget.", None, False), ("assistant", text, None, False)],
            first_position=1,
        )
        return answer.id


def test_count_labels_ignores_case_and_spaces() -> None:
    assert count_labels(["Too long", "too  long ", "too long", "Vague", " "]) == {
        "too long": 3,
        "Vague": 1,
    }


def test_pack_of_a_member(store: Store) -> None:
    alice, bob, carol = people(store, "alice", "bob", "carol")
    group = create_group(store, "mini", "G", [alice, bob])
    turn_a = _answer(store, alice, "Just stop buying coffee, obviously.")
    turn_b = _answer(store, bob, "Budgets are for people who cannot count.")
    turn_c = _answer(store, carol, "Sure.")
    condescending = add_code(store, alice, {"turn_id": turn_a, "text": "condescending"})
    add_code(store, alice, {"turn_id": turn_a, "text": "Too simple", "quote": "stop buying coffee"})
    add_code(store, bob, {"turn_id": turn_b, "text": "Condescending"})
    add_code(store, bob, {"turn_id": turn_b, "text": "mocking"})
    add_code(store, carol, {"turn_id": turn_c, "text": "outsider code"})  # not in the group
    create_cluster(store, alice, "Tone", [condescending.id])
    entry = add_entry(
        store, alice, {"goal": "Save money", "prompt": "How?", "response": "Earn more."}
    )
    share_id = share_entry(store, alice, group.id, entry.id, consent=True)
    code_share(store, bob, group.id, share_id, {"text": "condescending"})
    create_group_cluster(store, bob, group.id, "Talking down", [share_id])

    pack = discussion_pack(store, alice, group.id)
    assert [t.turn_id for t in pack.turns] == [turn_a]
    assert [c.text for c in pack.turns[0].codes] == ["condescending", "Too simple"]
    assert [(c.name, [x.text for x in c.codes]) for c in pack.clusters] == [
        ("Tone", ["condescending"])
    ]
    assert pack.codes_in_group == 5 and pack.coders_in_group == 2
    assert [(t.label, t.count) for t in pack.top_codes] == [
        ("condescending", 3),
        ("mocking", 1),
        ("Too simple", 1),
    ]
    assert [(t.label, t.count, t.kind) for t in pack.top_clusters] == [
        ("Talking down", 1, "group cluster"),
        ("Tone", 1, "cluster"),
    ]
    sizes = {w.text: w.size for w in pack.cloud.words}
    assert set(sizes) == {"condescending", "mocking", "Too simple"}
    assert sizes["condescending"] > sizes["mocking"] == sizes["Too simple"]
    assert "outsider code" not in str(pack.model_dump())

    assert discussion_pack(store, bob, group.id).turns[0].turn_id == turn_b
    with pytest.raises(NotFoundError):
        discussion_pack(store, carol, group.id)
