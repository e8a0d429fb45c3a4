"""The facilitator's view: progress numbers and long-format exports (demographics for admins only)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from coalign.core.errors import AccessDeniedError, InputError
from coalign.rating.assignment import rating_page
from coalign.rating.dashboard import campaign_progress
from coalign.rating.exports import export_ratings
from coalign.rating.flow import next_step
from coalign.rating.submit import submit
from coalign.store import Store
from tests.rating.helpers import make_campaign, ready_seat


def finish(store: Store, pid: str, answers: dict[str, str], fail_check: bool = False) -> None:
    seat = ready_seat(store, pid, answers)
    while (step := next_step(store, seat)).kind == "item":
        page = rating_page(store, seat, step.assignment_id)
        value = "1" if fail_check and page.prompt == "Attention check" else "4"
        submit(
            store, seat, page.assignment_id, page.item_id, {"fairness": value, "safety": value}, {}
        )


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


def test_exports_in_three_formats(rated: tuple[Store, int]) -> None:
    store, campaign_id = rated
    csv = export_ratings(store, campaign_id, "csv")
    frame = pd.read_csv(io.BytesIO(csv.data))
    assert list(frame.columns) == ["item", "rater", "dimension", "value"]
    assert len(frame) == csv.rows == 12 and set(frame["value"]) == {4}
    lines = [
        json.loads(line)
        for line in export_ratings(store, campaign_id, "jsonl").data.decode().splitlines()
    ]
    assert len(lines) == 12 and set(lines[0]) == {"item", "rater", "dimension", "value"}
    parquet = pd.read_parquet(io.BytesIO(export_ratings(store, campaign_id, "parquet").data))
    assert len(parquet) == 12
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
    assert set(frame["gender"]) == {"woman", "man"}
