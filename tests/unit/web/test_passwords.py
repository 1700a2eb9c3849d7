"""Password rules and argon2id hashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from web.errors import WebInputError
from web.passwords import check_password, hash_password, needs_rehash, verify_password


def test_hash_is_argon2id_and_verifies() -> None:
    password_hash = hash_password("correct horse")
    assert password_hash.startswith("$argon2id$")
    assert "correct horse" not in password_hash
    assert verify_password(password_hash, "correct horse")
    assert not verify_password(password_hash, "correct horsE")
    assert not verify_password(password_hash, "")
    assert hash_password("correct horse") != password_hash  # salted


@pytest.mark.parametrize("password", ["1234567", "", "x" * 257])
def test_length_rules_name_the_rule(password: str) -> None:
    with pytest.raises(WebInputError, match="8 to 256 characters") as caught:
        hash_password(password)
    assert caught.value.status == 400


@pytest.mark.parametrize("password", ["12345678", "x" * 256, "pässwörd ✓"])
def test_lengths_at_the_limits_are_fine(password: str) -> None:
    assert check_password(password) == password
    assert verify_password(hash_password(password), password)


def test_malformed_hash_never_matches() -> None:
    assert not verify_password("not a hash", "whatever1")
    assert needs_rehash("not a hash")


def test_needs_rehash_for_older_parameters() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("secret-123")
    assert verify_password(weak, "secret-123")
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("secret-123"))
