"""open_database: migrations to head, repeat and concurrent opens, unreachable databases."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage import (
    Base,
    DatabaseUnavailableError,
    get_or_create_project,
    get_project,
    open_database,
    save_artifact,
)
from storage.db import MIGRATIONS_DIR, _sqlite_on_connect

REPO_ROOT = Path(__file__).resolve().parents[3]


def _head() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrated_schema_matches_models(database_url: str) -> None:
    db = open_database(database_url)
    try:
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert context.get_current_revision() == _head()
            assert compare_metadata(context, Base.metadata) == []
            tables = set(inspect(connection).get_table_names())
        assert tables == set(Base.metadata.tables) | {"alembic_version"}
    finally:
        db.dispose()


def test_downgrade_and_upgrade_round_trip(database_url: str) -> None:
    db = open_database(database_url)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    finally:
        db.dispose()
    db = open_database(database_url)
    try:
        with db.session() as session:
            get_or_create_project(session, "p", name="n", options={})
    finally:
        db.dispose()


def test_open_twice_keeps_data(database_url: str) -> None:
    first = open_database(database_url)
    with first.session() as session:
        get_or_create_project(session, "p", name="Night Drive", options={})
        save_artifact(session, "p", "brief", data={"mood": "dusk"})
    second = open_database(database_url)
    try:
        with second.session() as session:
            project = get_project(session, "p")
            assert project is not None and project.name == "Night Drive"
    finally:
        first.dispose()
        second.dispose()


def test_two_processes_open_a_fresh_database_at_once(database_url: str) -> None:
    script = (
        "import sys; from storage import open_database; "
        "db = open_database(sys.argv[1]); db.dispose()"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, database_url],
            cwd=REPO_ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.communicate(timeout=60)[1], p.returncode) for p in processes]
    assert [code for _, code in results] == [0, 0], results
    db = open_database(database_url)
    try:
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == _head()
    finally:
        db.dispose()


def test_unreachable_postgres_fails_fast_with_masked_password() -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailableError) as caught:
        open_database("postgresql://alice:s3cret@127.0.0.1:1/storybeat")
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "127.0.0.1:1" in message
    assert "s3cret" not in message
    assert "STORYBEAT_DATABASE_URL" in message


@pytest.mark.parametrize(
    "url", ["not a url", "mysql://u:s3cret@localhost/db", "postgresql+nodriver://u@h/db"]
)
def test_unusable_url_is_refused(url: str) -> None:
    with pytest.raises(DatabaseUnavailableError, match="sqlite:///") as caught:
        open_database(url)
    assert "s3cret" not in str(caught.value)


def test_sqlite_in_unwritable_place_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseUnavailableError, match="a-file"):
        open_database(f"sqlite:///{blocker}/sub/storybeat.db")


def test_sqlite_file_and_parent_folder_are_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "storybeat.db"
    db = open_database(f"sqlite:///{path}")
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()
    assert path.is_file()


def test_in_memory_sqlite_keeps_schema_across_sessions() -> None:
    db = open_database("sqlite://")
    try:
        with db.session() as session:
            get_or_create_project(session, "p", name="n", options={})
        with db.session() as session:
            assert get_project(session, "p") is not None
    finally:
        db.dispose()


def test_fresh_sqlite_file_switches_to_wal_under_concurrent_connects(tmp_path: Path) -> None:
    # SQLite fails a concurrent first switch to WAL at once, ignoring the busy timeout.
    errors: list[BaseException] = []
    for attempt in range(30):
        path = tmp_path / f"{attempt}.db"
        barrier = threading.Barrier(6)

        def connect(path: Path = path, barrier: threading.Barrier = barrier) -> None:
            connection = sqlite3.connect(path, timeout=5, check_same_thread=False)
            try:
                barrier.wait()
                _sqlite_on_connect(connection, None)
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=connect) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
