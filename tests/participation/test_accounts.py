"""Facilitator accounts: argon2 hashes, clear errors, rate-limited logins."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coalign.core.errors import AccessDeniedError, InputError, RateLimitedError
from coalign.participation.accounts import (
    MAX_FAILURES_PER_USER,
    app_secret,
    authenticate,
    create_account,
    get_account,
)
from coalign.store import Store
from coalign.store.participation_tables import AccountRow


def test_create_and_log_in(sqlite_store: Store) -> None:
    account = create_account(sqlite_store, "ada", "correct horse", role="admin")
    with sqlite_store.read() as session:
        stored = session.scalars(select(AccountRow.password_hash)).one()
    assert stored.startswith("$argon2") and "correct horse" not in stored
    assert authenticate(sqlite_store, "ada", "correct horse", "127.0.0.1") == account
    assert get_account(sqlite_store, account.id).is_admin
    assert get_account(sqlite_store, 999) is None


@pytest.mark.parametrize(
    ("name", "password", "role", "message"),
    [
        ("", "long enough", "admin", "user name"),
        ("bob", "short", "admin", "at least 8"),
        ("bob", "long enough", "root", "facilitator or admin"),
    ],
)
def test_bad_accounts(
    sqlite_store: Store, name: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        create_account(sqlite_store, name, password, role)  # type: ignore[arg-type]


def test_duplicate_name(sqlite_store: Store) -> None:
    create_account(sqlite_store, "ada", "correct horse")
    with pytest.raises(InputError, match="exists already"):
        create_account(sqlite_store, "ada", "another password")


def test_wrong_password_then_rate_limit(store: Store) -> None:
    create_account(store, "ada", "correct horse")
    for _ in range(MAX_FAILURES_PER_USER):
        with pytest.raises(AccessDeniedError, match="wrong user name or password"):
            authenticate(store, "ada", "guess", "10.0.0.1")
    with pytest.raises(RateLimitedError, match="too many failed logins"):
        authenticate(store, "ada", "correct horse", "10.0.0.2")  # even the right password waits
    with pytest.raises(AccessDeniedError, match="wrong user name or password"):
        authenticate(store, "nobody", "guess", "10.0.0.3")


def test_app_secret_is_stable(store: Store) -> None:
    assert app_secret(store) == app_secret(store) and len(app_secret(store)) > 40
