"""Withdrawal on SQLite and PostgreSQL: every table of a person's data cleared in one transaction,
tombstones for used seeds, the log, the withdrawal link, and a guard against forgotten tables."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from coalign.coconstruct.axes import create_group, rank_axes, record_axis, submit_attributes
from coalign.coconstruct.coding import add_code, create_cluster
from coalign.coconstruct.diary import add_entry
from coalign.coconstruct.interact import start_conversation
from coalign.coconstruct.training import submit_check
from coalign.coconstruct.workshop import create_workshop
from coalign.core.calls import ChatRequest, Message, ModelCall, SamplingParams
from coalign.core.errors import AccessDeniedError, InputError, NotFoundError
from coalign.core.records import GenerationRun, Record, Verdict
from coalign.core.seeds import SeedExample, SeedQuestion
from coalign.participation.access import CrowdIdTakenError
from coalign.participation.demographics import save_demographics
from coalign.participation.withdrawal import (
    INVALID_LINK,
    data_summary,
    delete_participant,
    find_participant,
    list_withdrawals,
    participant_of_token,
    withdraw,
    withdrawal_facts,
    withdrawal_token,
)
from coalign.rating.assignment import rating_page
from coalign.rating.flow import next_step
from coalign.rating.submit import save_draft, submit
from coalign.steer.chat import rewind
from coalign.steer.prompt_library import share_prompt
from coalign.store import Store
from coalign.store.coconstruction import add_turns
from coalign.store.coconstruction_tables import DiscussionGroupRow, WorkshopRow
from coalign.store.participation_tables import ParticipantRow, WithdrawalRow
from coalign.store.rating_tables import RatingRow
from coalign.store.runs import create_run, save_record
from coalign.store.seeds import save_seed_examples, save_seed_questions
from coalign.store.steer import add_candidate, add_feedback, add_steered_turn
from coalign.store.tables import Base, ModelCallRow
from coalign.store.verdicts import save_verdicts
from coalign.store.withdrawal import EDITED, ERASED, KEPT
from tests.coconstruct.helpers import people, right_answers, train, wrong_answers
from tests.rating.helpers import crowd_seat

SECRET = "my-very-own-words"  # every text the person writes carries it
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000200e2b3c6a50000000049454e44ae426082"
)


def _call(store: Store, text: str) -> str:
    """Log a model call whose request holds ``text``; returns its request hash."""
    request = ChatRequest(
        messages=[Message(role="user", content=text)], params=SamplingParams(seed=1)
    )
    key = request.cache_key("llama-cpp:x")
    store.log_call(
        ModelCall(
            model_id="llama-cpp:x",
            backend="llama-cpp",
            request_hash=key,
            messages=request.messages,
            params=request.params,
            response="an answer",
        )
    )
    return key


def _chat(store: Store, pid: str, text: str) -> tuple[int, int, str]:
    """A conversation of ``pid``: the person's message and the model's answer, with its call
    logged; returns the conversation id, the answer's turn id and the call's request hash."""
    conversation = start_conversation(store, pid, "a chat")
    key = _call(store, text)
    with store.session() as session:
        turns = add_turns(
            session,
            conversation.id,
            [("user", text, None, False), ("assistant", "an answer", key, False)],
            first_position=1,
        )
        return conversation.id, turns[1].id, key


def _rate(store: Store, pid: str) -> None:
    """Answer the demographics, rate the first item, leave a draft on the next one."""
    seat = crowd_seat(store, pid)
    save_demographics(store, seat, {"country": "Peru"})
    page = rating_page(store, seat, next_step(store, seat).assignment_id)
    submit(store, seat, page.assignment_id, page.item_id, {"fairness": "2", "safety": "5"}, {})
    following = next_step(store, seat)
    save_draft(store, seat, following.assignment_id, {"fairness": "3"}, {})


def _steer(store: Store, pid: str, conversation_id: int, turn_id: int, key: str) -> None:
    """A steered answer with one candidate, its axis verdict, and feedback on it."""
    with store.session() as session:
        steered = add_steered_turn(
            session,
            turn_id,
            conversation_id,
            pid,
            targets={"fairness": 4},
            system_prompt="be fair",
            n=1,
            chosen=0,
            model_id="llama-cpp:x",
            params={},
            shared_prompt_id=None,
        )
        add_candidate(
            session,
            steered.id,
            0,
            record_id=f"rec_{pid}",
            content="an answer",
            request_hash=key,
            seed=1,
            distance=0.5,
            chosen=True,
            truncated=False,
        )
        add_feedback(session, turn_id, pid, "validity", "valid", detail={"note": SECRET})
    save_verdicts(
        store, "steer", [Verdict(record_id=f"rec_{pid}", rule="axis:fairness", passed=True)]
    )


def _seeds(store: Store, pid: str) -> tuple[str, str]:
    """A seed question and a seed example written by ``pid``; a run used the example."""
    with store.session() as session:
        [question] = save_seed_questions(
            session,
            "mini",
            [
                SeedQuestion(
                    text=f"{SECRET} question?",
                    topic="cards",
                    question_type="how-to",
                    author=pid,
                    status="proposed",
                )
            ],
        )
        [example] = save_seed_examples(
            session,
            "mini",
            [
                SeedExample(
                    question=f"{SECRET} example?",
                    misaligned_response="bad",
                    critique="unsafe",
                    aligned_response="good",
                    dimensions=["safety"],
                    author=pid,
                )
            ],
        )
    create_run(
        store,
        GenerationRun(
            id="run_w",
            study_slug="mini",
            recipe_name="r",
            recipe={},
            model_id="llama-cpp:x",
            seed=1,
            status="done",
        ),
    )
    save_record(
        store,
        Record(
            id="rec_w1",
            run_id="run_w",
            stage="responses",
            example_ids=["se_other", example],
            template_name="responses.j2",
            template_hash="b" * 64,
            prompt="rendered",
            model_id="llama-cpp:x",
            params=SamplingParams(),
            seed=1,
        ),
    )
    return question, example


def busy_person(store: Store) -> dict[str, Any]:
    """Two participants, A and B, who did everything; B's data must survive A's withdrawal.

    B's conversation came from the same request as A's (same text), so the call log row they
    share stays.
    """
    a, b = people(store, "A", "B")
    _rate(store, "A")
    _rate(store, "B")
    add_entry(
        store,
        a,
        {"goal": SECRET, "prompt": "p", "response": "r", "values_at_stake": "honesty"},
        PNG,
    )
    conversation, turn, key = _chat(store, a, f"{SECRET} hello")
    _chat(store, b, "shared words")
    _, _, shared_key = _chat(store, a, "shared words")
    training = train(store)  # A fails the training check once, then passes and codes
    submit_check(store, a, wrong_answers(training), "en")
    submit_check(store, a, right_answers(training), "en")
    code = add_code(store, a, {"turn_id": turn, "text": f"{SECRET} code"})
    create_cluster(store, a, f"{SECRET} cluster", [code.id])
    rewind(store, a, turn)
    _steer(store, a, conversation, turn, key)
    share_prompt(store, a, f"{SECRET} prompt")
    group = create_group(store, "mini", "Group A", [a, b])
    submit_attributes(store, a, group.id, [{"name": f"{SECRET} attribute"}])
    axis = record_axis(
        store,
        "mini",
        group.id,
        {"name": "Respect", "definition": "d", "example_turn_ids": [turn]},
        "fac",
    )
    rank_axes(store, a, group.id, {axis.id: (1, 4)})
    create_workshop(store, "mini", "ws", "Workshop", {"g1": [a], "g2": [b]})
    question, example = _seeds(store, a)
    return {"a": a, "b": b, "turn": turn, "shared_key": shared_key, "seeds": (question, example)}


def _dump(store: Store, skip: set[str]) -> dict[str, str]:
    """Every table's rows as text, by table name."""
    out = {}
    with store.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = session.execute(select(table)).all()
            out[table.name] = json.dumps([list(r) for r in rows], default=repr)
    return out


