"""Seed workshops: sessions, breakout groups, moderation with reasons, drafts, timer, recipes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from coalign.coconstruct.workshop import create_workshop, start_session, timer
from coalign.coconstruct.workshop_design import decide_proposal, propose, workshop_proposals
from coalign.coconstruct.workshop_seeds import (
    draft_example,
    moderate,
    workshop_seeds,
    write_example,
    write_question,
)
from coalign.core.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    TruncatedOutputError,
)
from coalign.core.study import QuestionType
from coalign.store import Store
from coalign.store.studies import get_study
from coalign.study.seed_review import add_to_design, decisions
from coalign.synth.service import prepare
from tests.coconstruct.helpers import DRAFT, TINY, canned, model, people

EXAMPLE = {
    "question": "Can I tell the agent my PIN on the phone?",
    "misaligned_response": "Yes, agents may ask for it.",
    "critique": "Violates safety: a PIN is never shared.",
    "aligned_response": "No. Nobody from the bank will ever ask for your PIN.",
}


def _workshop(store: Store):
    alice, bob, carol = people(store, "alice", "bob", "carol")
    workshop = create_workshop(
        store,
        "mini",
        "w1",
        "Workshop 1",
        {"red": [alice, bob], "blue": [carol]},
        session_minutes=60,
        break_every_minutes=20,
    )
    return workshop, alice, bob, carol


def test_session_one_questions_and_moderation(store: Store) -> None:
    workshop, alice, bob, carol = _workshop(store)
    start_session(store, "mini", workshop.id, 1)
    for who, what, name in ((alice, "topic", "loans"), (carol, "question_type", "comparison")):
        made = propose(store, who, workshop.id, what, name)
        decide_proposal(store, "mini", workshop.id, made.id, "accepted", "a new cell", "mod")
    first = write_question(
        store, alice, workshop.id, "Can I repay my loan early?", "loans", "yes-no"
    )
    second = write_question(
        store, carol, workshop.id, "Is a loan or a card cheaper?", "cards", "comparison"
    )
    with pytest.raises(ConflictError, match="written already"):
        write_question(store, bob, workshop.id, "Can I repay my loan early?", "loans", "yes-no")
    with pytest.raises(InputError, match="unknown topic"):
        write_question(store, bob, workshop.id, "Weather?", "weather", "yes-no")
    with pytest.raises(ConflictError, match="session 2"):
        write_example(store, alice, workshop.id, EXAMPLE, ["safety"])
    seeds = workshop_seeds(store, "mini", workshop.id)
    assert {(s.id, s.status, s.group) for s in seeds.questions} == {
        (first.id, "proposed", "w1:red"),
        (second.id, "proposed", "w1:blue"),
    }
    assert [s.id for s in workshop_seeds(store, "mini", workshop.id, "blue").questions] == [
        second.id
    ]
    with pytest.raises(InputError, match="reason"):
        moderate(store, "mini", workshop.id, "question", first.id, "accepted", "  ", "mod")
    moderate(
        store, "mini", workshop.id, "question", first.id, "accepted", "clear and on topic", "mod"
    )
    moderate(
        store, "mini", workshop.id, "question", second.id, "rejected", "two questions in one", "mod"
    )
    with pytest.raises(NotFoundError):  # an imported seed is not this workshop's to moderate
        moderate(store, "mini", workshop.id, "question", "sq_not_here", "accepted", "x", "mod")
    statuses = {
        s.id: (s.status, s.reason) for s in workshop_seeds(store, "mini", workshop.id).questions
    }
    assert statuses == {
        first.id: ("accepted", "clear and on topic"),
        second.id: ("rejected", "two questions in one"),
    }
    log = decisions(store, "mini", first.id)
    assert [(d.decision, d.decided_by, d.workshop_id) for d in log] == [
        ("accepted", "mod", workshop.id)
    ]


def test_proposed_topics_and_types_join_the_design_only_when_accepted(store: Store) -> None:
    workshop, alice, bob, carol = _workshop(store)
    before = get_study(store, "mini")
    topic = propose(store, alice, workshop.id, "topic", " loans ", "Borrowing money")
    qtype = propose(store, carol, workshop.id, "question_type", "comparison", kind="closed")
    assert (topic.status, topic.group, topic.author, qtype.kind) == (
        "proposed",
        "w1:red",
        alice,
        "closed",
    )
    assert get_study(store, "mini") == before  # a proposal changes nothing yet
    with pytest.raises(InputError, match="unknown topic"):
        write_question(store, alice, workshop.id, "Can I repay early?", "loans", "yes-no")
    with pytest.raises(ConflictError, match="proposed already"):
        propose(store, bob, workshop.id, "topic", "loans")
    with pytest.raises(ConflictError, match="topic 'cards' already"):
        propose(store, bob, workshop.id, "topic", "cards")
    with pytest.raises(InputError, match="kind"):
        propose(store, bob, workshop.id, "question_type", "x", kind="wild")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="1 to 120"):
        propose(store, bob, workshop.id, "topic", "x" * 121)
    assert [p.name for p in workshop_proposals(store, "mini", workshop.id, "blue")] == [
        "comparison"
    ]
    with pytest.raises(InputError, match="reason"):
        decide_proposal(store, "mini", workshop.id, topic.id, "accepted", " ", "mod")
    with pytest.raises(NotFoundError):
        decide_proposal(store, "mini", workshop.id + 1, topic.id, "accepted", "ok", "mod")
    accepted = decide_proposal(
        store, "mini", workshop.id, topic.id, "accepted", "often asked", "mod"
    )
    rejected = decide_proposal(store, "mini", workshop.id, qtype.id, "rejected", "too vague", "mod")
    assert (accepted.status, accepted.reason, accepted.decided_by) == (
        "accepted",
        "often asked",
        "mod",
    )
    assert accepted.decided_at is not None and rejected.status == "rejected"
    with pytest.raises(ConflictError, match="accepted already"):
        decide_proposal(store, "mini", workshop.id, topic.id, "rejected", "changed mind", "mod")
    study = get_study(store, "mini")
    assert study.topics[-1].model_dump() == {
        "name": "loans",
        "description": "Borrowing money",
        "origin": "participant",
    }
    assert "comparison" not in {q.name for q in study.question_types}
    write_question(store, alice, workshop.id, "Can I repay early?", "loans", "yes-no")
    again = propose(store, carol, workshop.id, "question_type", "comparison", kind="closed")
    assert again.id != qtype.id  # a rejected name may be proposed again
    with store.session() as session:  # meanwhile the researchers add it themselves
        add_to_design(session, "mini", QuestionType(name="comparison"))
    with pytest.raises(ConflictError, match="question type 'comparison' already"):
        decide_proposal(store, "mini", workshop.id, again.id, "accepted", "dup", "mod")


def test_outsiders_and_bad_workshops_are_refused(sqlite_store: Store) -> None:
    workshop, alice, *_ = _workshop(sqlite_store)
    (dave,) = [p for p in people(sqlite_store, "dave")]
    with pytest.raises(NotFoundError):
        write_question(sqlite_store, dave, workshop.id, "Q?", "cards", "how-to")
    with pytest.raises(InputError, match="one breakout group"):
        create_workshop(sqlite_store, "mini", "w2", "W", {"a": [alice], "b": [alice]})
    with pytest.raises(InputError, match="already"):
        create_workshop(sqlite_store, "mini", "w1", "W", {"a": [dave]})
    with pytest.raises(InputError, match="not a participant"):
        create_workshop(sqlite_store, "mini", "w3", "W", {"a": ["ghost"]})


def test_timer_and_break_reminders(sqlite_store: Store) -> None:
    workshop, *_ = _workshop(sqlite_store)
    assert timer(workshop).running is False
    started = start_session(sqlite_store, "mini", workshop.id, 1)
    t0 = started.session_started_at
    at_10 = timer(started, t0 + timedelta(minutes=10))
    assert (
        at_10.running,
        at_10.remaining_seconds,
        at_10.break_due,
        at_10.next_break_in_seconds,
    ) == (True, 3000, False, 600)
    assert timer(started, t0 + timedelta(minutes=21)).break_due is True
    assert timer(started, t0 + timedelta(minutes=27)).break_due is False
    over = timer(started, t0 + timedelta(minutes=61))
    assert (over.running, over.remaining_seconds, over.break_due) == (False, 0, False)


@pytest.mark.model
def test_session_two_example_from_a_model_draft_reaches_the_recipe_seed_set(
    sqlite_store: Store, tmp_path: Path
) -> None:
    workshop, alice, _bob, _ = _workshop(sqlite_store)
    start_session(sqlite_store, "mini", workshop.id, 2)
    llm = model(sqlite_store)
    draft = draft_example(
        sqlite_store,
        llm,
        alice,
        workshop.id,
        EXAMPLE["question"],
        "safety",
        TINY.model_copy(update={"max_tokens": 400, "temperature": 0.7}),
    )
    assert set(draft) == {"misaligned_response", "critique", "aligned_response"}
    with pytest.raises(TruncatedOutputError, match="stopped at max_tokens") as cut_short:
        draft_example(sqlite_store, llm, alice, workshop.id, EXAMPLE["question"], "safety", TINY)
    assert cut_short.value.raw_output
    with pytest.raises(InputError, match="unknown value dimension"):
        write_example(sqlite_store, alice, workshop.id, EXAMPLE, ["honesty"])
    with pytest.raises(InputError, match="critique is empty"):
        write_example(sqlite_store, alice, workshop.id, {**EXAMPLE, "critique": " "}, ["safety"])
    seed = write_example(
        sqlite_store,
        alice,
        workshop.id,
        {"question": EXAMPLE["question"], **draft},
        ["safety", "fairness"],
    )
    assert (
        seed.llm_assisted
        and seed.status == "proposed"
        and seed.dimensions == ["safety", "fairness"]
    )
    assert workshop_seeds(sqlite_store, "mini", workshop.id).drafted == {seed.id: "kept"}
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "name: r\nstudy: mini\nstages:\n  questions: {examples: {k: 1, strategy: random}}\n"
        "  responses: {dimensions: [safety], examples: {k: 1}}\n"
    )
    assert seed.id not in {e.id for e in prepare(sqlite_store, recipe).planner.seed_examples}
    moderate(
        sqlite_store,
        "mini",
        workshop.id,
        "example",
        seed.id,
        "accepted",
        "realistic and clear",
        "mod",
    )
    planner = prepare(sqlite_store, recipe).planner
    assert seed.id in {e.id for e in planner.seed_examples}


def test_llm_assisted_is_what_the_server_saw_not_what_the_writer_says(
    sqlite_store: Store,
) -> None:
    store = sqlite_store
    workshop, alice, bob, carol = _workshop(store)
    llm = canned(store, json.dumps(DRAFT))
    with pytest.raises(ConflictError, match="session 2"):
        draft_example(store, llm, alice, workshop.id, EXAMPLE["question"], "safety")
    start_session(store, "mini", workshop.id, 2)
    assert draft_example(store, llm, alice, workshop.id, EXAMPLE["question"], "safety") == DRAFT
    own = write_example(store, bob, workshop.id, EXAMPLE, ["safety"])
    kept = write_example(
        store, bob, workshop.id, {"question": "Tell the agent my PIN?", **DRAFT}, ["safety"]
    )
    edited = write_example(
        store,
        carol,
        workshop.id,
        {
            **EXAMPLE,
            "question": "Should I give my PIN?",
            "critique": "Unsafe: " + DRAFT["critique"].replace("at all", "ever") + " Never.",
        },
        ["safety"],
    )
    assert (own.llm_assisted, kept.llm_assisted, edited.llm_assisted) == (False, True, True)
    seeds = workshop_seeds(store, "mini", workshop.id)
    assert seeds.drafted == {kept.id: "kept", edited.id: "edited"}
    other = create_workshop(store, "mini", "w2", "Workshop 2", {"green": [alice]})
    start_session(store, "mini", other.id, 2)
    elsewhere = write_example(
        store, alice, other.id, {"question": "Another PIN question?", **DRAFT}, ["fairness"]
    )
    assert elsewhere.llm_assisted is False  # only drafts given in this workshop count


def test_draft_use_kept_edited_or_not_at_all() -> None:
    from coalign.coconstruct.workshop_seeds import draft_use
    from coalign.store.coconstruction_tables import WorkshopDraftRow

    draft = WorkshopDraftRow(**DRAFT)
    assert draft_use({"question": "q", **DRAFT}, [draft]) == (draft, "kept")
    spaced = {k: f"  {v}\n" for k, v in DRAFT.items()}
    assert draft_use({"question": "q", **spaced}, [draft]) == (draft, "kept")
    reworded = {**EXAMPLE, "aligned_response": DRAFT["aligned_response"].upper()}
    assert draft_use(reworded, [draft]) == (draft, "edited")
    assert draft_use(EXAMPLE, [draft]) is None
    assert draft_use(EXAMPLE, []) is None
