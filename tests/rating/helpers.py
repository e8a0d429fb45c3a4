"""Building blocks for participation tests: a study, a campaign, participants walked through it."""

from __future__ import annotations

import csv
import io

from coalign.core.campaigns import AttentionCheck, Campaign, ImportedItem
from coalign.participation.access import Seat, join_from_crowd
from coalign.participation.demographics import save_demographics
from coalign.rating.assignment import rating_page
from coalign.rating.campaigns import StoredCampaign, create_campaign
from coalign.rating.flow import give_consent, next_step
from coalign.rating.submit import submit
from coalign.store import Store
from coalign.study import import_study

MINI = "tests/fixtures/mini_study.yaml"


def campaign_settings(**overrides) -> Campaign:
    """A small campaign on the mini study: 2 dimensions, 3 items per person, r = 2, one attention check."""
    values = dict(
        slug="pilot",
        study_slug="mini",
        title="Pilot ratings",
        dimensions=["fairness", "safety"],
        items_per_participant=3,
        target_ratings=2,
        attention_positions=[2],
        attention_checks=[
            AttentionCheck(
                prompt="Attention check",
                response="Please choose 4 on every scale.",
                expected_value=4,
            )
        ],
        completion_code="DONE-123",
        screened_out_code="NOPE-9",
    )
    values.update(overrides)
    return Campaign(**values)


def items(n: int = 6) -> list[ImportedItem]:
    return [ImportedItem(prompt=f"Question {i}?", response=f"Answer {i}.") for i in range(n)]


def make_campaign(store: Store, n_items: int = 6, **overrides) -> StoredCampaign:
    """Import the mini study (once) and create a campaign in it."""
    import_study(store, MINI)
    return create_campaign(store, campaign_settings(**overrides), items(n_items))


def crowd_seat(store: Store, pid: str, campaign: str = "pilot", study: str = "mini") -> Seat:
    return join_from_crowd(
        store, study, campaign, {"PROLIFIC_PID": pid, "STUDY_ID": "s1", "SESSION_ID": f"x{pid}"}
    )


def ready_seat(
    store: Store,
    pid: str,
    answers: dict[str, str] | None = None,
    campaign: str = "pilot",
    study: str = "mini",
) -> Seat:
    """A participant who joined, consented and answered (or skipped) the demographics."""
    seat = crowd_seat(store, pid, campaign, study)
    give_consent(store, seat, agree=True)
    save_demographics(store, seat, answers or {})
    return seat


def finish(
    store: Store, pid: str, answers: dict[str, str] | None = None, fail_check: bool = False
) -> Seat:
    """A participant who rates every item 4 (1 on attention checks when ``fail_check``)."""
    seat = ready_seat(store, pid, answers)
    while (step := next_step(store, seat)).kind == "item":
        page = rating_page(store, seat, step.assignment_id)
        value = "1" if fail_check and page.prompt == "Attention check" else "4"
        submit(
            store, seat, page.assignment_id, page.item_id, {"fairness": value, "safety": value}, {}
        )
    return seat


def translations_csv(rows: list[dict[str, str]]) -> bytes:
    """A pasted translations file (CSV: part, subject, field, text)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, ["part", "subject", "field", "text"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