def _count(store: Store, table: Any, **where: object) -> int:
    with store.read() as session:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return session.scalar(query) or 0


def test_withdrawal_deletes_every_row_of_the_person_and_nothing_else(store: Store) -> None:
    ctx = busy_person(store)
    a, b = ctx["a"], ctx["b"]
    before_b = _count(store, RatingRow, participant_id=b)
    summary = data_summary(store, a)
    assert summary.counts["ratings"] == 2 and summary.counts["diary_entries"] == 1
    assert summary.counts["conversations"] == 3  # two chats and one rewound from the first
    assert summary.counts["seed_questions"] == summary.counts["seed_examples"] == 1
    assert summary.used_seeds == 1
    done = withdraw(store, a)
    assert done.requested_by == "participant" and done.channel == "page"
    assert done.deleted == summary.counts, "the page said what would go"
    assert done.deleted["training_attempts"] == 2
    for table in ("verdicts", "model_calls", "steer_candidates", "conversation_forks", "turns"):
        assert done.deleted[table] >= 1, table
    assert done.deleted["discussion_groups (edited)"] == 1
    assert done.deleted["workshops (edited)"] == 1
    assert done.deleted["axes (edited)"] == 1

    # Nothing anywhere names A or holds A's words; the log names A on purpose.
    for table, text in _dump(store, set(KEPT)).items():
        assert a not in text, table
        assert SECRET not in text, table
    # B is untouched, and the call log row that B's chat still names is kept.
    assert _count(store, RatingRow, participant_id=b) == before_b
    assert data_summary(store, b).counts["conversations"] == 1
    with store.read() as session:
        group = session.scalars(select(DiscussionGroupRow)).one()
        assert group.members == [b]
        workshop = session.scalars(select(WorkshopRow)).one()
        assert workshop.groups == {"g1": [], "g2": [b]}
    # Both calls with B's words stay (identical requests: which was A's cannot be told apart).
    assert _count(store, ModelCallRow, request_hash=ctx["shared_key"]) == 2

    # The seed a run used leaves a tombstone naming the run; the other is gone without trace.
    [logged] = list_withdrawals(store, "mini")
    [tombstone] = logged.tombstones
    assert (tombstone.seed_kind, tombstone.seed_id) == ("example", ctx["seeds"][1])
    assert tombstone.run_ids == ["run_w"] and tombstone.records == 1


