"""Misalignment diaries: entries with images, ownership, facilitator view, promotion to seeds."""

from __future__ import annotations

import pytest

from coalign.coconstruct.diary import (
    MAX_IMAGE_BYTES,
    add_entry,
    entry_image,
    own_entries,
    promote_to_example,
    promote_to_question,
    study_entries,
    update_entry,
)
from coalign.core.errors import AccessDeniedError, InputError, NotFoundError
from coalign.store import Store
from coalign.store.participation_tables import ParticipantRow
from coalign.store.seeds import list_seed_examples, list_seed_questions
from coalign.study.seed_review import decisions
from tests.coconstruct.helpers import people

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ENTRY = {
    "goal": "Pay my rent from abroad",
    "prompt": "How do I send money to my landlord in Peru?",
    "response": "<script>alert(1)</script> Just carry cash.",
    "action": "Asked again",
    "outcome": "Gave up",
    "values_at_stake": "safety, respect",
}


def test_entry_with_image_round_trip_and_text_kept_verbatim(store: Store) -> None:
    alice, _ = people(store, "alice", "bob")
    entry = add_entry(store, alice, ENTRY, image=PNG)
    assert entry.image_type == "image/png"
    assert (
        entry.response == ENTRY["response"]
    )  # stored as typed; escaping happens where it is shown
    assert entry_image(store, entry.id, alice) == (PNG, "image/png")
    assert [e.id for e in own_entries(store, alice)] == [entry.id]
    assert [e.goal for e in study_entries(store, "mini")] == [ENTRY["goal"]]


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (b"GIF89a" + b"\x00" * (MAX_IMAGE_BYTES + 1), "at most 2 MiB"),
        (b"%PDF-1.7 not an image", "unsupported image"),
        (b"<svg onload=alert(1)></svg>", "unsupported image"),
    ],
)
def test_refused_images_store_nothing(sqlite_store: Store, image: bytes, message: str) -> None:
    (alice,) = people(sqlite_store, "alice")
    with pytest.raises(InputError, match=message):
        add_entry(sqlite_store, alice, ENTRY, image=image)
    assert own_entries(sqlite_store, alice) == []


def test_empty_and_oversized_fields_are_refused(sqlite_store: Store) -> None:
    (alice,) = people(sqlite_store, "alice")
    with pytest.raises(InputError, match="diary entry: goal"):
        add_entry(sqlite_store, alice, {**ENTRY, "goal": "   "})
    with pytest.raises(InputError, match="response: String should have at most 5000"):
        add_entry(sqlite_store, alice, {**ENTRY, "response": "x" * 5001})
    with pytest.raises(InputError, match="extra_field"):
        add_entry(sqlite_store, alice, {**ENTRY, "extra_field": "x"})
    assert own_entries(sqlite_store, alice) == []


def test_only_the_author_may_edit_or_see_an_entry(sqlite_store: Store) -> None:
    alice, bob = people(sqlite_store, "alice", "bob")
    entry = add_entry(sqlite_store, alice, ENTRY, image=PNG)
    with pytest.raises(NotFoundError):
        update_entry(sqlite_store, bob, entry.id, {**ENTRY, "goal": "hijacked"})
    with pytest.raises(NotFoundError):
        entry_image(sqlite_store, entry.id, bob)
    updated = update_entry(
        sqlite_store, alice, entry.id, {**ENTRY, "outcome": "Solved"}, remove_image=True
    )
    assert updated.outcome == "Solved" and updated.image_type is None
    assert own_entries(sqlite_store, bob) == []


def test_participant_without_consent_is_refused(sqlite_store: Store) -> None:
    people(sqlite_store, "alice")
    with sqlite_store.session() as session:
        session.add(ParticipantRow(id="p_new", study_id=1))
    with pytest.raises(AccessDeniedError, match="consent"):
        add_entry(sqlite_store, "p_new", ENTRY)


def test_promotion_keeps_the_link_both_ways(store: Store) -> None:
    (alice,) = people(store, "alice")
    entry = add_entry(store, alice, ENTRY)
    qid = promote_to_question(
        store, "mini", entry.id, topic="cards", question_type="how-to", decided_by="fac"
    )
    eid = promote_to_example(
        store,
        "mini",
        entry.id,
        dimensions=["safety"],
        critique="Unsafe: carrying cash.",
        aligned_response="Use a bank transfer.",
        decided_by="fac",
    )
    stored = own_entries(store, alice)[0]
    assert (stored.seed_question_id, stored.seed_example_id) == (qid, eid)
    question = next(q for q in list_seed_questions(store, "mini") if q.id == qid)
    assert question.author == alice and f"diary entry {entry.id}" in question.reason
    example = next(e for e in list_seed_examples(store, "mini") if e.id == eid)
    assert example.misaligned_response == ENTRY["response"] and example.dimensions == ["safety"]
    assert {d.seed_id for d in decisions(store, "mini")} >= {qid, eid}
    assert all(d.decided_by == "fac" for d in decisions(store, "mini", qid))


def test_promotion_refuses_unknown_design_names(sqlite_store: Store) -> None:
    (alice,) = people(sqlite_store, "alice")
    entry = add_entry(sqlite_store, alice, ENTRY)
    with pytest.raises(InputError, match="unknown topic 'weather'"):
        promote_to_question(
            sqlite_store, "mini", entry.id, topic="weather", question_type="how-to", decided_by="f"
        )
    with pytest.raises(InputError, match="unknown value dimension"):
        promote_to_example(
            sqlite_store,
            "mini",
            entry.id,
            dimensions=["honesty"],
            critique="c",
            aligned_response="a",
            decided_by="f",
        )
    with pytest.raises(InputError, match="critique and an aligned"):
        promote_to_example(
            sqlite_store,
            "mini",
            entry.id,
            dimensions=["safety"],
            critique=" ",
            aligned_response="a",
            decided_by="f",
        )
    with pytest.raises(NotFoundError):
        promote_to_question(
            sqlite_store, "mini", 999, topic="cards", question_type="how-to", decided_by="f"
        )
    assert own_entries(sqlite_store, alice)[0].seed_question_id is None
