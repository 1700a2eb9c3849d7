"""Fixtures: a migrated database on SQLite (a temp file) and on the local PostgreSQL server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import Base, Database, MediaStore, open_database, sqlite_url

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


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