def test_withdrawing_twice_answers_with_the_first_withdrawal(store: Store) -> None:
    [a] = people(store, "A")
    first = withdraw(store, a)
    assert withdraw(store, a).id == first.id
    assert _count(store, WithdrawalRow) == 1
    with pytest.raises(NotFoundError, match="was deleted on"):
        delete_participant(store, a, admin="root", channel="cli")
    with pytest.raises(NotFoundError, match="no participant p_nobody"):
        withdraw(store, "p_nobody")


def test_a_failure_midway_deletes_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = busy_person(store)
    import coalign.store.withdrawal as repository

    real = repository._delete

    def failing(session: Any, key: Any, ids: Any) -> int:
        if key.class_.__tablename__ == "participants":
            raise SQLAlchemyError("disk full")
        return real(session, key, ids)

    monkeypatch.setattr(repository, "_delete", failing)
    before = _dump(store, set())
    with pytest.raises(SQLAlchemyError):
        withdraw(store, ctx["a"])
    assert _dump(store, set()) == before


def test_admin_deletes_by_crowd_id_and_the_log_says_who(store: Store) -> None:
    people(store, "PROLIFIC-7")
    pid = find_participant(store, crowd_id="PROLIFIC-7", study="mini")
    done = delete_participant(store, pid, admin="alice", channel="web")
    assert (done.requested_by, done.account, done.channel) == ("admin", "alice", "web")
    assert done.deleted["participants"] == 1 and done.deleted["enrollments"] == 1
    with store.read() as session:
        assert session.get(ParticipantRow, pid) is None
    with pytest.raises(InputError, match="by id, or by crowd id"):
        find_participant(store, "p_1", crowd_id="X", study="mini")
    with pytest.raises(InputError, match="--study"):
        find_participant(store, crowd_id="X")
    with pytest.raises(NotFoundError, match="no study 'nope'"):
        find_participant(store, crowd_id="X", study="nope")


def test_a_withdrawn_crowd_id_is_not_enrolled_again(store: Store) -> None:
    people(store, "PROLIFIC-8")
    withdraw(store, find_participant(store, crowd_id="PROLIFIC-8", study="mini"))
    with pytest.raises(CrowdIdTakenError, match="withdrew"):
        crowd_seat(store, "PROLIFIC-8")
    crowd_seat(store, "PROLIFIC-9")  # anyone else still joins


def test_withdrawal_link_is_signed_and_dies_with_the_data(store: Store) -> None:
    [a, b] = people(store, "A", "B")
    token = withdrawal_token(store, a)
    assert token == withdrawal_token(store, a), "the same link every time it is shown"
    assert participant_of_token(store, token) == a
    forged = [
        f"{a}.{token.rpartition('.')[2][:-2]}xx",  # a changed signature
        f"{b}.{token.rpartition('.')[2]}",  # someone else's id with this signature
        a,  # only the id (derivable from a crowd id)
        "",
    ]
    for bad in forged:
        with pytest.raises(AccessDeniedError, match="not valid"):
            participant_of_token(store, bad)
    withdraw(store, a, channel="link")
    with pytest.raises(AccessDeniedError) as gone:
        participant_of_token(store, token)
    assert str(gone.value) == INVALID_LINK, "the same answer whether the person exists or not"


def test_withdrawal_facts_count_people_and_used_seeds(store: Store) -> None:
    ctx = busy_person(store)
    assert withdrawal_facts(store, "mini") == {}
    withdraw(store, ctx["a"])
    delete_participant(store, ctx["b"], admin="alice", channel="cli")
    assert withdrawal_facts(store, "mini") == {"participants": 2, "used_seeds": 1}


# --- no table forgotten ---------------------------------------------------------------------------


def _points_at(table: Any, targets: set[str]) -> bool:
    return any(fk.column.table.name in targets for fk in table.foreign_keys)


def test_every_table_that_points_at_a_participant_is_erased() -> None:
    """A new table whose rows belong to a person (a ``participant_id``, or a foreign key to a
    table that has one) must be named in ERASED, EDITED or KEPT, or this fails."""
    tables = Base.metadata.tables.values()
    personal = {"participants"}
    while True:  # follow foreign keys from participants outwards: turns, candidates, forks …
        more = {t.name for t in tables if _points_at(t, personal) or "participant_id" in t.c}
        if more <= personal:
            break
        personal |= more
    handled = set(ERASED) | set(EDITED) | set(KEPT)
    assert sorted(personal - handled) == [], "add these tables to coalign.store.withdrawal.ERASED"


def test_withdrawal_tables_match_the_migration(store: Store) -> None:
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if "withdraw" in repr(d)] == []
