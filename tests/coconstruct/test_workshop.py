"""Seed workshops: sessions, breakout groups, moderation with reasons, drafts, timer, recipes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from coalign.coconstruct.workshop import create_workshop, start_session, timer
from coalign.coconstruct.workshop_seeds import (
    add_question_type,
    add_topic,
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
from coalign.store import Store
from coalign.store.studies import get_study
from coalign.study.seed_review import decisions
from coalign.synth.service import prepare
from tests.coconstruct.helpers import TINY, model, people

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


def test_session_one_questions_topics_and_moderation(store: Store) -> None:
    workshop, alice, bob, carol = _workshop(store)
    start_session(store, "mini", workshop.id, 1)
    topic = add_topic(store, alice, workshop.id, "loans", "Borrowing money")
    qtype = add_question_type(store, carol, workshop.id, "comparison", "closed")
    study = get_study(store, "mini")
    assert (
        study.topics[-1] == topic
        and topic.origin == "participant"
        and study.question_types[-1] == qtype
    )
    with pytest.raises(ConflictError, match="topic 'loans' already"):
        add_topic(store, bob, workshop.id, "loans")
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
        sqlite_store, alice, workshop.id, EXAMPLE, ["safety", "fairness"], llm_assisted=True
    )
    assert (
        seed.llm_assisted
        and seed.status == "proposed"
        and seed.dimensions == ["safety", "fairness"]
    )
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
