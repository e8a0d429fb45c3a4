"""Facilitator and admin accounts: argon2 password hashes, rate-limited logins, the app secret.

Facilitators run campaigns and see aggregates; admins may also export demographics. Failed
logins are recorded; too many for one user name or one client in a short window are refused
before the password is even checked, so guessing is slow whatever the password hashing costs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy.exc import IntegrityError

from coalign.core.errors import AccessDeniedError, InputError, RateLimitedError, StoreError
from coalign.store import Store
from coalign.store.participation import (
    account_by_id,
    account_by_name,
    add_account,
    add_app_setting,
    app_setting,
    count_failed_logins,
    record_login_attempt,
)
from coalign.store.participation_tables import AccountRow
from coalign.store.tables import utcnow

if TYPE_CHECKING:
    from argon2 import PasswordHasher

AccountRole = Literal["facilitator", "admin"]
_ROLES: tuple[AccountRole, ...] = ("facilitator", "admin")
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


def _hasher() -> PasswordHasher:
    try:
        from argon2 import PasswordHasher
    except ModuleNotFoundError as exc:
        raise InputError("accounts need argon2-cffi: pip install 'coalign[web]'") from exc
    return PasswordHasher()


def _account(row: AccountRow) -> Account:
    """The account of a stored row.

    Raises:
        StoreError: the row holds a role other than facilitator or admin.
    """
    role = row.role
    if role not in _ROLES:
        raise StoreError(f"account {row.username!r} has an unknown role {role!r}")
    return Account(row.id, row.username, role)


def create_account(
    store: Store, username: str, password: str, role: AccountRole = "facilitator"
) -> Account:
    """Create a facilitator or admin account.

    Raises:
        InputError: bad user name or role, a password shorter than 8 characters, or the name is taken.
    """
    username = username.strip()
    if not username or len(username) > 80 or not username.isprintable():
        raise InputError("a user name must be 1 to 80 printable characters")
    if role not in _ROLES:
        raise InputError(f"role must be facilitator or admin, not {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"a password must have at least {MIN_PASSWORD_LENGTH} characters")
    try:
        with store.session() as session:
            row = add_account(session, username, _hasher().hash(password), role)
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
        by_user = count_failed_logins(session, since, username=username)
        by_client = count_failed_logins(session, since, client=client)
        row = account_by_name(session, username)
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
        record_login_attempt(session, username, client, ok)
    if not ok or row is None:
        raise AccessDeniedError("wrong user name or password")
    return _account(row)


def get_account(store: Store, account_id: int) -> Account | None:
    """The account with this id, or ``None`` if it was deleted."""
    with store.read() as session:
        row = account_by_id(session, account_id)
        return None if row is None else _account(row)


def app_secret(store: Store) -> str:
    """The web app's cookie-signing secret: made once per database, then read back.

    Keeping it in the database lets every worker of a server, and every restart, accept the
    same session cookies.
    """
    with store.read() as session:
        secret = app_setting(session, "secret_key")
        if secret is not None:
            return secret
    try:
        with store.session() as session:
            add_app_setting(session, "secret_key", secrets.token_urlsafe(48))
    except IntegrityError:  # another worker made it first
        pass
    with store.read() as session:
        secret = app_setting(session, "secret_key")
    if secret is None:
        raise StoreError("the app secret could not be stored")
    return secret
