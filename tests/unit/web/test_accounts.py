"""Registering and authenticating: one answer for a wrong e-mail or password, rehashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from storage import Database, StorageInputError, create_user, user_by_email
from web.accounts import WrongCredentialsError, authenticate, register
from web.errors import WebInputError


def test_register_then_authenticate_in_any_case(database: Database) -> None:
    user = register(database, "  Ada@Example.COM ", "analytical")
    assert user.email == "ada@example.com"
    assert authenticate(database, "ADA@example.com", "analytical") == user


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ada@example.com", "analyticaL"),  # wrong password
        ("bob@example.com", "analytical"),  # no such account
        ("ada@example.com", "short"),  # cannot be anyone's password
        ("not an address", "analytical"),
    ],
)
def test_wrong_credentials_get_one_message(database: Database, email: str, password: str) -> None:
    register(database, "ada@example.com", "analytical")
    with pytest.raises(WrongCredentialsError, match=r"^e-mail or password is wrong$") as caught:
        authenticate(database, email, password)
    assert caught.value.status == 401


def test_register_refuses_bad_input(database: Database) -> None:
    with pytest.raises(WebInputError, match="password must have 8 to 256 characters"):
        register(database, "ada@example.com", "short")
    register(database, "ada@example.com", "analytical")
    with pytest.raises(StorageInputError, match="already has an account"):
        register(database, "ADA@example.com", "different1")


def test_sign_in_replaces_a_hash_with_older_parameters(database: Database) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("analytical")
    with database.session() as session:
        create_user(session, "ada@example.com", weak)
    authenticate(database, "ada@example.com", "analytical")
    with database.session() as session:
        user = user_by_email(session, "ada@example.com")
        assert user is not None
        renewed = user.password_hash
    assert renewed != weak and renewed.startswith("$argon2id$")
    assert authenticate(database, "ada@example.com", "analytical").email == "ada@example.com"
