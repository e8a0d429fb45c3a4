"""Items and the ratings people give them, stored per person and read back in long format.

Ratings are written all-or-nothing: a batch with one bad rating writes nothing. Saving the
same rating twice is harmless (double clicks and retries never duplicate), while a second,
different value for the same person, item and dimension is refused rather than silently
overwriting what was given first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from coalign.core.errors import InputError, NotFoundError
from coalign.core.items import Item, Rating
from coalign.store.engine import IDS_PER_QUERY, Store
from coalign.store.participation_tables import DemographicAnswerRow, ParticipantRow
from coalign.store.rating_tables import AssignmentRow, CampaignRow, ItemRow, RatingRow
from coalign.store.studies import study_row

if TYPE_CHECKING:
    import pandas as pd

#: Prefix of the long format's per-item answer columns (``answer_gender`` for question ``gender``).
ANSWER_PREFIX = "answer_"


def detail_columns(frame: pd.DataFrame) -> list[str]:
    """The item and rating columns of a long-format frame that are not demographics:
    ``context``, ``display_language`` and the ``answer_<question>`` columns, in frame order."""
    return [
        c
        for c in frame.columns
        if c in ("context", "display_language") or str(c).startswith(ANSWER_PREFIX)
    ]


def save_items(store: Store, items: Iterable[Item]) -> int:
    """Store items not stored yet (matched by id); returns how many were new."""
    with store.session() as session:
        return add_items(session, items)


def add_items(session: Session, items: Iterable[Item]) -> int:
    """:func:`save_items` inside the caller's transaction (e.g. with the campaign that uses them)."""
    new = 0
    study_ids: dict[str, int] = {}
    for item in items:
        if session.get(ItemRow, item.id) is not None:
            continue
        if item.study_slug not in study_ids:
            study_ids[item.study_slug] = study_row(session, item.study_slug).id
        session.add(
            ItemRow(
                id=item.id,
                study_id=study_ids[item.study_slug],
                prompt=item.prompt,
                response=item.response,
                context=item.context,
                source=item.source,
                language=item.language,
            )
        )
        new += 1
    return new


def item_by_id(session: Session, item_id: str) -> ItemRow | None:
    """The stored item ``item_id``, or ``None``."""
    return session.get(ItemRow, item_id)


def add_or_reuse_items(session: Session, items: Sequence[Item]) -> None:
    """Store the items not stored yet, flushed so rows may point at them; stored ones are reused.

    An id is an item's identity: one stored with another prompt or response is refused before
    anything is added.

    Raises:
        InputError: an item's id is stored already with a different prompt or response.
        NotFoundError: an item names a study that does not exist.
    """
    for item in items:
        existing = session.get(ItemRow, item.id)
        if existing is None:
            continue
        if (existing.prompt, existing.response) != (item.prompt, item.response):
            raise InputError(
                f"item id {item.id!r} exists already with a different prompt or response"
            )
    add_items(session, items)
    session.flush()


def save_ratings(store: Store, ratings: Iterable[Rating]) -> int:
    """Store a batch of ratings in one transaction; returns how many were new.

    Raises:
        NotFoundError: a rating names an item or participant the store does not hold.
        InputError: a rating contradicts one already stored for the same person, item and
            dimension, or the batch itself holds two different values for one such triple.
    """
    with store.session() as session:
        return add_ratings(session, ratings)


def add_ratings(session: Session, ratings: Iterable[Rating]) -> int:
    """:func:`save_ratings` inside the caller's transaction (e.g. with the assignment being submitted)."""
    batch = list(ratings)
    # One query for what these people rated before: a query per rating would also flush the
    # session before each, which makes large batches (imports) crawl.
    stored = ratings_of(session, {rating.participant_id for rating in batch})
    # Each item and person is looked up once (the session's identity map holds rows only weakly).
    items: set[str] = set()
    people: set[str] = set()
    new = 0
    for rating in batch:
        key = (rating.participant_id, rating.item_id, rating.dimension)
        if rating.item_id not in items:
            if session.get(ItemRow, rating.item_id) is None:
                raise NotFoundError(f"no item {rating.item_id!r}; nothing was saved")
            items.add(rating.item_id)
        if rating.participant_id not in people:
            if session.get(ParticipantRow, rating.participant_id) is None:
                raise NotFoundError(f"no participant {rating.participant_id!r}; nothing was saved")
            people.add(rating.participant_id)
        value = stored.get(key)
        if value is not None:
            if value != rating.value:
                raise InputError(
                    f"participant {key[0]!r} already rated item {key[1]!r} on {key[2]!r} as {value}, "
                    f"not {rating.value}; nothing was saved"
                )
            continue
        session.add(
            RatingRow(
                item_id=rating.item_id,
                participant_id=rating.participant_id,
                dimension=rating.dimension,
                value=rating.value,
                seconds_taken=rating.seconds_taken,
            )
        )
        stored[key] = rating.value
        new += 1
    return new


