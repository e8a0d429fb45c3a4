"""Running the web app with uvicorn (``coalign serve``, ``coalign demo --serve``).

One worker serves any database. Several workers (``--workers N``) need PostgreSQL: each is its
own process with its own connection pool, and everything they share lives in the database —
assignment takes the campaign's row lock, submits are idempotent by key, login limits are
counted in a table, and session cookies are signed with the secret kept in the database. SQLite
lets one process write at a time, so several workers would only queue behind each other's
locks; they are refused with a message that says what to do instead.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from coalign.core.errors import InputError
from coalign.participation.accounts import app_secret
from coalign.store import Store, open_store

if TYPE_CHECKING:
    from fastapi import FastAPI

#: Where each worker process finds the database and the cookie setting (set by :func:`serve`).
WORKER_DB_ENV = "COALIGN_WEB_DB"
WORKER_SECURE_ENV = "COALIGN_WEB_SECURE_COOKIES"
MAX_WORKERS = 64


def check_workers(store: Store, workers: int) -> None:
    """Refuse a worker count the database cannot serve.

    Raises:
        InputError: fewer than 1 or more than 64 workers, or several workers on SQLite.
    """
    if not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"--workers takes 1 to {MAX_WORKERS}, not {workers}")
    if workers > 1 and store.is_sqlite:
        raise InputError(
            f"--workers {workers} needs PostgreSQL: SQLite lets one process write at a time, so "
            "extra workers would only wait for each other. Serve SQLite with one worker, or keep the "
            "study in PostgreSQL (--db postgresql://USER@HOST/DB) to serve it with several."
        )


def serve(
    store: Store,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    secure_cookies: bool = False,
    workers: int = 1,
) -> None:
    """Serve the app over ``store`` until interrupted, in ``workers`` processes.

    Raises:
        InputError: the web extra is not installed, or :func:`check_workers` refuses ``workers``.
    """
    check_workers(store, workers)
    try:
        import uvicorn

        from coalign.web.app import create_app
    except ModuleNotFoundError as exc:
        raise InputError(f"the web app needs {exc.name}: pip install 'coalign[web]'") from exc
    target: FastAPI | str = "coalign.web.server:worker_app"
    if workers == 1:
        target = create_app(store, secure_cookies=secure_cookies)
    else:
        app_secret(store)  # made once here, so workers starting together never race to make it
        os.environ[WORKER_DB_ENV] = store.url
        os.environ[WORKER_SECURE_ENV] = "1" if secure_cookies else ""
        store.close()
    # Participants pause between items for longer than uvicorn's default 5 s keep-alive; a longer
    # one spares them a reconnect (and a retried POST) on every submit.
    uvicorn.run(
        target,
        factory=workers > 1,
        workers=workers if workers > 1 else None,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
        timeout_keep_alive=75,
    )


def worker_app() -> FastAPI:
    """The app of one worker process: its own connections to the database :func:`serve` named.

    Raises:
        InputError: started without :func:`serve` (the database is not named).
    """
    from coalign.web.app import create_app

    url = os.environ.get(WORKER_DB_ENV)
    if not url:
        raise InputError(
            f"worker_app is started by coalign serve --workers ({WORKER_DB_ENV} unset)"
        )
    store = open_store(url, migrate=False)  # serve() migrated it before starting the workers
    return create_app(store, secure_cookies=bool(os.environ.get(WORKER_SECURE_ENV)))
