"""The facilitator's view: progress numbers and long-format exports (demographics for admins only)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from coalign.analysis.data import demographic_columns, validate_long_format
from coalign.core.errors import AccessDeniedError, InputError
from coalign.rating.dashboard import campaign_progress
from coalign.rating.exclusions import ExclusionPolicy
from coalign.rating.exports import export_ratings
from coalign.store import Store
from tests.rating.helpers import finish, make_campaign, ready_seat

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture
def rated(store: Store) -> tuple[Store, int]:
    campaign = make_campaign(store)
    finish(store, "P0", {"gender": "woman"})
    finish(store, "P1", {"gender": "man"}, fail_check=True)
    ready_seat(store, "P2")
    return store, campaign.id


def test_progress(rated: tuple[Store, int]) -> None:
    store, campaign_id = rated
    progress = campaign_progress(store, campaign_id)
    assert len(progress.items) == 6
    assert sum(i.rated for i in progress.items) == 6 and all(i.target == 2 for i in progress.items)
    assert all(i.rated == 1 for i in progress.items) and progress.items_at_target == 0
    by_person = {p.participant_id: p for p in progress.participants}
    assert len(by_person) == 3 and progress.completed == 2
    assert progress.attention_failures == 1
    assert sorted((p.submitted, p.assigned) for p in by_person.values()) == [(0, 0), (4, 4), (4, 4)]
    assert all(p.median_seconds is not None for p in by_person.values() if p.submitted)
    assert sorted(p.crowd_id for p in by_person.values()) == ["P0", "P1", "P2"]
    assert sorted((p.attention_checked, p.attention_failed) for p in by_person.values()) == [
        (0, 0),
        (1, 0),
        (1, 1),
    ]


def test_exports_in_three_formats(rated: tuple[Store, int]) -> None:
    store, campaign_id = rated
    csv = export_ratings(store, campaign_id, "csv")
    frame = pd.read_csv(io.BytesIO(csv.data))
    columns = ["item", "rater", "crowd_id", "dimension", "value", "context", "display_language"]
    assert list(frame.columns) == columns
    # P1 failed the attention check: left out by default; P2 rated nothing
    assert len(frame) == csv.rows == 6 and set(frame["value"]) == {4}
    assert set(frame["crowd_id"]) == {"P0"} and set(frame["display_language"]) == {"en"}
    keep = ExclusionPolicy.including(["failed-attention"])
    everyone = pd.read_csv(io.BytesIO(export_ratings(store, campaign_id, "csv", policy=keep).data))
    assert len(everyone) == 12 and set(everyone["crowd_id"]) == {"P0", "P1"}
    lines = [
        json.loads(line)
        for line in export_ratings(store, campaign_id, "jsonl").data.decode().splitlines()
    ]
    assert len(lines) == 6 and set(lines[0]) == set(columns)
    parquet = pd.read_parquet(io.BytesIO(export_ratings(store, campaign_id, "parquet").data))
    assert len(parquet) == 6
    with pytest.raises(InputError, match="export format"):
        export_ratings(store, campaign_id, "xlsx")


def test_demographics_only_for_admins(rated: tuple[Store, int]) -> None:
    store, campaign_id = rated
    with pytest.raises(AccessDeniedError, match="only admins"):
        export_ratings(store, campaign_id, "csv", with_demographics=True, is_admin=False)
    assert "gender" not in export_ratings(store, campaign_id, "csv", is_admin=True).data.decode()
    frame = pd.read_csv(
        io.BytesIO(
            export_ratings(store, campaign_id, "csv", with_demographics=True, is_admin=True).data
        )
    )
    assert set(frame["gender"]) == {"woman"}  # the man (P1) failed the attention check


def test_a_typed_formula_is_inert_in_the_csv_export_only(store: Store) -> None:
    campaign = make_campaign(store)
    finish(store, "-P0", {"country": FORMULA})  # a crowd id may start with "-" too
    admin = {"with_demographics": True, "is_admin": True}
    csv = export_ratings(store, campaign.id, "csv", **admin).data.decode()
    assert f"'{FORMULA}" in csv.replace('""', '"') and ',"=HYPERLINK' not in csv
    frame = pd.read_csv(io.StringIO(csv))
    assert set(frame["country"]) == {f"'{FORMULA}"} and set(frame["crowd_id"]) == {"'-P0"}
    assert set(frame["value"]) == {4}  # numbers are left alone
    parquet = pd.read_parquet(
        io.BytesIO(export_ratings(store, campaign.id, "parquet", **admin).data)
    )
    assert set(parquet["country"]) == {FORMULA}  # only spreadsheets' CSV needs the quote


def test_the_export_with_crowd_ids_is_what_analysis_reads(rated: tuple[Store, int]) -> None:
    store, campaign_id = rated
    csv = export_ratings(store, campaign_id, "csv", with_demographics=True, is_admin=True)
    frame = validate_long_format(pd.read_csv(io.BytesIO(csv.data)))
    assert "gender" in demographic_columns(frame)
    assert "crowd_id" not in demographic_columns(frame)  # it names the rater, nothing more
