"""Opening the database: engine set-up, connection check and migrations to head.

A database that goes away while the app runs (a PostgreSQL restart, a dropped network) is a
:class:`DatabaseUnavailableError` from :meth:`Database.session` ("try again in a moment"),
raised as soon as the server refuses or drops the connection; pooled connections are checked
before use (``pool_pre_ping``), so the first session after the database is back works again
without restarting anything.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from storage.errors import DatabaseUnavailableError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30.0
POSTGRES_CONNECT_TIMEOUT_S = 10
# Key of the PostgreSQL advisory lock that serialises migrations across processes.
_MIGRATION_LOCK_KEY = 0x53544F52
_HINT = "use sqlite:///<path> or postgresql://<user>:<password>@<host>:<port>/<database>"


def sqlite_url(path: Path) -> str:
    """Return the SQLAlchemy URL of the SQLite file at ``path`` (made absolute)."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def mask_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


class Database:
    """An engine plus a session factory whose sessions commit on success."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Database({mask_url(self.url)!r})"

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a Session in a transaction: committed on success, rolled back on error.

        Objects stay readable after the block (``expire_on_commit=False``). A database that
        cannot be reached, or drops the connection, is a DatabaseUnavailableError (the server
        says why in the log; the message is fit to show any user).
        """
        try:
            with self._sessions.begin() as session:
                yield session
        except DBAPIError as exc:
            if not unavailable(exc):
                raise
            text = str(exc.orig or exc).strip()
            reason = text.splitlines()[0] if text else type(exc.orig or exc).__name__
            logger.warning("database %s unavailable: %s", mask_url(self.url), reason)
            raise DatabaseUnavailableError(
                "the database is unavailable right now; try again in a moment"
            ) from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


# PostgreSQL error classes that mean "not now" rather than "not so": connection exceptions,
# a server shutting down or starting (admin_shutdown, crash_shutdown, cannot_connect_now), and
# too_many_connections.
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk I/O error")


def unavailable(exc: DBAPIError) -> bool:
    """Whether ``exc`` means the database cannot be used right now, rather than a bad query:
    a connection refused, dropped or closed, a server shutting down or starting, no free
    connection slot; for SQLite a lock not granted in time or a file that cannot be opened."""
    if exc.connection_invalidated:  # SQLAlchemy's own disconnect detection
        return True
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        return any(text in str(orig) for text in _SQLITE_UNAVAILABLE)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        return str(sqlstate).startswith(_UNAVAILABLE_SQLSTATES)
    return True  # psycopg: no connection could be made (refused, timed out, name unknown)


def open_database(url: str) -> Database:
    """Connect to ``url`` (SQLite or PostgreSQL) and migrate it to the latest schema.

    Safe to call repeatedly and from several processes at once: migrations run under a
    database-wide lock and an up-to-date database is left as it is.

    Raises
    ------
    DatabaseUnavailableError
        The URL is malformed or unsupported, or the database cannot be reached.
    """
    engine = _create_engine(url)
    try:
        _migrate(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig or exc).strip().splitlines()[0]
        action = (
            "check that the folder exists and is writable"
            if engine.dialect.name == "sqlite"
            else "check that the server is running and that the host, port, user, password "
            "and database name are right"
        )
        raise DatabaseUnavailableError(
            f"cannot use database {mask_url(url)}: {reason}; {action} "
            "(set STORYBEAT_DATABASE_URL to choose another database)"
        ) from exc
    except BaseException:
        engine.dispose()
        raise
    logger.info("database ready: %s", mask_url(url))
    return Database(engine, url)


def _create_engine(url: str) -> Engine:
    """Build the engine for ``url``; rewrite plain postgresql:// to the psycopg 3 driver."""
    try:
        sa_url = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailableError(
            f"database URL {mask_url(url)!r} cannot be parsed; {_HINT}"
        ) from exc
    backend = sa_url.get_backend_name()
    try:
        if backend == "sqlite":
            return _sqlite_engine(sa_url)
        if backend in ("postgresql", "postgres"):
            return _postgres_engine(sa_url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise DatabaseUnavailableError(
            f"database URL {mask_url(url)!r} cannot be used ({exc}); {_HINT}"
        ) from exc
    raise DatabaseUnavailableError(
        f"database URL {mask_url(url)!r} names an unsupported database {backend!r}; {_HINT}"
    )


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    if not in_memory and not database.startswith("file:"):
        folder = Path(database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailableError(
                f"cannot create folder {str(folder)!r} for database "
                f"{url.render_as_string()}: {exc}; choose a writable location"
            ) from exc
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
    }
    if in_memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    """Let SQLAlchemy own transactions (so DDL is transactional); WAL and foreign keys on."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _enable_wal(cursor: Any) -> None:
    """Switch to WAL, retrying: SQLite fails concurrent first switches without waiting."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_on_begin(connection: Connection) -> None:
    """Take the write lock up front, so concurrent writers wait instead of failing."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _postgres_engine(url: URL) -> Engine:
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _migrate(engine: Engine) -> None:
    """Apply the Alembic migrations in ``storage/migrations`` up to head, under a lock."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
