"""Opening a database: URL resolution, engine settings per dialect, and automatic migration."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from coalign.core.calls import Completion, ModelCall
from coalign.core.errors import StoreError
from coalign.store.tables import ModelCallRow

DEFAULT_DB = "coalign.db"
#: The most values one ``IN (…)`` list holds, well under either database's parameter limit.
IDS_PER_QUERY = 5000


def resolve_url(db: str | None = None) -> str:
    """Turn ``--db`` / ``COALIGN_DB`` / the default into an SQLAlchemy URL.

    A bare path becomes an SQLite file URL; ``postgresql://`` becomes ``postgresql+psycopg://``.

    Raises:
        StoreError: the value is neither a path nor a URL of a supported database.
    """
    value = db or os.environ.get("COALIGN_DB") or DEFAULT_DB
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {value!r}") from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database {url.get_backend_name()!r} in {value!r}: use an SQLite path "
            "or a postgresql:// URL"
        )
    return url.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_store_engine(url: str) -> Engine:
    """An engine with coalign's settings for the URL's dialect; connects once to fail early.

    Raises:
        StoreError: the driver is missing or the database cannot be reached.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            parent = Path(database).parent
            if not parent.is_dir():
                raise StoreError(
                    f"cannot create database {database}: folder {parent} does not exist"
                )
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        engine = create_engine(url, **kwargs)
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"the driver for {parsed.get_backend_name()} is not installed ({exc.name}): "
            "pip install 'coalign[postgres]'"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (OperationalError, SQLAlchemyError) as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        where = parsed.render_as_string(hide_password=True)
        raise StoreError(f"cannot open database {where}: {reason}") from exc
    return engine


class Store:
    """One database: an engine, transactional sessions, and the model-call log.

    SQLite allows one writer at a time; writes from threads of this process are serialised
    by a lock so that concurrent stages never see "database is locked".
    """

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._write_lock = threading.RLock() if self.is_sqlite else None

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages and summaries."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-write transaction: committed when the block ends, rolled back on any error."""
        lock = self._write_lock
        if lock is not None:
            lock.acquire()
        try:
            with self._sessions() as session, session.begin():
                yield session
        finally:
            if lock is not None:
                lock.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only; nothing it does is committed."""
        with self._sessions() as session:
            yield session

    def log_call(self, call: ModelCall) -> None:
        """Persist one model call, cached or not, failed or not (see :class:`CallLog`)."""
        data = call.model_dump(mode="json", exclude={"created_at"}, exclude_none=True)
        with self.session() as session:
            session.add(ModelCallRow(**data))

    def cached_completion(self, request_hash: str) -> Completion | None:
        """The answer of the first successful uncached call with this request hash, if any.

        The answer keeps the finish reason it was given, so a cached text that the token limit
        cut off is still known to be cut off (see :class:`CallLog`).
        """
        query = (
            select(ModelCallRow)
            .where(
                ModelCallRow.request_hash == request_hash,
                ModelCallRow.cache_hit.is_(False),
                ModelCallRow.error.is_(None),
            )
            .order_by(ModelCallRow.id)
            .limit(1)
        )
        with self.read() as session:
            row = session.scalars(query).first()
            if row is None or row.response is None:
                return None
            return Completion(
                text=row.response,
                prompt_tokens=row.prompt_tokens,
                completion_tokens=row.completion_tokens,
                finish_reason=row.finish_reason,
            )

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
