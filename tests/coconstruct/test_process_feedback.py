"""The process feedback survey on SQLite and PostgreSQL: once per participant and phase, every
statement rated 1–5, open answers optional; the facilitator's summary; export; withdrawal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from coalign.coconstruct.process_feedback import (
    FEEDBACK_PHASES,
    QUESTIONS,
    SCALE,
    feedback_summary,
    phases_answered,
    submit_process_feedback,
)
from coalign.core.errors import ConflictError, InputError
from coalign.export.activities import export_activities
from coalign.participation.withdrawal import withdraw
from coalign.store import Store
from coalign.store.tables import Base
from coalign.web.i18n import translations
from tests.coconstruct.helpers import people

RATED = {"understood": "5", "heard": "4", "free": "4", "time": "2", "worthwhile": "5"}


def test_table_matches_migration_0022(store: Store) -> None:
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if "process_feedback" in repr(d)] == []


def test_every_text_of_the_survey_is_in_german() -> None:
    german = translations("de")
    texts = [*FEEDBACK_PHASES.values(), *(q.text for q in QUESTIONS), *SCALE]
    assert [t for t in texts if german.gettext(t) == t] == []


def test_feedback_once_per_phase_summarised_exported_and_withdrawn(
    store: Store, tmp_path: Path
) -> None:
    alice, bob = people(store, "alice", "bob")
    given = submit_process_feedback(
        store, alice, "discuss", {**RATED, "went_well": "  Hearing others  ", "change": ""}
    )
    assert given.answers == {k: int(v) for k, v in RATED.items()}
    assert given.comments == {"went_well": "Hearing others"}
    submit_process_feedback(store, bob, "discuss", {**RATED, "time": "4", "change": "More time"})
    submit_process_feedback(store, alice, "diary", RATED)
    assert phases_answered(store, alice) == ["discuss", "diary"]
    with pytest.raises(ConflictError, match="given feedback on this phase already"):
        submit_process_feedback(store, alice, "discuss", RATED)

    diary, discuss = feedback_summary(store, "mini")  # in the order of the phases
    assert (diary.phase, diary.answered, discuss.phase, discuss.answered) == (
        "diary",
        1,
        "discuss",
        2,
    )
    time = next(s for s in discuss.statements if s.key == "time")
    assert time.counts == {1: 0, 2: 1, 3: 0, 4: 1, 5: 0} and time.mean == 3.0
    assert discuss.comments == [
        (alice, "went_well", "Hearing others"),
        (bob, "change", "More time"),
    ]

    assert export_activities(store, "mini", tmp_path)["process_feedback"] == 3
    rows = [json.loads(x) for x in (tmp_path / "process_feedback.jsonl").read_text().splitlines()]
    assert rows[0]["participant_id"] == alice and rows[0]["phase"] == "discuss"
    assert rows[0]["answers"]["time"] == 2 and rows[0]["submitted_at"]

    withdraw(store, alice)
    [discuss] = feedback_summary(store, "mini")
    assert discuss.answered == 1 and discuss.comments == [(bob, "change", "More time")]


def test_bad_feedback_is_refused_and_nothing_is_stored(store: Store) -> None:
    [alice] = people(store, "alice")
    with pytest.raises(InputError, match="choose the phase you give feedback on"):
        submit_process_feedback(store, alice, "lunch", RATED)
    with pytest.raises(InputError, match="heard: choose a point from 1 to 5"):
        submit_process_feedback(store, alice, "discuss", {**RATED, "heard": ""})
    with pytest.raises(InputError, match="time: '6' is not a point from 1 to 5"):
        submit_process_feedback(store, alice, "discuss", {**RATED, "time": "6"})
    with pytest.raises(InputError, match="change: keep the answer under 2000 characters"):
        submit_process_feedback(store, alice, "discuss", {**RATED, "change": "x" * 2001})
    assert phases_answered(store, alice) == []