def ratings_of(
    session: Session, participant_ids: Collection[str]
) -> dict[tuple[str, str, str], int]:
    """``{(participant id, item id, dimension): value}`` of every rating the participants gave."""
    ids = list(participant_ids)
    found: dict[tuple[str, str, str], int] = {}
    for start in range(0, len(ids), IDS_PER_QUERY):
        rows = session.execute(
            select(
                RatingRow.participant_id, RatingRow.item_id, RatingRow.dimension, RatingRow.value
            ).where(RatingRow.participant_id.in_(ids[start : start + IDS_PER_QUERY]))
        )
        for pid, item_id, dimension, value in rows:
            found[(pid, item_id, dimension)] = value
    return found


def ratings_long_format(
    store: Store,
    study_slug: str,
    *,
    item_ids: Collection[str] | None = None,
    with_demographics: bool = False,
    with_time: bool = False,
    with_crowd_ids: bool = False,
    with_context: bool = False,
    with_display_language: bool = False,
    with_answers: bool = False,
) -> pd.DataFrame:
    """A study's ratings as one row per (item, rater, dimension), the shape analysis reads.

    Columns come in this order: ``item, rater[, crowd_id], dimension, value[, seconds_taken]
    [, context][, display_language][, answer_<question> …][, demographic questions …]``.

    Args:
        item_ids: keep only these items (e.g. one campaign's); all items when ``None``.
        with_demographics: add one column per demographic question, answers as given
            ("prefer not to say" stays a value). Only for roles allowed to see demographics.
        with_time: add ``seconds_taken``.
        with_crowd_ids: add ``crowd_id`` after ``rater``: the crowd platform's id
            (``PROLIFIC_PID``) of each rater, empty for people who came by an invite link.
        with_context: add the item's ``context`` (e.g. the instruction its response was
            generated under); empty for items without one.
        with_display_language: add ``display_language``, the language the item was shown in
            when the rater submitted it; empty where it is unknown (ratings stored without a
            campaign, or submitted before migration 0015).
        with_answers: add ``answer_<question>`` for every per-item question of the campaigns the
            ratings were given in: the rater's answer on that item, the same on every dimension
            of one (item, rater); empty where the rater was not asked.

    Raises:
        NotFoundError: the study does not exist.
        InputError: a demographic question's name clashes with another column.
    """
    import pandas as pd

    with store.read() as session:
        study_id = study_row(session, study_slug).id
        query = (
            select(
                RatingRow.item_id,
                RatingRow.participant_id,
                RatingRow.dimension,
                RatingRow.value,
                RatingRow.seconds_taken,
            )
            .join(ItemRow, ItemRow.id == RatingRow.item_id)
            .where(ItemRow.study_id == study_id)
            .order_by(RatingRow.id)
        )
        if item_ids is not None:
            query = query.where(RatingRow.item_id.in_(list(item_ids)))
        rows = session.execute(query).all()
        contexts: dict[str, str | None] = {}
        if with_context:
            contexts = dict(
                session.execute(
                    select(ItemRow.id, ItemRow.context).where(ItemRow.study_id == study_id)
                ).all()
            )
        crowd_ids: dict[str, str | None] = {}
        if with_crowd_ids:
            crowd_ids = {
                pid: (ids or {}).get("PROLIFIC_PID")
                for pid, ids in session.execute(
                    select(ParticipantRow.id, ParticipantRow.external_ids).where(
                        ParticipantRow.study_id == study_id
                    )
                )
            }
        submitted = (
            _submitted_items(session, study_id, item_ids)
            if with_display_language or with_answers
            else None
        )
        answers: Sequence[Row[str, str, str]] = []
        if with_demographics:
            answers = session.execute(
                select(
                    DemographicAnswerRow.participant_id,
                    DemographicAnswerRow.question,
                    DemographicAnswerRow.answer,
                )
                .join(ParticipantRow, ParticipantRow.id == DemographicAnswerRow.participant_id)
                .where(ParticipantRow.study_id == study_id)
            ).all()
    frame = pd.DataFrame(rows, columns=["item", "rater", "dimension", "value", "seconds_taken"])
    if not with_time:
        frame = frame.drop(columns="seconds_taken")
    if with_crowd_ids:
        frame.insert(2, "crowd_id", frame["rater"].map(crowd_ids))
    if with_context:
        frame["context"] = frame["item"].map(contexts)
    if submitted is not None:
        frame = _with_submitted(frame, submitted, with_display_language, with_answers)
    if answers:
        wide = pd.DataFrame(answers, columns=["rater", "question", "answer"]).pivot(
            index="rater", columns="question", values="answer"
        )
        clash = [c for c in wide.columns if c in frame.columns]
        if clash:
            raise InputError(
                f"demographic question(s) {clash} clash with rating columns; rename them"
            )
        frame = frame.merge(wide.reset_index(), on="rater", how="left")
    return frame


