"""The store on SQLite and PostgreSQL: migrations, round trips, transactions, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from coalign.core.calls import ChatRequest, Message, ModelCall, SamplingParams
from coalign.core.errors import NotFoundError, StoreError
from coalign.store import open_store, resolve_url
from coalign.store.calls import call_stats, recent_calls
from coalign.store.migrate import current_revision, head_revision
from coalign.store.seeds import list_seed_examples, list_seed_questions
from coalign.store.studies import get_study, list_studies, study_counts
from coalign.store.tables import StudyRow
from coalign.study import import_study, read_bundle

MINI = Path(__file__).parents[1] / "fixtures" / "mini_study.yaml"

EXPECTED_TABLES = {
    "studies",
    "value_dimensions",
    "topics",
    "question_types",
    "participants",
    "demographic_answers",
    "seed_questions",
    "seed_examples",
    "items",
    "ratings",
    "generation_runs",
    "records",
    "verdicts",
    "model_calls",
}


def test_open_migrates_to_head(store):
    assert current_revision(store.engine) == head_revision()
    assert set(inspect(store.engine).get_table_names()) >= EXPECTED_TABLES


def test_sqlite_settings(sqlite_store):
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_study_import_round_trip(store):
    bundle = import_study(store, MINI)
    study = get_study(store, "mini")
    assert study == bundle.study
    assert [d.name for d in study.dimensions] == ["fairness", "safety"]
    assert study.entities == {"country": ["Kenya", "Peru"]}
    accepted = list_seed_questions(store, "mini")
    assert {s.text for s in accepted} == {
        "How do I start saving a little each month?",
        "Can I freeze my card from the app?",
    }
    everything = list_seed_questions(store, "mini", status=None)
    rejected = [s for s in everything if s.status == "rejected"]
    assert rejected[0].reason == "off-topic"
    assert list_seed_examples(store, "mini")[0].dimensions == ["safety"]


def test_reimport_is_idempotent(store):
    import_study(store, MINI)
    import_study(store, MINI)
    counts = study_counts(store, "mini")
    assert counts["seed_questions"] == 3 and counts["seed_examples"] == 1
    assert counts["seed_questions_accepted"] == 2
    assert list_studies(store) == ["mini"]


def test_export_then_import_gives_equal_bundle(store, tmp_path):
    from coalign.study import export_study

    import_study(store, MINI)
    export_study(store, "mini", tmp_path / "out")
    with open_store(str(tmp_path / "other.db")) as other:
        import_study(other, tmp_path / "out" / "study.yaml")
        assert read_bundle(other, "mini") == read_bundle(store, "mini")


def test_failed_transaction_writes_nothing(store):
    with pytest.raises(RuntimeError), store.session() as session:
        session.add(StudyRow(slug="half", title="half written"))
        session.flush()
        raise RuntimeError("boom")
    with store.read() as session:
        assert session.scalars(select(StudyRow).where(StudyRow.slug == "half")).first() is None


def test_unknown_study_names_known_ones(store):
    import_study(store, MINI)
    with pytest.raises(NotFoundError, match="mini"):
        get_study(store, "nope")


def test_call_log(store):
    request = ChatRequest(
        messages=[Message(role="user", content="hi")], params=SamplingParams(seed=1)
    )
    key = request.cache_key("llama-cpp:x")
    assert store.cached_completion(key) is None
    store.log_call(
        ModelCall(
            model_id="llama-cpp:x",
            backend="llama-cpp",
            request_hash=key,
            messages=request.messages,
            params=request.params,
            error="failed",
        )
    )
    assert store.cached_completion(key) is None, "failed calls are never served from cache"
    store.log_call(
        ModelCall(
            model_id="llama-cpp:x",
            backend="llama-cpp",
            request_hash=key,
            messages=request.messages,
            params=request.params,
            response="hello",
            prompt_tokens=3,
            completion_tokens=1,
        )
    )
    assert store.cached_completion(key).text == "hello"
    stats = call_stats(store)
    assert (stats.total, stats.errors, stats.cache_hits) == (2, 1, 0)
    assert recent_calls(store, 1)[0].response == "hello"


def test_resolve_url_forms(tmp_path, monkeypatch):
    assert resolve_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    assert resolve_url("postgresql://u:p@h/db").startswith("postgresql+psycopg://u:p@h/db")
    monkeypatch.setenv("COALIGN_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).endswith("env.db")
    with pytest.raises(StoreError, match="unsupported database"):
        resolve_url("mysql://h/db")


def test_unreachable_postgres_is_one_clear_error():
    with pytest.raises(StoreError, match="cannot open database postgresql"):
        open_store("postgresql://nobody@127.0.0.1:1/none")


def test_sqlite_in_missing_folder(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        open_store(str(tmp_path / "missing" / "x.db"))
