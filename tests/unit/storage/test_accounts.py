"""Accounts and sign-in sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from storage import (
    Database,
    StorageInputError,
    WebSession,
    create_user,
    create_web_session,
    delete_expired_sessions,
    delete_web_session,
    get_user,
    user_by_email,
    web_session,
)
from storage.models import utcnow

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_email_is_stored_normalised_and_found_in_any_case(database: Database) -> None:
    with database.session() as session:
        user = create_user(session, "  Ada.Lovelace@Example.COM\n", HASH)
        assert user.email == "ada.lovelace@example.com"
        assert user.created_at.tzinfo is not None
    with database.session() as session:
        found = user_by_email(session, "ADA.lovelace@example.com ")
        assert found is not None and found.id == user.id
        assert get_user(session, user.id) == found
        assert user_by_email(session, "bob@example.com") is None
        assert get_user(session, 999) is None


@pytest.mark.parametrize("again", ["ada@example.com", "ADA@Example.com", " ada@example.com "])
def test_an_email_has_one_account_whatever_its_case(database: Database, again: str) -> None:
    with database.session() as session:
        create_user(session, "Ada@example.com", HASH)
    taken = "'ada@example.com' already has an account"
    with pytest.raises(StorageInputError, match=taken), database.session() as session:
        create_user(session, again, HASH)
    with database.session() as session:  # the first account is untouched
        assert user_by_email(session, "ada@example.com") is not None


@pytest.mark.parametrize(
    "email", ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "a@b@c.com"]
)
def test_implausible_addresses_are_refused(database: Database, email: str) -> None:
    with (
        pytest.raises(StorageInputError, match="is not an e-mail address"),
        database.session() as s,
    ):
        create_user(s, email, HASH)


def test_addresses_longer_than_254_are_refused(database: Database) -> None:
    longest = "a" * 64 + "@" + "b" * 185 + ".com"
    assert len(longest) == 254
    with database.session() as session:
        create_user(session, longest, HASH)
    with pytest.raises(StorageInputError, match="at most 254"), database.session() as session:
        create_user(session, "x" + longest, HASH)


def test_sessions_expire(database: Database) -> None:
    now = utcnow()
    live, old = _token_hash("live"), _token_hash("old")
    with database.session() as session:
        user = create_user(session, "ada@example.com", HASH)
        create_web_session(session, user.id, live, "csrf-live", now + timedelta(days=1))
        create_web_session(session, user.id, old, "csrf-old", now - timedelta(seconds=1))
    with database.session() as session:
        found = web_session(session, live)
        assert found is not None and found.user_id == user.id and found.csrf_token == "csrf-live"
        assert web_session(session, old) is None
        assert web_session(session, live, now=now + timedelta(days=2)) is None
        assert web_session(session, _token_hash("never")) is None
        assert web_session(session, "not a hash") is None
    with database.session() as session:
        assert delete_expired_sessions(session) == 1
        assert session.get(WebSession, old) is None
        assert session.get(WebSession, live) is not None


def test_deleted_sessions_are_gone(database: Database) -> None:
    token = _token_hash("t")
    with database.session() as session:
        user = create_user(session, "ada@example.com", HASH)
        create_web_session(session, user.id, token, "csrf", utcnow() + timedelta(days=1))
    with database.session() as session:
        assert delete_web_session(session, token)
        assert not delete_web_session(session, token)
        assert web_session(session, token) is None


def test_session_input_is_checked(database: Database) -> None:
    later = utcnow() + timedelta(days=1)
    with database.session() as session:
        user = create_user(session, "ada@example.com", HASH)
    with pytest.raises(StorageInputError, match="token_hash"), database.session() as session:
        create_web_session(session, user.id, "raw-token", "csrf", later)
    with (
        pytest.raises(StorageInputError, match="user_id=42 does not exist"),
        database.session() as s,
    ):
        create_web_session(s, 42, _token_hash("t"), "csrf", later)
    with pytest.raises(StorageInputError, match="timezone-aware"), database.session() as session:
        create_web_session(session, user.id, _token_hash("t"), "csrf", later.replace(tzinfo=None))
