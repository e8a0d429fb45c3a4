"""A participant's history of steered answers, filtered by date, by axis and to flagged ones.

Study 001's participants wanted to find their way back to earlier exchanges: the answers of a
given week, the ones they steered along a given value, the ones they flagged as misaligned.
:func:`history` lists the participant's steered answers, newest first, each with the message it
answered, the slider targets, the shown answer's axis scores and whether it was flagged.

An answer counts as steered along an axis when that axis's slider was set away from the middle
(:data:`NEUTRAL_TARGET`): every slider is sent with every message, so "the axis had a target"
would match every answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, field_validator

from coalign.core.errors import InputError
from coalign.participation.members import member, study_row_by_id, validated
from coalign.steer.judges import chat_axes, stored_scores
from coalign.store import Store
from coalign.store.coconstruction import conversation_by_id, turns_of
from coalign.store.steer import candidates_of, feedback_rows_on, participant_steered_turn_rows
from coalign.store.studies import load_study

#: The slider position that steers neither way (the chat page's default).
NEUTRAL_TARGET = 3
#: At most this many answers are listed; narrow the filters to see older ones.
MAX_HISTORY = 200


class HistoryFilter(BaseModel):
    """Which answers to list; every part is optional.

    Attributes:
        since: the first day (UTC) to include.
        until: the last day (UTC) to include.
        axis: only answers steered along this axis (its slider away from the middle).
        flagged: only answers the participant flagged as misaligned.

    A blank field (as an empty form sends it) means "not set".
    """

    model_config = ConfigDict(extra="ignore")

    since: date | None = None
    until: date | None = None
    axis: str | None = None
    flagged: bool = False

    @field_validator("since", "until", "axis", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("flagged", mode="before")
    @classmethod
    def _blank_is_false(cls, value: object) -> object:
        return False if isinstance(value, str) and not value.strip() else value

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.since or self.until or self.axis or self.flagged)


class HistoryEntry(BaseModel):
    """One steered answer in the history."""

    conversation_id: int
    conversation_title: str
    turn_id: int
    created_at: datetime
    message: str
    answer: str
    targets: dict[str, int]
    scores: dict[str, float | None]
    flagged: bool
    stopped: bool
    truncated: bool


class History(BaseModel):
    """The filtered history: the filter, the axes to filter by, the answers found."""

    filter: HistoryFilter
    axes: list[str]
    entries: list[HistoryEntry]
    more: bool


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def history(store: Store, participant_id: str, filters: Mapping[str, str]) -> History:
    """The participant's steered answers that pass ``filters``, newest first (at most
    :data:`MAX_HISTORY`; ``more`` says whether older ones were left out).

    Args:
        filters: the fields of :class:`HistoryFilter` as text (``since=2026-12-01``,
            ``axis=empathy``, ``flagged=1`` …); others are ignored.

    Raises:
        InputError: a date that is not ``YYYY-MM-DD``, the start date after the end date, or
            an axis that is not one of the chat's.
        AccessDeniedError: no such participant, or one who has not consented.
    """
    wanted = validated(HistoryFilter, dict(filters), "history filter")
    if wanted.since and wanted.until and wanted.since > wanted.until:
        raise InputError(
            f"the start date {wanted.since.isoformat()} is after the end date "
            f"{wanted.until.isoformat()}"
        )
    with store.read() as session:
        person = member(session, participant_id)
        axes = chat_axes(load_study(session, study_row_by_id(session, person.study_id).slug))
        names = [a.name for a in axes]
        if wanted.axis is not None and wanted.axis not in names:
            raise InputError(
                f"no axis {wanted.axis!r} in this chat; the axes are {', '.join(names) or 'none'}"
            )
        rows = participant_steered_turn_rows(
            session,
            participant_id,
            _day_start(wanted.since) if wanted.since else None,
            _day_start(wanted.until + timedelta(days=1)) if wanted.until else None,
        )
        if wanted.axis is not None:
            rows = [r for r in rows if r.targets.get(wanted.axis, NEUTRAL_TARGET) != NEUTRAL_TARGET]
        feedback = feedback_rows_on(session, participant_id, [r.turn_id for r in rows])
        flagged = {f.turn_id for f in feedback if f.kind == "flag"}
        if wanted.flagged:
            rows = [r for r in rows if r.turn_id in flagged]
        more = len(rows) > MAX_HISTORY
        rows = rows[:MAX_HISTORY]
        turns = {
            cid: turns_of(session, cid) for cid in dict.fromkeys(r.conversation_id for r in rows)
        }
        titles = {
            cid: chat.title if (chat := conversation_by_id(session, cid)) else "" for cid in turns
        }
        shown = {r.id: candidates_of(session, r.id)[r.chosen] for r in rows}
    scores = stored_scores(store, axes, [c.record_id for c in shown.values()])
    entries = []
    for r in rows:
        by_id = {t.id: t for t in turns[r.conversation_id]}
        answer = by_id[r.turn_id]
        asked = next(
            (t.content for t in turns[r.conversation_id] if t.position == answer.position - 1), ""
        )
        candidate = shown[r.id]
        entries.append(
            HistoryEntry(
                conversation_id=r.conversation_id,
                conversation_title=titles[r.conversation_id],
                turn_id=r.turn_id,
                created_at=r.created_at,
                message=asked,
                answer=answer.content,
                targets=dict(r.targets),
                scores={}
                if candidate.stopped
                else {s.axis: s.score for s in scores[candidate.record_id]},
                flagged=r.turn_id in flagged,
                stopped=r.stopped,
                truncated=answer.truncated,
            )
        )
    return History(filter=wanted, axes=names, entries=entries, more=more)
