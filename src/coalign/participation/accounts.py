"""Facilitator and admin accounts: argon2 password hashes, rate-limited logins, the app secret.

Facilitators run campaigns and see aggregates; admins may also export demographics. Failed
logins are recorded; too many for one user name or one client in a short window are refused
before the password is even checked, so guessing is slow whatever the password hashing costs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coalign.core.errors import AccessDeniedError, InputError, RateLimitedError
from coalign.store.engine import Store
from coalign.store.participation_tables import AccountRow, AppSettingRow, LoginAttemptRow
from coalign.store.tables import utcnow

AccountRole = Literal["facilitator", "admin"]
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_CLIENT = 20
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class Account:
    """A logged-in facilitator or admin."""

    id: int
    username: str
    role: AccountRole

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _hasher():  # noqa: ANN202 (argon2 is an optional dependency)
    try:
        from argon2 import PasswordHasher
    except ModuleNotFoundError as exc:
        raise InputError("accounts need argon2-cffi: pip install 'coalign[web]'") from exc
    return PasswordHasher()


def create_account(store: Store, username: str, password: str, role: AccountRole = "facilitator") -> Account:
    """Create a facilitator or admin account.

    Raises:
        InputError: bad user name or role, a password shorter than 8 characters, or the name is taken.
    """
    username = username.strip()
    if not username or len(username) > 80 or not username.isprintable():
        raise InputError("a user name must be 1 to 80 printable characters")
    if role not in ("facilitator", "admin"):
        raise InputError(f"role must be facilitator or admin, not {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"a password must have at least {MIN_PASSWORD_LENGTH} characters")
    try:
        with store.session() as session:
            row = AccountRow(username=username, password_hash=_hasher().hash(password), role=role)
            session.add(row)
            session.flush()
            return Account(row.id, row.username, role)
    except IntegrityError as exc:
        raise InputError(f"an account {username!r} exists already") from exc


def authenticate(store: Store, username: str, password: str, client: str) -> Account:
    """Check a login; every attempt is recorded.

    Args:
        client: the client's address (or another stable id of where the attempt came from).

    Raises:
        RateLimitedError: too many failed attempts for this user name or client recently.
        AccessDeniedError: wrong user name or password (the message does not say which).
    """
    from argon2.exceptions import VerificationError

    username = username.strip()[:80]
    client = client[:64]
    since = utcnow() - LOGIN_WINDOW
    with store.read() as session:
        failures = select(func.count()).select_from(LoginAttemptRow).where(
            LoginAttemptRow.succeeded.is_(False), LoginAttemptRow.created_at >= since
        )
        by_user = session.scalar(failures.where(LoginAttemptRow.username == username)) or 0
        by_client = session.scalar(failures.where(LoginAttemptRow.client == client)) or 0
        row = session.scalars(select(AccountRow).where(AccountRow.username == username)).first()
    if by_user >= MAX_FAILURES_PER_USER or by_client >= MAX_FAILURES_PER_CLIENT:
        raise RateLimitedError("too many failed logins; wait 15 minutes and try again")
    hasher = _hasher()
    ok = False
    if row is not None:
        try:
            ok = hasher.verify(row.password_hash, password)
        except VerificationError:
            ok = False
    else:  # spend the same time as a real check, so timing does not reveal which names exist
        hasher.hash(password)
    with store.session() as session:
        session.add(LoginAttemptRow(username=username, client=client, succeeded=ok))
    if not ok or row is None:
        raise AccessDeniedError("wrong user name or password")
    return Account(row.id, row.username, row.role)  # type: ignore[arg-type]


def get_account(store: Store, account_id: int) -> Account | None:
    """The account with this id, or ``None`` if it was deleted."""
    with store.read() as session:
        row = session.get(AccountRow, account_id)
        return None if row is None else Account(row.id, row.username, row.role)  # type: ignore[arg-type]


def app_secret(store: Store) -> str:
    """The web app's cookie-signing secret: made once per database, then read back.

    Keeping it in the database lets every worker of a server, and every restart, accept the
    same session cookies.
    """
    with store.read() as session:
        row = session.get(AppSettingRow, "secret_key")
        if row is not None:
            return row.value
    try:
        with store.session() as session:
            session.add(AppSettingRow(key="secret_key", value=secrets.token_urlsafe(48)))
    except IntegrityError:  # another worker made it first
        pass
    with store.read() as session:
        return session.get(AppSettingRow, "secret_key").value  # type: ignore[union-attr]
