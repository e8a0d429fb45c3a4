"""How participants get in: personal invite links and crowd-platform study links.

An invite link carries a random token; only its SHA-256 hash is stored (a 32-byte random token
needs no slow hash). A crowd-platform link (Prolific's ``PROLIFIC_PID``, ``STUDY_ID``,
``SESSION_ID``) creates the participant on first use. Either way the person ends up with a
:class:`Seat`: who they are and which campaign they are in.

Crowd ids are not secrets (they appear in links, file names, messages), so a known
``PROLIFIC_PID`` alone never resumes anyone. Coming back to an existing crowd participant takes
one of two proofs:

- the browser session that already holds a seat of that participant (the web layer passes it
  as ``held``): the same person reopening the link, even with a new ``SESSION_ID``, which is
  then recorded and accepted later on its own;
- a ``SESSION_ID`` recorded for that participant: Prolific gives each attempt its own
  ``SESSION_ID``, so the same one is the same attempt (a reload, another tab, a new browser).

Anything else (a known ``PROLIFIC_PID`` with a new ``SESSION_ID`` and no such session) raises
:class:`CrowdIdTakenError` and reaches nothing of the first person: the web app shows only
"this Prolific id has already taken part in this study". This holds across the campaigns of a
study, because they share its participants (consent, demographics, co-construction work):
someone who took part in one campaign joins another from the same browser session or with a
``SESSION_ID`` already recorded.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from coalign.core.campaigns import return_link
from coalign.core.errors import (
    AccessDeniedError,
    CampaignClosedError,
    InputError,
    LinkExpiredError,
    NotFoundError,
)
from coalign.core.ids import stable_id
from coalign.store import Store
from coalign.store.campaigns import campaign_by_id, campaign_by_slug, enroll, enrollment_of
from coalign.store.participation import add_participant, invited_enrollment, participant_by_id
from coalign.store.rating_tables import CampaignRow
from coalign.store.studies import study_row
from coalign.store.withdrawal import withdrawals_of

CROWD_KEYS = ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID")
_CROWD_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_INVITES = 10_000


class CrowdIdTakenError(AccessDeniedError):
    """A crowd link names a participant who exists, without proof that it is the same person."""


class CrowdIdWithdrawnError(CrowdIdTakenError):
    """A crowd link names a person who withdrew from the study; their data is gone."""


def crowd_participant_id(study_slug: str, crowd_id: str) -> str:
    """The participant id a crowd link gives the person with ``crowd_id`` in study ``study_slug``."""
    return stable_id("p", study_slug, "prolific", crowd_id.strip())


@dataclass(frozen=True)
class Seat:
    """A participant in one campaign: what a participant's session cookie stands for."""

    participant_id: str
    campaign_id: int