class _Submitted(NamedTuple):
    """What the submitted assignments say of each (rater, item): shown language and answers."""

    questions: list[str]
    rows: list[tuple[str, str, str | None, dict[str, Any]]]


def _submitted_items(
    session: Session, study_id: int, item_ids: Collection[str] | None
) -> _Submitted:
    """The submitted rating assignments of the study's campaigns (attention checks left out),
    with the names of those campaigns' per-item questions in the order the campaigns ask them."""
    query = (
        select(
            AssignmentRow.participant_id,
            AssignmentRow.item_id,
            AssignmentRow.display_language,
            AssignmentRow.answers,
            AssignmentRow.campaign_id,
        )
        .join(CampaignRow, CampaignRow.id == AssignmentRow.campaign_id)
        .where(
            CampaignRow.study_id == study_id,
            AssignmentRow.kind == "item",
            AssignmentRow.status == "submitted",
        )
        .order_by(AssignmentRow.id)
    )
    if item_ids is not None:
        query = query.where(AssignmentRow.item_id.in_(list(item_ids)))
    rows = session.execute(query).all()
    campaign_ids = sorted({row.campaign_id for row in rows})
    questions: dict[str, None] = {}
    for asked in session.scalars(
        select(CampaignRow.questions)
        .where(CampaignRow.id.in_(campaign_ids))
        .order_by(CampaignRow.id)
    ):
        questions |= {q["name"]: None for q in asked}
    return _Submitted(
        list(questions),
        [
            (row.participant_id, row.item_id, row.display_language, row.answers or {})
            for row in rows
        ],
    )


def _with_submitted(
    frame: pd.DataFrame, submitted: _Submitted, with_language: bool, with_answers: bool
) -> pd.DataFrame:
    """``frame`` with ``display_language`` and ``answer_<question>`` columns from ``submitted``."""
    import pandas as pd

    columns = (["display_language"] if with_language else []) + (
        [ANSWER_PREFIX + q for q in submitted.questions] if with_answers else []
    )
    if not columns:
        return frame
    per_item = pd.DataFrame(
        [
            (
                rater,
                item,
                language,
                *[(answers.get("questions") or {}).get(q) for q in submitted.questions],
            )
            for rater, item, language, answers in submitted.rows
        ],
        columns=[
            "rater",
            "item",
            "display_language",
            *[ANSWER_PREFIX + q for q in submitted.questions],
        ],
        dtype=object,
    )
    # one (rater, item) is submitted once per campaign; an item given twice keeps the latest
    per_item = per_item.drop_duplicates(["rater", "item"], keep="last")
    return frame.merge(per_item[["rater", "item", *columns]], on=["rater", "item"], how="left")
