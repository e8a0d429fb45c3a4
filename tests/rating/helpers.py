"""Building blocks for participation tests: a study, a campaign, participants walked through it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import update

from coalign.core.campaigns import AttentionCheck, Campaign, ImportedItem, ItemQuestion
from coalign.participation.access import Seat, join_from_crowd
from coalign.participation.demographics import save_demographics
from coalign.rating.assignment import RatingPage, rating_page
from coalign.rating.campaigns import StoredCampaign, create_campaign
from coalign.rating.flow import give_consent, next_step
from coalign.rating.submit import submit
from coalign.store import Store
from coalign.store.rating_tables import AssignmentRow
from coalign.store.tables import utcnow
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


def shown_ago(store: Store, assignment_id: int, seconds: float) -> None:
    """Pretend the assignment's page was shown ``seconds`` ago (a reader's time, without waiting)."""
    with store.session() as session:
        session.execute(
            update(AssignmentRow)
            .where(AssignmentRow.id == assignment_id)
            .values(shown_at=utcnow() - timedelta(seconds=seconds))
        )


def finish(
    store: Store,
    pid: str,
    answers: dict[str, str] | None = None,
    fail_check: bool = False,
    *,
    seconds: float = 30.0,
    stop_after: int | None = None,
    item_answers: Callable[[RatingPage], dict[str, str]] | None = None,
    display_language: str | None = None,
) -> Seat:
    """A participant who rates every item 4 (1 on attention checks when ``fail_check``).

    Args:
        seconds: how long each item was on screen before its submit.
        stop_after: submit only this many assignments (attention checks included), then stop.
        item_answers: the answers to the campaign's item questions for each page.
        display_language: the language each item is recorded as shown in.
    """
    seat = ready_seat(store, pid, answers)
    done = 0
    while (step := next_step(store, seat)).kind == "item" and done != stop_after:
        page = rating_page(store, seat, step.assignment_id)
        shown_ago(store, page.assignment_id, seconds)
        value = "1" if fail_check and page.prompt == "Attention check" else "4"
        submit(
            store,
            seat,
            page.assignment_id,
            page.item_id,
            {"fairness": value, "safety": value},
            item_answers(page) if item_answers else {},
            display_language=display_language,
        )
        done += 1
    return seat


def translations_csv(rows: list[dict[str, str]]) -> bytes:
    """A pasted translations file (CSV: part, subject, field, text)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, ["part", "subject", "field", "text"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


GENDER_QUESTION = ItemQuestion(
    name="gender",
    text="Does this exchange involve gender?",
    translations={
        "de": {"text": "Geht es in diesem Austausch um Geschlecht?", "options": ["ja", "nein"]}
    },
)


def answering(option: str) -> Callable[[RatingPage], dict[str, str]]:
    """Answers every item question of a page with ``option``."""
    return lambda page: {q.name: option for q in page.questions}


#: Who :func:`screened_campaign` builds, and why each is left out by default.
SCREENED = {
    "GOOD-YES": [],
    "GOOD-NO": [],
    "CARELESS": ["failed-attention"],
    "QUITTER": ["incomplete"],
    "SPEEDY": ["too-fast"],
    "SLOPPY": ["failed-attention", "too-fast"],
}


class Screened(NamedTuple):
    """The campaign of :func:`screened_campaign` and each rater's participant id by crowd id."""

    campaign: StoredCampaign
    ids: dict[str, str]

    def crowd(self, raters: Iterable[str]) -> set[str]:
        """The crowd ids of participant ids."""
        by_id = {pid: crowd for crowd, pid in self.ids.items()}
        return {by_id[r] for r in raters}


def screened_campaign(store: Store, *, contexts: bool = True) -> Screened:
    """A campaign with the per-item question ``gender`` (yes / no) on 12 items in three contexts,
    and the raters of :data:`SCREENED`: two who rate carefully (one in German, answering "yes" on
    every item, one in English answering "no"), one who fails the attention check, one who stops
    after two assignments, one who takes two seconds per item, one who does both of the last but
    one. Every rater rates at least one real item. Without ``contexts`` no item has one."""
    import_study(store, MINI)
    names = ("none", "empathy", "equality") if contexts else (None, None, None)
    campaign = create_campaign(
        store,
        campaign_settings(questions=[GENDER_QUESTION]),
        [
            ImportedItem(prompt=f"Question {i}?", response=f"Answer {i}.", context=names[i % 3])
            for i in range(12)
        ],
    )
    seats = [
        finish(store, "GOOD-YES", item_answers=answering("yes"), display_language="de"),
        finish(store, "GOOD-NO", item_answers=answering("no"), display_language="en"),
        finish(store, "CARELESS", fail_check=True, item_answers=answering("yes")),
        finish(store, "QUITTER", stop_after=2, item_answers=answering("no")),
        finish(store, "SPEEDY", seconds=2, item_answers=answering("yes")),
        finish(store, "SLOPPY", fail_check=True, seconds=2, item_answers=answering("no")),
    ]
    return Screened(campaign, dict(zip(SCREENED, (s.participant_id for s in seats), strict=True)))
