"""What a rating carries beyond its value (the item's context, the language it was shown in, the
rater's answers to the item's questions), and whom the exclusion policy leaves out, and why."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from coalign.core.errors import InputError
from coalign.rating.assignment import rating_page
from coalign.rating.exclusions import ExclusionPolicy, leave_out
from coalign.rating.exports import export_ratings
from coalign.rating.flow import next_step, set_language
from coalign.rating.submit import submit
from coalign.store import Store
from coalign.store.migrate import MIGRATIONS, current_revision, head_revision
from coalign.store.rating_tables import AssignmentRow, ItemRow
from coalign.store.ratings import ratings_long_format
from coalign.store.tables import Base
from tests.rating.helpers import SCREENED, finish, make_campaign, ready_seat, screened_campaign

LEFT_OUT = {rater for rater, reasons in SCREENED.items() if reasons}


def long_format(store: Store, *, crowd: bool = False) -> pd.DataFrame:
    return ratings_long_format(
        store,
        "mini",
        with_crowd_ids=crowd,
        with_context=True,
        with_display_language=True,
        with_answers=True,
    )


def test_the_long_format_carries_context_language_and_answers(store: Store) -> None:
    screened_campaign(store)
    frame = long_format(store, crowd=True)
    assert list(frame.columns) == [
        "item",
        "rater",
        "crowd_id",
        "dimension",
        "value",
        "context",
        "display_language",
        "answer_gender",
    ]
    assert set(frame["crowd_id"]) == set(SCREENED)  # the store keeps everyone
    assert frame["context"].notna().all()  # items are drawn per rater: every row has its context
    assert set(frame["context"]) <= {"none", "empathy", "equality"}
    by_rater = frame.groupby("crowd_id")
    assert by_rater["display_language"].unique().map(list).to_dict() == {
        rater: ["de" if rater == "GOOD-YES" else "en"] for rater in SCREENED
    }
    assert set(frame.loc[frame["crowd_id"] == "GOOD-YES", "answer_gender"]) == {"yes"}
    assert set(frame.loc[frame["crowd_id"] == "SLOPPY", "answer_gender"]) == {"no"}
    # one answer per (item, rater), the same on every dimension; the context is the item's own
    assert (frame.groupby(["item", "rater"])["answer_gender"].nunique() == 1).all()
    assert (frame.groupby("item")["context"].nunique() == 1).all()
    with store.read() as session:
        stored = dict(session.execute(select(ItemRow.id, ItemRow.context)).all())
    assert all(stored[item] == context for item, context in zip(frame["item"], frame["context"]))
    plain = ratings_long_format(store, "mini")
    assert list(plain.columns) == ["item", "rater", "dimension", "value"]


def test_the_display_language_is_the_one_the_item_was_submitted_in(store: Store) -> None:
    make_campaign(store)
    seat = ready_seat(store, "SWITCHER")
    set_language(store, seat, "de")  # chosen on the page: recorded when nothing else is said
    first = rating_page(store, seat, next_step(store, seat).assignment_id)
    submit(store, seat, first.assignment_id, first.item_id, {"fairness": "4", "safety": "4"}, {})
    second = rating_page(store, seat, next_step(store, seat).assignment_id)
    submit(
        store,
        seat,
        second.assignment_id,
        second.item_id,
        {"fairness": "4", "safety": "4"},
        {},
        display_language="en",
    )
    with store.read() as session:
        rows = session.execute(select(AssignmentRow.id, AssignmentRow.display_language)).all()
    shown = {assignment_id: language for assignment_id, language in rows}
    assert (shown[first.assignment_id], shown[second.assignment_id]) == ("de", "en")


def test_the_default_policy_leaves_out_failed_fast_and_unfinished_raters(store: Store) -> None:
    screened = screened_campaign(store)
    frame = long_format(store)
    kept, exclusions = leave_out(store, frame, study_slug="mini", campaign_id=screened.campaign.id)
    assert screened.crowd(kept["rater"]) == {"GOOD-YES", "GOOD-NO"}
    assert exclusions.raters == 6 and len(exclusions.left_out) == 4
    assert {r.rater: r.reasons for r in exclusions.left_out} == {
        screened.ids[r]: SCREENED[r] for r in LEFT_OUT
    }
    assert exclusions.by_reason == {"failed-attention": 2, "too-fast": 2, "incomplete": 1}
    assert exclusions.kept_flagged == {} and exclusions.kept_flagged_raters == 0
    # judged by every campaign of the study when none is named
    assert leave_out(store, frame, study_slug="mini")[1] == exclusions


def test_include_keeps_raters_flagged_for_the_reasons_it_names(store: Store) -> None:
    screened = screened_campaign(store)
    frame = long_format(store)
    policy = ExclusionPolicy.including(["too-fast"])
    kept, exclusions = leave_out(
        store, frame, policy, study_slug="mini", campaign_id=screened.campaign.id
    )
    assert screened.crowd(kept["rater"]) == {"GOOD-YES", "GOOD-NO", "SPEEDY"}
    assert {screened.crowd([r.rater]).pop(): r.reasons for r in exclusions.left_out} == {
        "CARELESS": ["failed-attention"],
        "QUITTER": ["incomplete"],
        "SLOPPY": ["failed-attention"],  # left out for its failed check, not for its speed
    }
    assert exclusions.by_reason == {"failed-attention": 2, "incomplete": 1}
    assert exclusions.kept_flagged == {"too-fast": 1} and exclusions.kept_flagged_raters == 1
    everyone = ExclusionPolicy.including(["failed-attention", "too-fast", "incomplete"])
    kept, exclusions = leave_out(store, frame, everyone, study_slug="mini")
    assert screened.crowd(kept["rater"]) == set(SCREENED) and len(kept) == len(frame)
    assert exclusions.left_out == [] and exclusions.kept_flagged_raters == 4
    assert exclusions.kept_flagged == {"failed-attention": 2, "too-fast": 2, "incomplete": 1}
    slower = ExclusionPolicy(min_median_seconds=1.0)  # two seconds per item is not too fast now
    _, exclusions = leave_out(store, frame, slower, study_slug="mini")
    assert exclusions.by_reason == {"failed-attention": 2, "too-fast": 0, "incomplete": 1}


def test_a_bad_policy_is_refused_by_name() -> None:
    with pytest.raises(InputError, match=r"unknown reason\(s\) \['slow'\]; choose from"):
        ExclusionPolicy.including(["too-fast", "slow"])
    with pytest.raises(InputError, match="cannot be negative"):
        ExclusionPolicy.including([], min_median_seconds=-1)


def test_campaign_exports_leave_out_by_default_and_carry_the_answers(store: Store) -> None:
    campaign = screened_campaign(store).campaign
    frame = pd.read_csv(io.BytesIO(export_ratings(store, campaign.id, "csv").data))
    assert list(frame.columns) == [
        "item",
        "rater",
        "crowd_id",
        "dimension",
        "value",
        "context",
        "display_language",
        "answer_gender",
    ]
    assert set(frame["crowd_id"]) == {"GOOD-YES", "GOOD-NO"}
    answers = frame.groupby("crowd_id")["answer_gender"].unique().map(list).to_dict()
    assert answers == {"GOOD-YES": ["yes"], "GOOD-NO": ["no"]}
    # a per-item answer works as a filter: the ratings of items their rater tied to gender
    assert set(frame.loc[frame["answer_gender"] == "yes", "crowd_id"]) == {"GOOD-YES"}
    everyone = ExclusionPolicy.including(["failed-attention", "too-fast", "incomplete"])
    full = pd.read_json(
        io.BytesIO(export_ratings(store, campaign.id, "jsonl", policy=everyone).data), lines=True
    )
    assert set(full["crowd_id"]) == set(SCREENED)


def _migrate(store: Store, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_migration_0015_matches_the_model_and_guesses_no_language(store: Store) -> None:
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diffs if "assignments" in str(d)] == []
    make_campaign(store)
    finish(store, "EARLY", display_language="de")
    _migrate(store, "0015-1", down=True)  # the revision before 0015 had no display language
    _migrate(store, "head")
    assert current_revision(store.engine) == head_revision()
    frame = long_format(store)
    assert len(frame) == 6 and frame["display_language"].isna().all()
