"""Interact and reflect: chats with the real model under the system prompt, codes, clusters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coalign.coconstruct.coding import (
    add_code,
    create_cluster,
    delete_code,
    move_codes,
    own_clusters,
    own_codes,
    study_codes,
)
from coalign.coconstruct.interact import (
    add_baseline,
    conversation,
    conversations_for,
    send,
    start_conversation,
)
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.store import Store
from coalign.store.coconstruction_tables import TurnRow
from coalign.store.tables import ModelCallRow
from tests.coconstruct.helpers import TINY, model, people

pytestmark = pytest.mark.model


def test_chat_turns_are_logged_model_calls_under_the_system_prompt(sqlite_store: Store) -> None:
    (alice,) = people(sqlite_store, "alice")
    llm = model(sqlite_store)
    chat = start_conversation(sqlite_store, alice, "my chat")
    chat = send(sqlite_store, llm, alice, chat.id, "Can I freeze my card?", TINY)
    chat = send(sqlite_store, llm, alice, chat.id, "And unfreeze it?", TINY)
    assert [t.role for t in chat.turns] == ["user", "assistant", "user", "assistant"]
    with sqlite_store.read() as session:
        calls = session.scalars(
            select(ModelCallRow).where(ModelCallRow.purpose == "interact").order_by(ModelCallRow.id)
        ).all()
    assert [c.request_hash for c in calls] == [
        chat.turns[1].request_hash,
        chat.turns[3].request_hash,
    ]
    assert calls[-1].messages[0] == {
        "role": "system",
        "content": "You are a helpful assistant. Answer briefly.",
    }
    assert [m["role"] for m in calls[-1].messages] == ["system", "user", "assistant", "user"]
    assert chat.turns[3].content == calls[-1].response.strip()


def test_baselines_are_shared_and_read_only(sqlite_store: Store) -> None:
    alice, bob = people(sqlite_store, "alice", "bob")
    llm = model(sqlite_store)
    base = add_baseline(sqlite_store, llm, "mini", "Baseline 1", ["How do I save money?"], TINY)
    own = start_conversation(sqlite_store, bob)
    assert [c.id for c in conversations_for(sqlite_store, alice)] == [base.id]
    assert [c.id for c in conversations_for(sqlite_store, bob)] == [base.id, own.id]
    with pytest.raises(NotFoundError):
        send(sqlite_store, llm, alice, base.id, "continue", TINY)
    with pytest.raises(NotFoundError):
        conversation(sqlite_store, alice, own.id)
    with pytest.raises(InputError, match="write a message"):
        send(sqlite_store, llm, bob, own.id, "   ", TINY)
    assert conversation(sqlite_store, bob, own.id).turns == []


def test_codes_spans_and_clusters_with_ownership(sqlite_store: Store) -> None:
    alice, bob = people(sqlite_store, "alice", "bob")
    llm = model(sqlite_store)
    base = add_baseline(sqlite_store, llm, "mini", "Baseline", ["Can I share my PIN?"], TINY)
    user_turn, model_turn = base.turns
    text = model_turn.content
    whole = add_code(sqlite_store, alice, {"turn_id": model_turn.id, "text": "<b>too short</b>"})
    span = add_code(
        sqlite_store,
        alice,
        {"turn_id": model_turn.id, "text": "vague", "span_start": 0, "span_end": min(3, len(text))},
    )
    quoted = add_code(
        sqlite_store, bob, {"turn_id": model_turn.id, "text": "tone", "quote": text[:2]}
    )
    assert whole.text == "<b>too short</b>" and whole.span_start is None
    assert span.quote == text[: min(3, len(text))] and quoted.span_start == 0
    with pytest.raises(InputError, match="model's turns"):
        add_code(sqlite_store, alice, {"turn_id": user_turn.id, "text": "x"})
    with pytest.raises(InputError, match="outside this turn"):
        add_code(
            sqlite_store,
            alice,
            {"turn_id": model_turn.id, "text": "x", "span_start": 0, "span_end": len(text) + 5},
        )
    with pytest.raises(InputError, match="not part of this turn"):
        add_code(
            sqlite_store,
            alice,
            {"turn_id": model_turn.id, "text": "x", "quote": "zzz-not-there-zzz"},
        )
    with pytest.raises(InputError, match="code: text"):
        add_code(sqlite_store, alice, {"turn_id": model_turn.id, "text": ""})
    # bob's private conversation is not codable by alice
    bobs = send(sqlite_store, llm, bob, start_conversation(sqlite_store, bob).id, "Hi", TINY)
    with pytest.raises(NotFoundError):
        add_code(sqlite_store, alice, {"turn_id": bobs.turns[1].id, "text": "x"})

    cluster = create_cluster(sqlite_store, alice, "Clarity", [whole.id, span.id])
    assert {c.id for c in cluster.codes} == {whole.id, span.id}
    with pytest.raises(NotFoundError):
        create_cluster(sqlite_store, alice, "Stolen", [quoted.id])
    with pytest.raises(NotFoundError):
        move_codes(sqlite_store, bob, [quoted.id], cluster.id)
    with pytest.raises(InputError, match="already have a cluster"):
        create_cluster(sqlite_store, alice, "Clarity")
    move_codes(sqlite_store, alice, [span.id], None)
    assert [c.id for c in own_clusters(sqlite_store, alice)[0].codes] == [whole.id]
    with pytest.raises(NotFoundError):
        delete_code(sqlite_store, bob, whole.id)
    delete_code(sqlite_store, bob, quoted.id)
    assert own_codes(sqlite_store, bob) == []
    facilitator_view = study_codes(sqlite_store, "mini")
    assert [(c.text, c.cluster, c.turn_text) for c in facilitator_view] == [
        ("<b>too short</b>", "Clarity", text),
        ("vague", None, text),
    ]


def test_a_message_sent_meanwhile_is_a_conflict_not_a_lost_turn(sqlite_store: Store) -> None:
    (alice,) = people(sqlite_store, "alice")
    llm = model(sqlite_store)
    chat = start_conversation(sqlite_store, alice)
    real_complete = llm.complete

    def complete_while_another_tab_sends(request, **kwargs):
        answer = real_complete(request, **kwargs)
        with sqlite_store.session() as session:
            session.add(
                TurnRow(
                    conversation_id=chat.id, position=1, role="user", content="from another tab"
                )
            )
        return answer

    llm.complete = complete_while_another_tab_sends  # type: ignore[method-assign]
    with pytest.raises(ConflictError, match="reload"):
        send(sqlite_store, llm, alice, chat.id, "Hello", TINY)
    assert [t.content for t in conversation(sqlite_store, alice, chat.id).turns] == [
        "from another tab"
    ]
