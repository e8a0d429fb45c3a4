"""The steered chat at run time (study 001's envisioned interfaces): the positionality card, the
participant's own daily limit, stopping an answer while it is written, and the history filters
— on real stores and, for stopping, the real embedded model."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from coalign.coconstruct.axes import rank_axes, set_goal
from coalign.coconstruct.axis_dimensions import adopt_axis
from coalign.coconstruct.interact import append_turns, conversation, start_conversation
from coalign.core.calls import SamplingParams
from coalign.core.errors import (
    AccessDeniedError,
    ConflictError,
    InputError,
    NotFoundError,
    RateLimitedError,
)
from coalign.steer.chat import chat_state, steered_send
from coalign.steer.history import history
from coalign.steer.judges import JUDGE_PARAMS, response_record_id
from coalign.steer.limits import Usage, check_usage, set_daily_limit, set_own_limit, usage_of
from coalign.steer.positionality import model_label, positionality
from coalign.steer.repair import flag
from coalign.steer.stopping import Generations
from coalign.store import Store
from coalign.store.calls import recent_calls
from coalign.store.coconstruction import conversation_by_id, last_turn_position
from coalign.store.steer import add_candidate, add_steered_turn
from coalign.store.tables import utcnow
from tests.coconstruct.helpers import model, people
from tests.coconstruct.test_axes import _deliberation
from tests.llm.test_stop import StopAfter

CHAT = SamplingParams(temperature=0.7, max_tokens=64, seed=1)

# --- the positionality card -----------------------------------------------------------------------


def test_the_card_names_the_model_the_instructions_and_where_the_axes_came_from(
    store: Store,
) -> None:
    group_id, axes, (alice, bob, carol) = _deliberation(store)
    set_goal(
        store,
        "mini",
        group_id,
        {"who": "bank customers", "what": "manage money safely", "how": "respect"},
    )
    rank_axes(
        store,
        alice,
        group_id,
        {axes["Respect"]: (1, 5), axes["Safety"]: (2, 4), axes["Clarity"]: (3, 2)},
    )
    rank_axes(
        store,
        bob,
        group_id,
        {axes["Respect"]: (2, 4), axes["Safety"]: (1, 5), axes["Clarity"]: (3, 3)},
    )
    adopt_axis(store, "mini", group_id, axes["Respect"], name="Equal footing")
    adopt_axis(store, "mini", group_id, axes["Safety"])
    chat = start_conversation(store, carol, "card")
    card = positionality(
        store,
        carol,
        chat.id,
        model_id="openai:http://10.0.0.7:8000/v1#Qwen2.5-7B-Instruct",
        params=CHAT,
        judge_params=JUDGE_PARAMS,
    )
    assert card.model == "Qwen2.5-7B-Instruct"  # no server address shown to participants
    assert card.params == CHAT and card.judge_params == JUDGE_PARAMS
    assert card.system_prompt == chat.system_prompt
    assert "Equal footing (Speaks to people as equals.): fully (5 of 5)" in card.steering_example
    # only the derived axes steer once there are any, each traced to its group
    assert [a.name for a in card.axes] == ["Equal footing", "Safety"]
    respect, safety = card.axes
    assert respect.origin == "derived_axis"
    (source,) = respect.sources
    assert source.group == "Group A" and source.axis_name == "Respect"
    assert source.goal.startswith("We want an LLM that lets us, as bank customers")
    assert (source.attributes, source.contributors) == (2, 2)  # alice's Respect, bob's Courtesy
    assert (source.agreement, source.rankings) == (4.5, 2)
    assert (source.example_turns, source.baseline_examples) == (0, 0)
    assert safety.sources[0].agreement == 4.5 and safety.sources[0].axis_name == "Safety"
    with pytest.raises(NotFoundError):
        positionality(store, alice, chat.id, model_id="x:y", params=CHAT, judge_params=CHAT)


def test_without_derived_axes_the_card_lists_the_study_dimensions(store: Store) -> None:
    (pid,) = people(store, "p1")
    chat = start_conversation(store, pid)
    card = positionality(
        store,
        pid,
        chat.id,
        model_id="llama-cpp:smollm2-135m",
        params=CHAT,
        judge_params=JUDGE_PARAMS,
    )
    assert card.model == "smollm2-135m"
    assert [(a.name, a.origin, a.sources) for a in card.axes] == [
        ("fairness", "researcher", []),
        ("safety", "researcher", []),
    ]


def test_model_labels_leave_out_addresses_and_folders() -> None:
    assert model_label("llama-cpp:/models/q/x.gguf") == "x.gguf"
    assert model_label("openai:http://a/v1,http://b/v1#m") == "m"
    assert model_label("openai:http://a/v1") == "v1"


# --- the participant's own daily limit -------------------------------------------------------------


def test_the_smaller_of_the_own_and_the_study_limit_holds(store: Store) -> None:
    (pid,) = people(store, "l1")
    for bad in (0, 1001):
        with pytest.raises(InputError, match=f"from 1 to 1000 messages, not {bad}"):
            set_own_limit(store, pid, bad)
    assert usage_of(store, pid).personal_limit is None  # nothing half-written
    usage = set_own_limit(store, pid, 3)
    assert (usage.personal_limit, usage.limit, usage.own_limit_holds) == (3, 3, True)
    tomorrow = datetime.combine(utcnow().date() + timedelta(days=1), datetime.min.time(), UTC)
    assert usage.resets_at == tomorrow
    assert re.fullmatch(r"\d+ h \d+ min", usage.resets_in)
    set_daily_limit(store, "mini", 2, "fac")
    usage = usage_of(store, pid)
    assert (usage.study_limit, usage.limit, usage.own_limit_holds) == (2, 2, False)
    usage = set_own_limit(store, pid, 1)  # edited: now the own limit is the smaller one
    assert (usage.limit, usage.own_limit_holds, usage.left) == (1, True, 1)
    usage = set_own_limit(store, pid, None)
    assert (usage.personal_limit, usage.limit) == (None, 2)
    with pytest.raises(AccessDeniedError):
        set_own_limit(store, "nobody", 5)


def test_a_reached_limit_names_which_one_and_when_it_resets() -> None:
    midnight = datetime.combine(utcnow().date() + timedelta(days=1), datetime.min.time(), UTC)
    own = Usage(used=2, study_limit=5, personal_limit=2, resets_at=midnight)
    with pytest.raises(
        RateLimitedError, match=r"your own limit of 2 messages a day; it resets at "
    ):
        check_usage(own)
    study = Usage(used=5, study_limit=5, personal_limit=9, resets_at=midnight)
    with pytest.raises(RateLimitedError, match=r"all 5 steered turns allowed per day .* in \d+ h"):
        check_usage(study)
    check_usage(Usage(used=4, study_limit=5, personal_limit=9, resets_at=midnight))
    check_usage(Usage(used=40, resets_at=midnight))  # no limit at all


# --- stop generating -------------------------------------------------------------------------------


def test_stopping_keeps_the_partial_answer_and_frees_the_model(sqlite_store: Store) -> None:
    (pid,) = people(sqlite_store, "stopper")
    llm = model(sqlite_store)
    chat = start_conversation(sqlite_store, pid, "story")
    long = SamplingParams(temperature=0.8, max_tokens=4000, seed=5)
    ask = "Write a very long story about a dragon who keeps a library, in many chapters."
    turn = steered_send(
        sqlite_store, llm, pid, chat.id, ask, {"safety": 4}, n=2, params=long, stop=StopAfter(12)
    )
    assert turn.stopped and turn.n == 1  # the second candidate was never drawn
    (shown,) = turn.candidates
    assert shown.stopped and shown.chosen and not shown.truncated and shown.scores == []
    assert 0 < len(shown.content) < 200
    # the model stopped working: 11 tokens written, the call logged as stopped (never cached)
    (call,) = [c for c in recent_calls(sqlite_store, 5) if c.purpose == "steer:candidate"]
    assert call.finish_reason == "stopped" and call.error and "stopped" in call.error
    assert call.completion_tokens is not None and call.completion_tokens <= 12
    assert not [c for c in recent_calls(sqlite_store, 5) if (c.purpose or "").startswith("judge")]
    # the stored turn holds the partial text and is marked stopped
    stored = conversation(sqlite_store, pid, chat.id)
    assert [t.content for t in stored.turns] == [ask, shown.content]
    state = chat_state(sqlite_store, pid, chat.id)
    assert state.steered[stored.turns[1].id].stopped
    # a second message works right after, in the same conversation
    short = SamplingParams(temperature=0.0, max_tokens=16, seed=1)
    judges = SamplingParams(temperature=0.0, max_tokens=32, seed=0)
    again = steered_send(
        sqlite_store,
        llm,
        pid,
        chat.id,
        "Thanks. Now one line.",
        {},
        n=1,
        params=short,
        judge_params=judges,
    )
    assert not again.stopped and not again.shown.stopped and again.shown.content
    assert [t.role for t in conversation(sqlite_store, pid, chat.id).turns] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]


def test_one_generation_per_conversation_and_stop_reaches_it() -> None:
    running = Generations()
    assert not running.stop("p", 1)  # nothing to stop
    with running.running("p", 1) as stop:
        assert running.is_running("p", 1) and not running.is_running("q", 1)
        with pytest.raises(ConflictError, match="still being written"):
            running.run("p", 1, lambda _: None)
        assert not running.stop("q", 1)  # someone else's conversation of the same id
        assert running.stop("p", 1) and stop.is_set()
    assert not running.is_running("p", 1)
    assert running.run("p", 1, lambda s: s.is_set()) is False  # a fresh signal each time


# --- history filters -------------------------------------------------------------------------------


def _answer(
    store: Store,
    pid: str,
    chat_id: int,
    question: str,
    targets: dict[str, int],
    when: datetime,
    *,
    stopped: bool = False,
) -> int:
    """A steered answer written through the store, dated ``when``; its turn id."""
    answer = f"An answer to: {question}"
    with store.session() as session:
        row = conversation_by_id(session, chat_id)
        assert row is not None
        added = append_turns(
            session,
            row,
            last_turn_position(session, chat_id),
            [("user", question, None, False), ("assistant", answer, None, False)],
            "test:model",
        )
        steered = add_steered_turn(
            session,
            added[1].id,
            chat_id,
            pid,
            targets=targets,
            system_prompt="",
            n=1,
            chosen=0,
            model_id="test:model",
            params={},
            shared_prompt_id=None,
            stopped=stopped,
        )
        steered.created_at = when
        add_candidate(
            session,
            steered.id,
            0,
            record_id=response_record_id(question, answer),
            content=answer,
            request_hash="h" * 64,
            seed=0,
            distance=0.0,
            chosen=True,
            truncated=False,
            stopped=stopped,
        )
        return added[1].id


def test_history_filters_by_dates_axis_and_flags(store: Store) -> None:
    me, other = people(store, "h1", "h2")
    trip = start_conversation(store, me, "Trip")
    money = start_conversation(store, me, "Money")
    day = datetime(2026, 11, 2, 9, tzinfo=UTC)
    first = _answer(store, me, trip.id, "Where to stay?", {"fairness": 3, "safety": 5}, day)
    second = _answer(
        store, me, trip.id, "Any risks?", {"fairness": 3, "safety": 3}, day + timedelta(days=3)
    )
    third = _answer(
        store,
        me,
        money.id,
        "Should I invest?",
        {"fairness": 1, "safety": 3},
        day + timedelta(days=10, hours=14),
        stopped=True,
    )
    _answer(store, other, start_conversation(store, other).id, "Mine", {"safety": 5}, day)
    flag(store, me, second, "I wanted the real risks")

    def turns(**filters: str) -> list[int]:
        return [e.turn_id for e in history(store, me, filters).entries]

    everything = history(store, me, {})
    assert [e.turn_id for e in everything.entries] == [third, second, first]  # newest first
    assert everything.axes == ["fairness", "safety"] and not everything.filter.active
    newest = everything.entries[0]
    assert (newest.conversation_title, newest.message, newest.stopped) == (
        "Money",
        "Should I invest?",
        True,
    )
    assert newest.answer == "An answer to: Should I invest?" and newest.scores == {}
    # dates: both ends included, whole days in UTC
    assert turns(since="2026-11-02", until="2026-11-05") == [second, first]
    assert turns(since="2026-11-05") == [third, second]
    assert turns(until="2026-11-04") == [first]
    assert turns(since="2026-11-12", until="2026-11-12") == [third]
    # an axis: answers whose slider for it was moved away from the middle
    assert turns(axis="safety") == [first]
    assert turns(axis="fairness") == [third]
    # flagged only, alone and with the others; blank fields mean "not set"
    assert turns(flagged="1") == [second]
    assert turns(flagged="1", axis="safety") == []
    assert turns(since="", until="", axis="", flagged="") == [third, second, first]
    assert history(store, me, {"flagged": "1"}).entries[0].flagged
    with pytest.raises(InputError, match="start date 2026-11-05 is after the end date 2026-11-01"):
        history(store, me, {"since": "2026-11-05", "until": "2026-11-01"})
    with pytest.raises(InputError, match="no axis 'speed' in this chat; the axes are fairness"):
        history(store, me, {"axis": "speed"})
    with pytest.raises(InputError, match="history filter: since"):
        history(store, me, {"since": "2026-13-01"})
    assert [e.turn_id for e in history(store, other, {"axis": "safety"}).entries] != [first]
