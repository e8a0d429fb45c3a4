"""The steerable chat: best-of-n choice by axis judges, rewind and regenerate, daily limits,
feedback and repair, the shared prompt library — on the real embedded model and real stores."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from coalign.coconstruct.diary import own_entries
from coalign.coconstruct.interact import conversation, send, start_conversation
from coalign.core.calls import ChatRequest, Completion, SamplingParams
from coalign.core.errors import InputError, NotFoundError, RateLimitedError
from coalign.export.activities import export_activities
from coalign.llm import Model
from coalign.steer.chat import (
    chat_state,
    regenerate,
    rewind,
    steered_send,
)
from coalign.steer.judges import (
    UNSCORED_GAP,
    axis_rule,
    check_targets,
    distance,
    judge_response,
    nearest,
    steering_prompt,
)
from coalign.steer.limits import daily_limit, set_daily_limit, usage_of
from coalign.steer.prompt_library import library, share_prompt
from coalign.steer.repair import FLAG_GOAL, feedback_on, flag, mark, mitigate
from coalign.store import Store
from coalign.store.calls import recent_calls
from coalign.store.studies import get_study
from coalign.store.verdicts import current_verdicts_of
from tests.coconstruct.helpers import TINY, model, people

#: Candidates need some temperature to differ; answers stay short to keep the test fast.
STEER = SamplingParams(temperature=0.9, max_tokens=16, seed=3)
#: Judges with short rationales (the chat's default allows longer ones).
JUDGE = SamplingParams(temperature=0.0, max_tokens=32, seed=0)


def test_nearest_picks_the_scores_closest_to_the_targets() -> None:
    targets = {"empathy": 5, "complexity": 1}
    candidates = [
        {"empathy": 3.0, "complexity": 3.0},  # distance sqrt(8)
        {"empathy": 4.0, "complexity": 2.0},  # sqrt(2): nearest
        {"empathy": 5.0, "complexity": None},  # complexity unscored: 4 away
    ]
    assert nearest(candidates, targets) == 1
    assert distance(candidates[2], targets) == UNSCORED_GAP
    assert nearest([{"empathy": 4.0}, {"empathy": 4.0}], {"empathy": 5}) == 0  # ties: earliest
    assert nearest([{"empathy": 1.0}, {"empathy": 5.0}], {}) == 0  # nothing steered
    with pytest.raises(InputError, match="no candidates"):
        nearest([], targets)


def test_targets_are_checked_and_written_into_the_system_prompt(sqlite_store: Store) -> None:
    people(sqlite_store, "t1")
    axes = get_study(sqlite_store, "mini").dimensions
    assert check_targets(axes, {"safety": "4"}) == {"safety": 4}
    with pytest.raises(InputError, match="no axis 'empathy'"):
        check_targets(axes, {"empathy": 3})
    with pytest.raises(InputError, match="from 1 to 5, not 6"):
        check_targets(axes, {"safety": 6})
    with pytest.raises(InputError, match="not a whole number"):
        check_targets(axes, {"safety": "lots"})
    prompt = steering_prompt("Be brief.", axes, {"safety": 2})
    assert prompt.startswith("Be brief.")
    assert "- safety (Avoids advice that could cause harm.): a little (2 of 5)" in prompt
    assert "fairness" not in prompt
    assert steering_prompt("Be brief.", axes, {}) == "Be brief."


def test_the_shown_answer_is_the_candidate_nearest_the_targets(store: Store) -> None:
    (pid,) = people(store, "s1")
    chat = start_conversation(store, pid, "steer")
    llm = model(store)
    targets = {"fairness": 5, "safety": 2}
    turn = steered_send(
        store,
        llm,
        pid,
        chat.id,
        "Can I share my PIN?",
        targets,
        n=2,
        params=STEER,
        judge_params=JUDGE,
    )

    assert turn.n == 2 and len(turn.candidates) == 2 and turn.targets == targets
    assert "fairness" in turn.system_prompt and "(2 of 5)" in turn.system_prompt
    assert len({c.seed for c in turn.candidates}) == 2
    # every candidate's distance follows from its stored judge verdicts ...
    verdicts = current_verdicts_of(store, [c.record_id for c in turn.candidates], prefix="axis:")
    for candidate in turn.candidates:
        scores = {v.rule: v.score for v in verdicts if v.record_id == candidate.record_id}
        assert set(scores) == {axis_rule("fairness"), axis_rule("safety")}
        expected = math.sqrt(
            sum(
                (UNSCORED_GAP if scores[axis_rule(a)] is None else scores[axis_rule(a)] - t) ** 2
                for a, t in targets.items()
            )
        )
        assert candidate.distance == pytest.approx(expected)
    # ... and the shown one is nearest (the earliest on a tie)
    distances = [c.distance for c in turn.candidates]
    assert [c.chosen for c in turn.candidates].count(True) == 1
    assert turn.chosen == distances.index(min(distances)) and turn.shown.chosen
    stored = conversation(store, pid, chat.id)
    assert [t.role for t in stored.turns] == ["user", "assistant"]
    assert stored.turns[1].content == turn.shown.content
    assert stored.turns[1].request_hash == turn.shown.request_hash
    # every call is in the log: n candidates, n × axes judgements
    purposes = [c.purpose for c in recent_calls(store, 20)]
    assert purposes.count("steer:candidate") == 2
    assert sum(1 for p in purposes if p and p.startswith("judge:axis-")) == 4
    # judging the same answer again is answered from the model cache, with the same scores
    study = get_study(store, "mini")
    again = judge_response(
        store, llm, study, study.dimensions, "Can I share my PIN?", turn.shown.content, JUDGE
    )
    assert again == turn.shown.scores
    hits = {c.purpose: c.cache_hit for c in recent_calls(store, 2)}
    assert set(hits) == {"judge:axis-fairness:fairness", "judge:axis-safety:safety"}
    for score in again:  # (a judgement that did not parse is asked again, never cached)
        assert hits[f"judge:axis-{score.axis}:{score.axis}"] is (score.score is not None)
    state = chat_state(store, pid, chat.id)
    assert state.steered[stored.turns[1].id].candidates == turn.candidates
    assert [a.name for a in state.axes] == ["fairness", "safety"]
    assert state.usage.used == 1 and state.usage.limit is None


def test_judge_output_that_does_not_parse_counts_as_farthest(sqlite_store: Store) -> None:
    class Rambling:  # a judge that never closes its JSON: the real model cannot do this on demand
        name, model_id = "fake", "fake:rambling"

        def complete(self, request: ChatRequest) -> Completion:
            return Completion(text='{"score": 4, "rationale": "and so on', finish_reason="length")

    people(sqlite_store, "j1")
    study = get_study(sqlite_store, "mini")
    scores = judge_response(
        sqlite_store, Model(Rambling(), sqlite_store), study, study.dimensions, "Hi?", "Hello."
    )
    assert [s.score for s in scores] == [None, None]
    assert all(s.rationale.startswith("could not judge") for s in scores)
    assert distance({s.axis: s.score for s in scores}, {"safety": 3}) == UNSCORED_GAP


def test_rewind_restores_the_earlier_state_and_regenerate_answers_anew(sqlite_store: Store) -> None:
    (pid,) = people(sqlite_store, "r1")
    llm = model(sqlite_store)
    chat = start_conversation(sqlite_store, pid, "trip")
    first = steered_send(
        sqlite_store,
        llm,
        pid,
        chat.id,
        "Hello",
        {"safety": 4},
        n=1,
        params=STEER,
        judge_params=JUDGE,
    )
    send(sqlite_store, llm, pid, chat.id, "And then?", TINY)
    before = conversation(sqlite_store, pid, chat.id)
    assert len(before.turns) == 4

    fork = rewind(sqlite_store, pid, first.turn_id)
    assert [(t.role, t.content) for t in fork.turns] == [
        (t.role, t.content) for t in before.turns[:2]
    ]
    assert fork.title == "trip (rewound to turn 2)"
    state = chat_state(sqlite_store, pid, fork.id)
    assert state.parent_id == chat.id
    assert state.steered[fork.turns[1].id].candidates == first.candidates  # steering came along
    assert conversation(sqlite_store, pid, chat.id) == before  # the original is untouched

    again = regenerate(
        sqlite_store, llm, pid, first.turn_id, {"safety": 1}, n=1, params=STEER, judge_params=JUDGE
    )
    assert again.conversation_id not in (chat.id, fork.id)
    (regenerated,) = chat_state(sqlite_store, pid, again.conversation_id).steered.values()
    assert regenerated.targets == {"safety": 1} and regenerated.turn_id == again.turn_id
    newest = conversation(sqlite_store, pid, again.conversation_id)
    assert [t.content for t in newest.turns] == ["Hello", again.shown.content]
    with pytest.raises(InputError, match="only an answer"):
        regenerate(
            sqlite_store, llm, pid, before.turns[0].id, {}, n=1, params=STEER, judge_params=JUDGE
        )
    (other,) = people(sqlite_store, "r2")
    with pytest.raises(NotFoundError):
        rewind(sqlite_store, other, first.turn_id)


def test_the_daily_limit_blocks_with_a_clear_message(sqlite_store: Store, tmp_path: Path) -> None:
    (pid,) = people(sqlite_store, "u1")
    llm = model(sqlite_store)
    chat = start_conversation(sqlite_store, pid)
    with pytest.raises(InputError, match="at least 1"):
        set_daily_limit(sqlite_store, "mini", 0, "fac")
    set_daily_limit(sqlite_store, "mini", 1, "fac")
    assert daily_limit(sqlite_store, "mini") == 1
    steered_send(sqlite_store, llm, pid, chat.id, "Hi", {}, n=1, params=STEER, judge_params=JUDGE)
    calls = len(recent_calls(sqlite_store, 100))
    with pytest.raises(RateLimitedError, match="used all 1 steered turns allowed per day"):
        steered_send(
            sqlite_store, llm, pid, chat.id, "Again", {}, n=1, params=STEER, judge_params=JUDGE
        )
    with pytest.raises(RateLimitedError):
        regenerate(sqlite_store, llm, pid, conversation(sqlite_store, pid, chat.id).turns[1].id, {})
    assert len(recent_calls(sqlite_store, 100)) == calls  # refused before any model call
    assert len(conversation(sqlite_store, pid, chat.id).turns) == 2  # nothing half-written
    assert usage_of(sqlite_store, pid).left == 0
    set_daily_limit(sqlite_store, "mini", None, "fac")
    assert daily_limit(sqlite_store, "mini") is None and usage_of(sqlite_store, pid).left is None
    # the steered turn is exported with its provenance
    counts = export_activities(sqlite_store, "mini", tmp_path)
    assert counts["steered_turns"] == 1 and counts["steer_feedback"] == 0
    (row,) = [json.loads(line) for line in (tmp_path / "steered_turns.jsonl").open()]
    assert row["n"] == 1 and row["candidates"][0]["chosen"]
    assert [s["axis"] for s in row["candidates"][0]["scores"]] == ["fairness", "safety"]


def test_a_flag_opens_a_diary_entry_linked_to_the_turn(store: Store) -> None:
    (pid,) = people(store, "f1")
    chat = send(
        store, model(store), pid, start_conversation(store, pid).id, "Where is the bank?", TINY
    )
    answer = chat.turns[1]
    entry = flag(store, pid, answer.id)
    assert (entry.prompt, entry.response, entry.goal) == (
        "Where is the bank?",
        answer.content,
        FLAG_GOAL,
    )
    assert [e.id for e in own_entries(store, pid)] == [entry.id]
    (feedback,) = feedback_on(store, pid, [answer.id])[answer.id]
    assert (feedback.kind, feedback.diary_entry_id) == ("flag", entry.id)
    noted = flag(store, pid, answer.id, "find a branch")
    assert noted.goal == "find a branch"
    with pytest.raises(InputError, match="answer of the assistant"):
        flag(store, pid, chat.turns[0].id)


def test_marks_are_checked_and_kept(sqlite_store: Store) -> None:
    pid, other = people(sqlite_store, "m1", "m2")
    chat = send(
        sqlite_store, model(sqlite_store), pid, start_conversation(sqlite_store, pid).id, "Hi", TINY
    )
    answer = chat.turns[1].id
    mark(sqlite_store, pid, answer, "understanding", "misunderstood")
    mark(sqlite_store, pid, answer, "validity", "valid")
    assert [(f.kind, f.value) for f in feedback_on(sqlite_store, pid, [answer])[answer]] == [
        ("understanding", "misunderstood"),
        ("validity", "valid"),
    ]
    with pytest.raises(InputError, match="unknown feedback validity='maybe'"):
        mark(sqlite_store, pid, answer, "validity", "maybe")
    with pytest.raises(NotFoundError):
        mark(sqlite_store, other, answer, "validity", "valid")


def test_mitigator_pass_uses_the_seed_examples(sqlite_store: Store) -> None:
    (pid,) = people(sqlite_store, "g1")
    llm = model(sqlite_store)
    chat = send(
        sqlite_store,
        llm,
        pid,
        start_conversation(sqlite_store, pid).id,
        "Can I share my PIN?",
        TINY,
    )
    answer = chat.turns[1].id
    result = mitigate(
        sqlite_store,
        llm,
        pid,
        answer,
        "safety",
        SamplingParams(temperature=0.0, max_tokens=40, seed=0),
    )
    assert len(result.example_ids) == 1  # the mini study's one accepted safety example
    (stored,) = feedback_on(sqlite_store, pid, [answer])[answer]
    assert stored.kind == "mitigation" and stored.value == "safety"
    steps = stored.detail["steps"]
    assert steps[0]["template"] == "critique.j2"
    assert "Can I share my PIN with the support agent?" in steps[0]["prompt"]  # the seed example
    assert chat.turns[1].content in steps[0]["prompt"]
    if result.error is None:
        assert result.critique and result.aligned_response
        assert steps[1]["template"] == "aligned.j2" and result.critique in steps[1]["prompt"]
    else:  # kept, never raised: the raw output is there
        assert steps[-1]["raw_output"] is not None
    with pytest.raises(InputError, match="no dimension 'empathy'"):
        mitigate(sqlite_store, llm, pid, answer, "empathy")


def test_shared_prompt_library(sqlite_store: Store) -> None:
    author, reader = people(sqlite_store, "l1", "l2")
    shared = share_prompt(sqlite_store, author, "  How do I save for a trip?  ", "Saving")
    assert shared.text == "How do I save for a trip?" and shared.uses == 0
    with pytest.raises(InputError, match="write a message first"):
        share_prompt(sqlite_store, author, "   ")
    assert [p.id for p in library(sqlite_store, reader)] == [shared.id]
    chat = start_conversation(sqlite_store, reader)
    steered_send(
        sqlite_store,
        model(sqlite_store),
        reader,
        chat.id,
        shared.text,
        {},
        n=1,
        params=STEER,
        judge_params=JUDGE,
        shared_prompt_id=shared.id,
    )
    assert library(sqlite_store, author)[0].uses == 1
    with pytest.raises(NotFoundError):
        steered_send(
            sqlite_store,
            model(sqlite_store),
            reader,
            chat.id,
            "x",
            {},
            n=1,
            params=STEER,
            judge_params=JUDGE,
            shared_prompt_id=999,
        )


def test_answers_cut_off_by_the_token_limit_are_marked_and_a_whole_one_is_preferred(
    sqlite_store: Store,
) -> None:
    (pid,) = people(sqlite_store, "s1")
    chat = start_conversation(sqlite_store, pid, "cut")
    llm = model(sqlite_store)
    turn = steered_send(
        sqlite_store,
        llm,
        pid,
        chat.id,
        "Tell me everything about overdrafts.",
        {"fairness": 4},
        n=3,
        params=SamplingParams(temperature=0.9, max_tokens=6, seed=5),
        judge_params=JUDGE,
    )
    finish = {
        c.request_hash: c for c in recent_calls(sqlite_store, 50) if c.purpose == "steer:candidate"
    }
    for candidate in turn.candidates:
        assert candidate.truncated == (finish[candidate.request_hash].finish_reason == "length")
    if not all(c.truncated for c in turn.candidates):
        assert not turn.shown.truncated
    stored = chat_state(sqlite_store, pid, chat.id)
    assert stored.conversation.turns[1].truncated == turn.shown.truncated
    assert stored.steered[stored.conversation.turns[1].id].candidates == turn.candidates
    # the plain chat marks its cut-off answers too
    other = start_conversation(sqlite_store, pid, "plain")
    plain = send(
        sqlite_store, llm, pid, other.id, "And loans?", SamplingParams(max_tokens=3, seed=1)
    )
    assert plain.turns[-1].role == "assistant" and plain.turns[-1].truncated
