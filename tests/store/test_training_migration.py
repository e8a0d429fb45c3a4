"""Migration 0018: the training column and the attempts table come and go without touching the
rest of a study (on SQLite a rebuilt ``studies`` table would cascade to everything under it)."""

from __future__ import annotations

from sqlalchemy import func, inspect, select

from coalign.coconstruct.diary import add_entry, own_entries
from coalign.coconstruct.training import submit_check, training_status
from coalign.store import Store
from coalign.store.migrate import current_revision, head_revision
from coalign.store.participation_tables import ParticipantRow
from coalign.store.studies import get_study
from tests.coconstruct.helpers import people, right_answers, train
from tests.store.test_promotion_migration import _migrate


def test_down_to_0013_and_up_again_keeps_the_study(store: Store) -> None:
    (alice,) = people(store, "alice")
    add_entry(store, alice, {"goal": "Pay rent", "prompt": "p", "response": "r"})
    submit_check(store, alice, right_answers(train(store)), "en")
    _migrate(store, "0013", down=True)
    assert current_revision(store.engine) == "0013"
    tables = inspect(store.engine)
    assert "training_attempts" not in tables.get_table_names()
    assert "training" not in {c["name"] for c in tables.get_columns("studies")}
    _migrate(store, "head")
    assert current_revision(store.engine) == head_revision()
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(ParticipantRow)) == 1
    assert [e.goal for e in own_entries(store, alice)] == ["Pay rent"]
    assert get_study(store, "mini").training is None  # a downgrade forgets the training
    assert training_status(store, alice) is None
