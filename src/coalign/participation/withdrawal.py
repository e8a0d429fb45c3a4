"""Withdrawal: a participant stops and has their data deleted, or an admin deletes it for them.

Three ways in, one deletion:

- the participant, from their session (``/p/withdraw``), after a page that lists what will go;
- the participant, later, by their withdrawal link (``/w/<token>``). The token is the
  participant id and an HMAC over that id and the time they joined, keyed by the app secret
  (:func:`~coalign.participation.accounts.app_secret`). Knowing someone's crowd id (hence their
  participant id) is not enough to make it; someone who joins again after a deletion has a new
  join time, so an old link cannot delete their new data;
- an admin, by participant id or by crowd id (``PROLIFIC_PID``) and study, at the command line
  or on ``/f/withdrawals``.

Every table holding the person's data is cleared in one transaction by
:func:`coalign.store.withdrawal.erase`, which also logs who asked, how, when, and how many rows
per table went. A seed of theirs that a generation run used leaves a tombstone (its id and the
runs); the records of those runs keep the seed's id in their lineage, and their rendered
prompts keep the text the model was shown, because they are that run's provenance.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from coalign.core.errors import AccessDeniedError, InputError, NotFoundError
from coalign.core.study import study_text
from coalign.participation.access import crowd_participant_id
from coalign.participation.accounts import app_secret
from coalign.store import Store
from coalign.store.participation import participant_by_id, study_by_id, study_id_by_slug
from coalign.store.participation_tables import WithdrawalRow
from coalign.store.studies import study_row
from coalign.store.withdrawal import (
    ERASED,
    ErasurePlan,
    erase,
    erasure_plan,
    lock_participant,
    study_withdrawal_rows,
    tombstones_of,
    withdrawal_by_id,
    withdrawals_of,
    withdrawn_count,
)

RequestedBy = Literal["participant", "admin"]
Channel = Literal["page", "link", "web", "cli"]
_TOKEN_KEY = b"coalign withdrawal link v1"
INVALID_LINK = (
    "this withdrawal link is not valid; if you used it already, your data has been deleted"
)


class DataSummary(BaseModel):
    """What deleting a person's data would remove, for the confirmation step.

    Attributes:
        counts: rows per table (see :data:`coalign.store.withdrawal.ERASED`); tables whose
            lists only name the person are ``"<table> (edited)"``.
        used_seeds: how many of the person's seeds generation runs used (they leave a tombstone).
    """

    participant_id: str
    study: str
    study_title: str
    counts: dict[str, int]
    used_seeds: int = 0


class SeedTombstone(BaseModel):
    """A withdrawn seed that runs had used: its id and kind, the runs, how many records name it."""

    model_config = ConfigDict(from_attributes=True)

    seed_kind: str
    seed_id: str
    run_ids: list[str]
    records: int


class Withdrawal(BaseModel):
    """One logged deletion of a person's data."""

    id: int
    study: str
    participant_id: str
    requested_by: RequestedBy
    account: str | None = None
    channel: Channel
    deleted: dict[str, int]
    tombstones: list[SeedTombstone] = Field(default_factory=list)
    created_at: datetime

    @property
    def rows_deleted(self) -> int:
        """Rows deleted, all tables together (lists edited and tombstones left not counted)."""
        return sum(n for table, n in self.deleted.items() if table in ERASED)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _view(session: Session, row: WithdrawalRow) -> Withdrawal:
    study = study_by_id(session, row.study_id)
    return Withdrawal(
        id=row.id,
        study=study.slug if study else "?",
        participant_id=row.participant_id,
        requested_by=row.requested_by,
        account=row.account,
        channel=row.channel,
        deleted=row.deleted,
        tombstones=[
            SeedTombstone.model_validate(t) for t in tombstones_of(session, row.study_id, [row.id])
        ],
        created_at=_as_utc(row.created_at),
    )


def _summary(session: Session, plan: ErasurePlan, language: str) -> DataSummary:
    study = study_by_id(session, plan.study_id)
    return DataSummary(
        participant_id=plan.participant_id,
        study=study.slug if study else "?",
        study_title=study_text(study.translations, language, "title", study.title)
        if study
        else "?",
        counts=plan.counts(),
        used_seeds=len(plan.used_seeds),
    )


def data_summary(store: Store, participant_id: str, language: str = "en") -> DataSummary:
    """What deleting ``participant_id``'s data would remove, table by table (the study's title in
    ``language``).

    Raises:
        NotFoundError: no such participant (their data may have been deleted already).
    """
    with store.read() as session:
        plan = erasure_plan(session, participant_id)
        if plan is None:
            raise NotFoundError(_gone(session, participant_id))
        return _summary(session, plan, language)


def _gone(session: Session, participant_id: str) -> str:
    done = withdrawals_of(session, participant_id)
    if done:
        when = _as_utc(done[-1].created_at).strftime("%Y-%m-%d %H:%M UTC")
        return f"the data of participant {participant_id} was deleted on {when}"
    return f"no participant {participant_id}"


def _delete(
    store: Store,
    participant_id: str,
    *,
    requested_by: RequestedBy,
    account: str | None,
    channel: Channel,
) -> Withdrawal | None:
    """Delete the person's data in one transaction; ``None`` when there is no such participant."""
    with store.session() as session:
        if lock_participant(session, participant_id) is None:
            return None
        plan = erasure_plan(session, participant_id)
        if plan is None:  # pragma: no cover - the row is locked
            return None
        row = erase(session, plan, requested_by=requested_by, account=account, channel=channel)
        return _view(session, row)


