"""Session 2's handout (a dimension and generated questions per breakout group) and the workshop's
reflection boards: checks, runs, retries, notes, reactions, codes and their exports."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from coalign.coconstruct.reflection import (
    code_note,
    participant_board,
    post_note,
    react,
    study_notes,
    workshop_board,
)
from coalign.coconstruct.workshop import create_workshop, find_workshop, start_session
from coalign.coconstruct.workshop_handout import (
    run_handout,
    start_handout,
    team_handout,
    workshop_handouts,
)
from coalign.coconstruct.workshop_seeds import moderate, write_question
from coalign.core.errors import ConflictError, InputError, NotFoundError
from coalign.export.activities import export_activities
from coalign.export.boards import board_rows, board_text, export_boards
from coalign.export.facts import participation_facts
from coalign.export.sources import resolve_source
from coalign.export.trace import render_trace, trace_in_store
from coalign.llm import Model, parse_model
from coalign.llm.backends.openai import OpenAIBackend
from coalign.participation.withdrawal import withdraw
from coalign.store import Store
from coalign.store.calls import recent_calls
from coalign.store.runs import get_run, iter_records
from coalign.store.seeds import list_seed_questions
from coalign.synth.recipe import QuestionStage, Recipe, Stages
from coalign.synth.service import execute, prepare_recipe
from tests.coconstruct.helpers import model, people
from tests.conftest import free_port


def _session_one(store: Store):
    """A workshop in session 1 with two questions written, by alice (red) and carol (blue)."""
    alice, carol = people(store, "alice", "carol")
    workshop = create_workshop(store, "mini", "w1", "Workshop 1", {"red": [alice], "blue": [carol]})
    start_session(store, "mini", workshop.id, 1)
    kept = write_question(
        store,
        alice,
        workshop.id,
        "Can I see every fee before I open an account?",
        "cards",
        "yes-no",
    )
    dropped = write_question(
        store, carol, workshop.id, "How do I hide income from the tax office?", "savings", "how-to"
    )
    return workshop, alice, carol, kept, dropped


def _unreachable(store: Store) -> Model:
    """A real model server address where nothing listens."""
    backend = OpenAIBackend(parse_model(f"openai:http://127.0.0.1:{free_port()}/v1#m"), timeout=2)
    return Model(backend, store, retries=1, backoff=0.01)


def test_handout_is_checked_before_any_run_and_a_stopped_run_is_retried(store: Store) -> None:
    workshop, _alice, carol, kept, dropped = _session_one(store)
    llm = _unreachable(store)
    both = {"red": "fairness", "blue": "safety"}
    with pytest.raises(InputError, match="no seed question of session 1 of workshop 'w1'"):
        start_handout(store, "mini", workshop.id, both, llm.model_id, "mod")
    moderate(store, "mini", workshop.id, "question", kept.id, "accepted", "clear", "mod")
    moderate(store, "mini", workshop.id, "question", dropped.id, "rejected", "harmful", "mod")
    with pytest.raises(InputError, match="no breakout group 'green'"):
        start_handout(store, "mini", workshop.id, {**both, "green": "safety"}, llm.model_id, "m")
    with pytest.raises(InputError, match="choose a value dimension for breakout group blue"):
        start_handout(store, "mini", workshop.id, {"red": "fairness"}, llm.model_id, "mod")
    with pytest.raises(InputError, match="breakout group blue: unknown value dimension"):
        start_handout(store, "mini", workshop.id, {**both, "blue": "honesty"}, llm.model_id, "m")
    with pytest.raises(InputError, match="1 to 30 questions"):
        start_handout(store, "mini", workshop.id, both, llm.model_id, "mod", size=0)
    assert [h.dimension for h in workshop_handouts(store, "mini", workshop.id)] == [None, None]

    handouts = start_handout(store, "mini", workshop.id, both, llm.model_id, "mod", size=3)
    assert [(h.group, h.dimension.name, h.status, h.planned) for h in handouts] == [
        ("red", "fairness", "planned", 3),
        ("blue", "safety", "planned", 3),
    ]
    run = get_run(store, handouts[0].run_id)
    assert run.recipe["stages"]["questions"]["seed_questions"] == [kept.id]
    assert handouts[0].run_id != handouts[1].run_id  # one run per group, its own seed
    assert team_handout(store, carol, workshop.id).dimension.definition.startswith("Avoids")

    stopped = run_handout(store, "mini", workshop.id, llm)
    assert {h.status for h in stopped} == {"paused"}
    assert all("model unreachable" in h.reason for h in stopped)
    assert all(h.questions == [] and not h.working for h in stopped)
    tries = len(recent_calls(store, limit=100))

    again = start_handout(
        store, "mini", workshop.id, {**both, "red": "safety"}, llm.model_id, "mod", size=3
    )
    assert [h.run_id for h in again] == [h.run_id for h in handouts]  # the same runs, resumed
    assert again[0].dimension.name == "safety"
    run_handout(store, "mini", workshop.id, llm)
    assert len(recent_calls(store, limit=100)) > tries
    other = _unreachable(store)  # another address: not the model the runs were set up with
    refused = run_handout(store, "mini", workshop.id, other)
    assert {h.status for h in refused} == {"failed"}
    assert all(f"the run calls {llm.model_id}, not {other.model_id}" in h.reason for h in refused)
    recipe = Recipe(name="r", study="mini", stages=Stages(questions=QuestionStage(limit=1)))
    with pytest.raises(InputError, match=f"calls {re.escape(llm.model_id)}, not"):
        execute(store, prepare_recipe(store, recipe, model=llm.model_id), model=other)

    moderate(store, "mini", workshop.id, "question", dropped.id, "accepted", "on reflection", "m")
    changed = run_handout(store, "mini", workshop.id, llm)  # runs set up from the old seeds
    assert {h.status for h in changed} == {"failed"}
    assert all("the accepted seeds changed" in h.reason for h in changed)
    fresh = start_handout(store, "mini", workshop.id, both, llm.model_id, "mod", size=3)
    assert {h.run_id for h in fresh}.isdisjoint({h.run_id for h in handouts})
    run = get_run(store, fresh[0].run_id)
    assert set(run.recipe["stages"]["questions"]["seed_questions"]) == {kept.id, dropped.id}


def test_handout_questions_come_from_session_one_seeds_and_trace_back(
    sqlite_store: Store, tmp_path: Path
) -> None:
    store = sqlite_store
    (alice,) = people(store, "alice")
    workshop = create_workshop(store, "mini", "w2", "Workshop 2", {"red": [alice]})
    start_session(store, "mini", workshop.id, 1)
    kept = write_question(
        store,
        alice,
        workshop.id,
        "Will the bank tell me before it raises my card limit?",
        "cards",
        "yes-no",
    )
    moderate(store, "mini", workshop.id, "question", kept.id, "accepted", "clear", "mod")
    assert len(list_seed_questions(store, "mini")) == 3  # the study's own seeds are accepted too
    llm = model(store)
    start_handout(store, "mini", workshop.id, {"red": "fairness"}, llm.model_id, "mod", size=2)
    (handout,) = run_handout(store, "mini", workshop.id, llm)
    assert handout.status == "done" and handout.written == 2
    records = list(iter_records(store, handout.run_id))
    assert len(records) == 2 and all(r.example_ids == [kept.id] for r in records)
    assert [q.record_id for q in handout.questions] == [
        r.id for r in records if r.parse_status == "ok"
    ]
    assert handout.questions, "the embedded model wrote no question that parsed"
    trace = trace_in_store(store, "mini", record_id=handout.questions[0].record_id)
    (seed,) = trace.lineage.seeds
    assert (seed.seed_id, seed.origin, seed.author, seed.team) == (
        kept.id,
        "workshop",
        alice,
        "red",
    )
    assert kept.id in render_trace(trace)
    start_session(store, "mini", workshop.id, 2)
    shown = team_handout(store, alice, workshop.id)
    assert shown.questions == handout.questions and shown.dimension.name == "fairness"
    counts = export_activities(store, "mini", tmp_path / "acts")
    (row,) = [json.loads(line) for line in (tmp_path / "acts" / "handouts.jsonl").open()]
    assert counts["handouts"] == 1 and (row["workshop"], row["group"], row["run_id"]) == (
        "w2",
        "red",
        handout.run_id,
    )
    assert [q["record_id"] for q in row["questions"]] == [q.record_id for q in handout.questions]
    phases = participation_facts(store, resolve_source(store, "study:mini"), None)["activities"]
    assert "workshop session-2 handouts (a value dimension and questions generated" in " ".join(
        phases
    )
    # done runs are kept when the handout is started again
    again = start_handout(store, "mini", workshop.id, {"red": "safety"}, llm.model_id, "mod")
    assert again[0].run_id == handout.run_id and again[0].questions == handout.questions


def test_reflection_boards_notes_reactions_codes_and_exports(store: Store, tmp_path: Path) -> None:
    alice, carol, dave = people(store, "alice", "carol", "dave")
    workshop = create_workshop(store, "mini", "w1", "Workshop 1", {"red": [alice], "blue": [carol]})
    with pytest.raises(ConflictError, match="opens when the session starts"):
        post_note(store, alice, workshop.id, 1, "Too early")
    start_session(store, "mini", workshop.id, 1)
    with pytest.raises(InputError, match="the note is empty"):
        post_note(store, alice, workshop.id, 1, "  ")
    with pytest.raises(InputError, match="at most 1000 characters"):
        post_note(store, alice, workshop.id, 1, "x" * 1001)
    with pytest.raises(InputError, match="session 1 and session 2"):
        post_note(store, alice, workshop.id, 3, "A third session?")
    with pytest.raises(ConflictError, match="board of session 2"):
        post_note(store, alice, workshop.id, 2, "Not yet")
    with pytest.raises(NotFoundError):
        post_note(store, dave, workshop.id, 1, "I am not in this workshop")
    first = post_note(store, alice, workshop.id, 1, "Question types were hard to tell apart.")
    second = post_note(store, carol, workshop.id, 1, "  More time for topics, please.  ")
    assert react(store, carol, workshop.id, first, "+1") == 1
    react(store, alice, workshop.id, first, "+1")
    react(store, alice, workshop.id, first, "idea")
    react(store, alice, workshop.id, first, "idea")  # taken back
    with pytest.raises(InputError, match="a reaction is one of"):
        react(store, alice, workshop.id, first, "thumbs")
    with pytest.raises(NotFoundError, match="no note 999"):
        react(store, alice, workshop.id, 999, "+1")
    board = participant_board(store, carol, workshop.id, 1)
    assert [(n.text, n.reactions, n.mine) for n in board.notes] == [
        ("Question types were hard to tell apart.", {"+1": 2}, ["+1"]),
        ("More time for topics, please.", {}, []),
    ]
    assert participant_board(store, carol, workshop.id, 2).open is False

    with pytest.raises(InputError, match="at most 10 tags"):
        code_note(store, "mini", workshop.id, first, [f"t{i}" for i in range(11)], "mod")
    with pytest.raises(NotFoundError, match="no note 999"):
        code_note(store, "mini", workshop.id, 999, ["x"], "mod")
    coded = code_note(store, "mini", workshop.id, first, [" taxonomy ", "taxonomy", "time"], "mod")
    assert coded.tags == ["taxonomy", "time"] and coded.coded_by == "mod"
    code_note(store, "mini", workshop.id, second, ["time"], "mod")
    assert workshop_board(store, "mini", workshop.id, 1).tag_counts == {"time": 2, "taxonomy": 1}

    start_session(store, "mini", workshop.id, 2)
    post_note(store, carol, workshop.id, 2, "The handout questions were realistic.")
    post_note(store, alice, workshop.id, 1, "Session 1 board stays open after it.")
    notes = study_notes(store, "mini")
    assert [(n.session, n.group, n.author) for n in notes] == [
        (1, "red", alice),
        (1, "blue", carol),
        (1, "red", alice),
        (2, "blue", carol),
    ]
    rows = list(csv.DictReader(io.StringIO(board_text(board_rows(notes, "mini"), "csv"))))
    assert rows[0]["reactions"] == "+1:2" and rows[0]["tags"] == "taxonomy; time"
    assert rows[0]["workshop"] == "w1" and rows[0]["author"] == alice and rows[0]["created_at"]
    assert export_boards(store, "mini", tmp_path / "b.jsonl", workshop.id) == 4
    with pytest.raises(InputError, match=r"\.csv or a \.jsonl"):
        export_boards(store, "mini", tmp_path / "b.xlsx")
    counts = export_activities(store, "mini", tmp_path / "acts")
    assert counts["reflection_notes"] == 4
    phases = participation_facts(store, resolve_source(store, "study:mini"), None)["activities"]
    assert "reflection-board notes after workshop sessions: 4 by <5 participants" in phases
    exported = [
        json.loads(line)
        for line in (tmp_path / "acts" / "reflection_notes.jsonl").read_text().splitlines()
    ]
    assert exported[3]["session"] == 2 and exported[3]["group"] == "blue"
    assert exported[0]["reactions"] == {"+1": 2} and exported[0]["coded_by"] == "mod"
    react(store, alice, workshop.id, second, "idea")
    withdraw(store, alice)  # her notes go, and so do her reactions to carol's
    react(store, carol, workshop.id, second, "heart")
    left = study_notes(store, "mini")
    assert [(n.author, n.reactions) for n in left] == [(carol, {"heart": 1}), (carol, {})]
    assert find_workshop(store, "mini", "w1").id == workshop.id
    with pytest.raises(NotFoundError, match="no workshop 'w9' \\(it has: w1\\)"):
        find_workshop(store, "mini", "w9")
