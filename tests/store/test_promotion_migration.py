"""Migration 0013: promotion decisions name their diary entry; links made before it are found."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import update

from coalign.coconstruct.diary import add_entry, promote_to_question, study_promotions
from coalign.store import Store
from coalign.store.coconstruction_tables import DiaryEntryRow, SeedDecisionRow
from coalign.store.migrate import MIGRATIONS, current_revision, head_revision
from coalign.study.seed_review import decisions
from tests.coconstruct.helpers import people

ENTRY = {"goal": "Pay rent", "prompt": "How do I pay rent abroad?", "response": "Carry cash."}


def _migrate(store: Store, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_down_and_up_again_links_earlier_promotions(store: Store) -> None:
    alice, bob = people(store, "alice", "bob")
    linked = add_entry(store, alice, ENTRY)
    other = add_entry(store, bob, {**ENTRY, "goal": "Other"})
    seed = promote_to_question(
        store, "mini", linked.id, topic="cards", question_type="how-to", decided_by="fac"
    ).seed_id
    with store.session() as session:  # as 0012 left it: the link, the decision without its entry
        session.execute(update(SeedDecisionRow).values(diary_entry_id=None))
        # an earlier promotion of `other`, overwritten later: no longer linked from the entry
        session.add(
            SeedDecisionRow(
                study_id=1,
                seed_kind="question",
                seed_id="sq_gone",
                decision="accepted",
                reason=f"promoted from diary entry {other.id}",
                decided_by="fac",
            )
        )
        session.execute(
            update(DiaryEntryRow).where(DiaryEntryRow.id == other.id).values(seed_question_id=None)
        )
    _migrate(store, "0012", down=True)
    assert current_revision(store.engine) == "0012"
    _migrate(store, "head")
    assert current_revision(store.engine) == head_revision()
    assert [(d.seed_id, d.diary_entry_id) for d in decisions(store, "mini")] == [
        (seed, linked.id),
        ("sq_gone", None),
    ]
    promoted = study_promotions(store, "mini")
    assert list(promoted) == [linked.id] and promoted[linked.id]["question"].decided_by == "fac"