def withdraw(
    store: Store, participant_id: str, *, channel: Literal["page", "link"] = "page"
) -> Withdrawal:
    """The participant withdraws: every row of their data is deleted, and the deletion logged.

    Withdrawing twice (a double click, a second tab) answers with the first withdrawal.

    Raises:
        NotFoundError: no such participant, and none withdrew under that id.
    """
    done = _delete(store, participant_id, requested_by="participant", account=None, channel=channel)
    if done is not None:
        return done
    with store.read() as session:
        earlier = withdrawals_of(session, participant_id)
        if not earlier:
            raise NotFoundError(f"no participant {participant_id}")
        return _view(session, earlier[-1])


def delete_participant(
    store: Store, participant_id: str, *, admin: str, channel: Literal["web", "cli"]
) -> Withdrawal:
    """An admin deletes a participant's data (the participant id comes from :func:`find_participant`).

    Args:
        admin: the admin's account name (on the command line: whoever ran it).

    Raises:
        NotFoundError: no such participant, or their data was deleted already (with the date).
    """
    done = _delete(store, participant_id, requested_by="admin", account=admin, channel=channel)
    if done is None:
        with store.read() as session:
            raise NotFoundError(_gone(session, participant_id))
    return done


def find_participant(
    store: Store,
    participant_id: str | None = None,
    *,
    crowd_id: str | None = None,
    study: str | None = None,
) -> str:
    """The participant id named by an admin: given as such, or by crowd id (``PROLIFIC_PID``) and study.

    Only the form is checked here; :func:`data_summary` and :func:`delete_participant` say
    whether the participant exists.

    Raises:
        InputError: neither or both ways given, or a crowd id without its study.
        NotFoundError: no such study.
    """
    if bool(participant_id) == bool(crowd_id):
        raise InputError("name the participant by id, or by crowd id (PROLIFIC_PID) and study")
    if participant_id:
        return participant_id.strip()
    if not study:
        raise InputError("a crowd id names a participant only with the study (--study SLUG)")
    with store.read() as session:
        study_row(session, study)  # NotFoundError naming the known studies
    return crowd_participant_id(study, crowd_id or "")


# --- the withdrawal link --------------------------------------------------------------------------


def _mac(secret: str, participant_id: str, joined: datetime) -> str:
    key = hmac.new(secret.encode("utf-8"), _TOKEN_KEY, hashlib.sha256).digest()
    message = f"{participant_id}\n{_as_utc(joined).isoformat(timespec='seconds')}"
    digest = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def withdrawal_token(store: Store, participant_id: str) -> str:
    """The token of the participant's withdrawal link (the same every time it is asked for).

    Raises:
        NotFoundError: no such participant.
    """
    secret = app_secret(store)
    with store.read() as session:
        row = participant_by_id(session, participant_id)
        if row is None:
            raise NotFoundError(f"no participant {participant_id}")
        return f"{row.id}.{_mac(secret, row.id, row.created_at)}"


def participant_of_token(store: Store, token: str) -> str:
    """The participant a withdrawal link names.

    Raises:
        AccessDeniedError: a wrong or forged token, or one whose participant is gone (the
            message is the same, so a link tells nothing about who exists).
    """
    participant_id, _, mac = token.rpartition(".")
    if not participant_id or not mac or len(token) > 200:
        raise AccessDeniedError(INVALID_LINK)
    secret = app_secret(store)
    with store.read() as session:
        row = participant_by_id(session, participant_id)
        expected = _mac(secret, participant_id, row.created_at) if row else ""
    if row is None or not hmac.compare_digest(expected, mac):
        raise AccessDeniedError(INVALID_LINK)
    return participant_id


# --- the log --------------------------------------------------------------------------------------


def list_withdrawals(store: Store, study: str | None = None) -> list[Withdrawal]:
    """The logged withdrawals of a study (or of every study), newest first.

    Raises:
        NotFoundError: no such study.
    """
    with store.read() as session:
        study_id = study_row(session, study).id if study else None
        return [_view(session, row) for row in study_withdrawal_rows(session, study_id)]


def get_withdrawal(store: Store, withdrawal_id: int) -> Withdrawal:
    """One logged withdrawal.

    Raises:
        NotFoundError: no such withdrawal.
    """
    with store.read() as session:
        row = withdrawal_by_id(session, withdrawal_id)
        if row is None:
            raise NotFoundError(f"no withdrawal {withdrawal_id}")
        return _view(session, row)


def withdrawal_facts(store: Store, study: str) -> dict[str, int]:
    """What a dataset card says about withdrawals from a study: people, and their used seeds.

    Returns:
        ``participants``: how many people's data was deleted; ``used_seeds``: how many of their
        seeds generation runs had used (tombstones). Empty when nobody withdrew.
    """
    with store.read() as session:
        study_id = study_id_by_slug(session, study)
        if study_id is None:
            return {}
        people = withdrawn_count(session, study_id)
        if not people:
            return {}
        return {"participants": people, "used_seeds": len(tombstones_of(session, study_id))}
