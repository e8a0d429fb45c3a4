"""Misalignment diaries: entries with images, ownership, facilitator view, promotion to seeds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.exc import IntegrityError

from coalign.coconstruct.diary import (
    MAX_IMAGE_BYTES,
    add_entry,
    entry_image,
    own_entries,
    promote_to_example,
    promote_to_question,
    seed_origin,
    study_entries,
    study_promotions,
    update_entry,
)
from coalign.core.errors import AccessDeniedError, InputError, NotFoundError
from coalign.store import Store
from coalign.store.participation_tables import ParticipantRow
from coalign.store.seeds import add_seed_decision, list_seed_examples, list_seed_questions
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
    question = promote_to_question(
        store, "mini", entry.id, topic="cards", question_type="how-to", decided_by="fac"
    )
    example = promote_to_example(
        store,
        "mini",
        entry.id,
        dimensions=["safety"],
        critique="Unsafe: carrying cash.",
        aligned_response="Use a bank transfer.",
        decided_by="fac",
        topic="savings",
        question_type="yes-no",
    )
    qid, eid = question.seed_id, example.seed_id
    assert question.created and example.created and question.decided_by == "fac"
    stored = own_entries(store, alice)[0]
    assert (stored.seed_question_id, stored.seed_example_id) == (qid, eid)
    seed_q = next(q for q in list_seed_questions(store, "mini") if q.id == qid)
    assert seed_q.author == alice and f"diary entry {entry.id}" in (seed_q.reason or "")
    seed_e = next(e for e in list_seed_examples(store, "mini") if e.id == eid)
    assert seed_e.misaligned_response == ENTRY["response"] and seed_e.dimensions == ["safety"]
    assert (seed_e.topic, seed_e.question_type) == ("savings", "yes-no")  # sampled by cell
    assert {d.seed_id for d in decisions(store, "mini")} >= {qid, eid}
    (logged,) = decisions(store, "mini", qid)
    assert (logged.decided_by, logged.diary_entry_id) == ("fac", entry.id)
    assert logged.created_at == question.decided_at
    # from the seed back to the entry and the decision
    origin = seed_origin(store, "mini", "example", eid)
    assert [e.id for e in origin.entries] == [entry.id]
    assert [(d.decided_by, d.diary_entry_id) for d in origin.decisions] == [("fac", entry.id)]
    promoted = study_promotions(store, "mini")[entry.id]
    assert {k: p.seed_id for k, p in promoted.items()} == {"question": qid, "example": eid}


def test_promoting_again_answers_with_the_first_seed_and_keeps_the_link(store: Store) -> None:
    (alice,) = people(store, "alice")
    entry = add_entry(store, alice, ENTRY)
    first = promote_to_question(
        store, "mini", entry.id, topic="cards", question_type="how-to", decided_by="fac"
    )
    # a second tab with other choices, a double click, a stale page: nothing changes
    again = promote_to_question(
        store,
        "mini",
        entry.id,
        topic="savings",
        question_type="yes-no",
        decided_by="other",
        text="Something else entirely?",
    )
    assert not again.created
    assert (again.seed_id, again.decided_by, again.decided_at) == (
        first.seed_id,
        "fac",
        first.decided_at,
    )
    assert own_entries(store, alice)[0].seed_question_id == first.seed_id
    assert [q.text for q in list_seed_questions(store, "mini") if "else" in q.text] == []
    assert len(decisions(store, "mini", first.seed_id)) == 1
    # even arguments that would be refused now: the entry was promoted already
    stale = promote_to_question(
        store, "mini", entry.id, topic="weather", question_type="how-to", decided_by="x"
    )
    assert stale.seed_id == first.seed_id and not stale.created
    # the other kind is still open, once
    example = dict(
        dimensions=["safety"],
        critique="Unsafe.",
        aligned_response="Use a transfer.",
        topic="cards",
        question_type="how-to",
    )
    made = promote_to_example(store, "mini", entry.id, decided_by="fac", **example)
    twice = promote_to_example(
        store, "mini", entry.id, decided_by="fac", **{**example, "critique": "Other."}
    )
    assert made.created and not twice.created and twice.seed_id == made.seed_id
    assert [e.critique for e in list_seed_examples(store, "mini") if e.author == alice] == [
        "Unsafe."
    ]


def test_concurrent_promotions_make_one_seed(store: Store) -> None:
    """Eight requests promote the same entry at once (each its own text): one seed, one link."""
    (alice,) = people(store, "alice")
    entry = add_entry(store, alice, ENTRY)
    barrier = threading.Barrier(8)

    def promote(n: int) -> str:
        barrier.wait()
        return promote_to_question(
            store,
            "mini",
            entry.id,
            topic="cards",
            question_type="how-to",
            decided_by=f"fac{n}",
            text=f"Variant {n}?",
        ).seed_id

    with ThreadPoolExecutor(8) as pool:
        seed_ids = set(pool.map(promote, range(8)))
    assert len(seed_ids) == 1
    assert own_entries(store, alice)[0].seed_question_id in seed_ids
    made = [q.id for q in list_seed_questions(store, "mini") if q.text.startswith("Variant")]
    assert made == list(seed_ids)
    promotions = [d for d in decisions(store, "mini") if d.diary_entry_id == entry.id]
    assert len(promotions) == 1


def test_unique_constraint_refuses_a_second_promotion_that_skips_the_service(
    store: Store,
) -> None:
    (alice,) = people(store, "alice")
    entry = add_entry(store, alice, ENTRY)
    promote_to_question(
        store, "mini", entry.id, topic="cards", question_type="how-to", decided_by="fac"
    )
    with pytest.raises(IntegrityError), store.session() as session:
        add_seed_decision(
            session,
            1,
            seed_kind="question",
            seed_id="sq_other",
            decision="accepted",
            reason="again",
            decided_by="fac",
            diary_entry_id=entry.id,
        )


def test_example_needs_topic_and_type_of_the_study(sqlite_store: Store) -> None:
    (alice,) = people(sqlite_store, "alice")
    entry = add_entry(sqlite_store, alice, ENTRY)
    fields = dict(dimensions=["safety"], critique="c", aligned_response="a", decided_by="f")
    with pytest.raises(InputError, match="topic"):
        promote_to_example(sqlite_store, "mini", entry.id, question_type="how-to", **fields)
    with pytest.raises(InputError, match="question type"):
        promote_to_example(sqlite_store, "mini", entry.id, topic="cards", **fields)
    with pytest.raises(InputError, match="unknown topic 'weather'"):
        promote_to_example(
            sqlite_store, "mini", entry.id, topic="weather", question_type="how-to", **fields
        )
    with pytest.raises(InputError, match="unknown question type 'essay'"):
        promote_to_example(
            sqlite_store, "mini", entry.id, topic="cards", question_type="essay", **fields
        )
    assert own_entries(sqlite_store, alice)[0].seed_example_id is None
    assert study_promotions(sqlite_store, "mini") == {}


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
            topic="cards",
            question_type="how-to",
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
            topic="cards",
            question_type="how-to",
        )
    with pytest.raises(NotFoundError):
        promote_to_question(
            sqlite_store, "mini", 999, topic="cards", question_type="how-to", decided_by="f"
        )
    assert own_entries(sqlite_store, alice)[0].seed_question_id is None