def hash_token(token: str) -> str:
    """The stored form of an invite token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def create_invites(
    store: Store,
    campaign_id: int,
    count: int,
    *,
    valid_for: timedelta | None = None,
    language: str = "en",
) -> list[str]:
    """Create ``count`` participants with personal invite tokens; the tokens are returned once, never stored.

    Raises:
        NotFoundError: no such campaign.
        InputError: ``count`` outside 1..10 000.
    """
    if not 1 <= count <= MAX_INVITES:
        raise InputError(f"invite between 1 and {MAX_INVITES} people at a time, not {count}")
    expires = datetime.now(UTC) + valid_for if valid_for else None
    tokens = [secrets.token_urlsafe(32) for _ in range(count)]
    with store.session() as session:
        campaign = campaign_by_id(session, campaign_id)
        if campaign is None:
            raise NotFoundError(f"no campaign {campaign_id}")
        for token in tokens:
            pid = f"p_{secrets.token_hex(10)}"
            add_participant(
                session, pid, campaign.study_id, token_hash=hash_token(token), language=language
            )
            enroll(session, pid, campaign_id, invite_expires_at=expires)
    return tokens


def join_by_invite(store: Store, token: str) -> Seat:
    """The seat behind an invite token.

    Raises:
        AccessDeniedError: the token is unknown (wrong or mistyped link).
        LinkExpiredError: the link has expired.
    """
    if not token or len(token) > 200:
        raise AccessDeniedError("this invite link is not valid")
    with store.read() as session:
        row = invited_enrollment(session, hash_token(token))
        if row is None:
            raise AccessDeniedError("this invite link is not valid")
        if row.invite_expires_at is not None and _as_utc(row.invite_expires_at) < datetime.now(UTC):
            raise LinkExpiredError("this invite link has expired; ask the study team for a new one")
        return Seat(row.participant_id, row.campaign_id)


def join_from_crowd(
    store: Store,
    study_slug: str,
    campaign_slug: str,
    params: Mapping[str, str],
    language: str = "en",
    *,
    held: Seat | None = None,
) -> Seat:
    """Create the participant named by a crowd-platform link, or resume them with proof.

    The participant id is derived from the study and ``PROLIFIC_PID``, so one crowd id is one
    participant of a study, never two. An existing participant is resumed only when ``held``
    is a seat of theirs or ``SESSION_ID`` is one recorded for them (see the module docstring);
    with ``held``, a new ``SESSION_ID`` is recorded.

    Args:
        params: the link's query parameters (``PROLIFIC_PID``, ``STUDY_ID``, ``SESSION_ID``).
        language: the new participant's language.
        held: the seat the requesting browser session holds already, if any.

    Raises:
        InputError: a missing or malformed ``PROLIFIC_PID`` / ``STUDY_ID`` / ``SESSION_ID``.
        NotFoundError: no such study or campaign.
        CampaignClosedError: the campaign is closed to new participants.
        CrowdIdTakenError: the crowd id belongs to a participant and neither proof was given.
    """
    values = {}
    for key in CROWD_KEYS:
        value = params.get(key, "")
        if not _CROWD_VALUE.match(value):
            raise InputError(f"the study link needs {key} (letters, digits, - and _ only)")
        values[key] = value
    for attempt in range(2):  # a concurrent first join of the same person makes one retry necessary
        try:
            return _crowd_seat(store, study_slug, campaign_slug, values, language, held)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _crowd_seat(
    store: Store,
    study_slug: str,
    campaign_slug: str,
    values: dict[str, str],
    language: str,
    held: Seat | None,
) -> Seat:
    with store.session() as session:
        study_id = study_row(session, study_slug).id
        campaign = campaign_by_slug(session, study_id, campaign_slug)
        if campaign is None:
            raise NotFoundError(f"study {study_slug!r} has no campaign {campaign_slug!r}")
        pid = crowd_participant_id(study_slug, values["PROLIFIC_PID"])
        participant = participant_by_id(session, pid)
        enrollment = None
        if participant is None and withdrawals_of(session, pid):
            # They withdrew and their data is gone: a new seat would enrol them again unasked.
            raise CrowdIdWithdrawnError("this Prolific id withdrew from this study")
        if participant is None:
            require_open(campaign)
            add_participant(
                session,
                pid,
                study_id,
                language=language,
                external_ids={
                    "PROLIFIC_PID": values["PROLIFIC_PID"],
                    "STUDY_ID": values["STUDY_ID"],
                    "SESSION_IDS": [values["SESSION_ID"]],
                },
            )
        else:
            ids = dict(participant.external_ids)
            sessions = list(ids.get("SESSION_IDS", []))
            if values["SESSION_ID"] not in sessions:
                if held is None or held.participant_id != pid:
                    raise CrowdIdTakenError("this Prolific id has already taken part in this study")
                participant.external_ids = {**ids, "SESSION_IDS": sessions + [values["SESSION_ID"]]}
            enrollment = enrollment_of(session, pid, campaign.id)
        if enrollment is None:
            require_open(campaign)
            enroll(session, pid, campaign.id)
        return Seat(pid, campaign.id)


def require_open(row: CampaignRow) -> None:
    """Raise :class:`CampaignClosedError` when the campaign is closed.

    The error carries the screen-out code and the crowd platform's return link with it, so the
    person can still return their submission there.
    """
    if row.status != "open":
        raise CampaignClosedError(
            "this campaign is closed; nothing more can be submitted",
            code=row.screened_out_code,
            return_url=return_link(row.completion_url, row.screened_out_code),
        )
