"""The local PostgreSQL server (127.0.0.1:5432, database ``test``) for tests, or a skip."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

POSTGRES_USERS = ("postgres", "root")
POSTGRES_SERVER = "postgresql+psycopg://{user}@127.0.0.1:5432/test"


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
