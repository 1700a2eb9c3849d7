"""Fixtures: a migrated database on SQLite (a temp file) and on the local PostgreSQL server."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from storage import Base, Database, MediaStore, open_database, sqlite_url

POSTGRES_USERS = ("postgres", "root")
POSTGRES_SERVER = "postgresql+psycopg://{user}@127.0.0.1:5432/test"

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_server() -> URL:
    """URL of the server's ``test`` database for a user that can log in, or skip."""
    first_error: Exception | None = None
    for user in POSTGRES_USERS:
        url = make_url(POSTGRES_SERVER.format(user=user))
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return url
        except Exception as exc:
            first_error = first_error or exc
        finally:
            engine.dispose()
    reason = str(first_error).strip().splitlines()[0] if first_error else "no user could log in"
    pytest.skip(f"PostgreSQL at 127.0.0.1:5432 unreachable: {reason}")


@pytest.fixture(scope="session")
def make_postgres_database(postgres_server: URL) -> Iterator[Callable[[], str]]:
    """Factory of fresh, empty PostgreSQL databases; all are dropped at the end."""
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make() -> str:
        name = f"storybeat_test_{secrets.token_hex(6)}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return postgres_server.set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as connection:
        for name in created:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url(make_postgres_database: Callable[[], str]) -> str:
    """The PostgreSQL database shared by this test session."""
    return make_postgres_database()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a fresh, empty database (not migrated)."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "db" / "storybeat.db")
    make: Callable[[], str] = request.getfixturevalue("make_postgres_database")
    return make()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database; PostgreSQL tables are emptied after each test."""
    if request.param == "sqlite":
        db = open_database(sqlite_url(tmp_path / "db" / "storybeat.db"))
        yield db
        db.dispose()
        return
    db = open_database(request.getfixturevalue("postgres_url"))
    yield db
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.dispose()


@pytest.fixture
def media_store(tmp_path: Path) -> MediaStore:
    """An empty media store in a temp folder."""
    return MediaStore(tmp_path / "media")
