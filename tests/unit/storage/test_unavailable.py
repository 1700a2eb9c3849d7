"""A database that goes away while the app runs is DatabaseUnavailableError ("try again in a
moment"), raised at once; when it is back, the same Database works again. Bad queries stay
what they are."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from storage import DatabaseUnavailableError, get_or_create_project, get_project, open_database
from storage.db import sqlite_url, unavailable
from tests.support.pg_cluster import private_postgres


def wrapped(error: Exception, kind: type[DBAPIError] = OperationalError) -> DBAPIError:
    return kind("SELECT 1", {}, error)


def test_what_counts_as_unavailable() -> None:
    assert unavailable(wrapped(psycopg.OperationalError("connection refused")))  # no server
    assert unavailable(wrapped(psycopg.errors.AdminShutdown("terminating connection")))
    assert unavailable(wrapped(psycopg.errors.CannotConnectNow("the system is starting up")))
    assert unavailable(wrapped(sqlite3.OperationalError("database is locked")))
    assert not unavailable(wrapped(sqlite3.OperationalError("no such table: projects")))
    assert not unavailable(wrapped(psycopg.errors.QueryCanceled("statement timeout")))
    assert not unavailable(wrapped(psycopg.errors.UndefinedTable("no table"), ProgrammingError))


def test_a_bad_query_is_not_called_an_outage(tmp_path: Path) -> None:
    db = open_database(sqlite_url(tmp_path / "db.sqlite"))
    try:
        with pytest.raises(OperationalError, match="no such table"), db.session() as session:
            session.execute(text("SELECT * FROM no_such_table"))
    finally:
        db.dispose()


def test_a_postgres_restart_is_unavailable_then_works_again_with_the_data() -> None:
    with private_postgres() as server:
        db = open_database(server.url)
        try:
            with db.session() as session:
                get_or_create_project(session, "r0123456789abcde", name="night drive", options={})
            server.stop("fast")  # the pooled connection is cut, new ones are refused
            for _ in range(2):
                started = time.monotonic()
                with (
                    pytest.raises(DatabaseUnavailableError, match="try again in a moment"),
                    db.session() as session,
                ):
                    get_project(session, "r0123456789abcde")
                assert time.monotonic() - started < 2.0
            server.start()
            with db.session() as session:  # the same Database, no restart of the app
                project = get_project(session, "r0123456789abcde")
                assert project is not None and project.name == "night drive"
        finally:
            db.dispose()
