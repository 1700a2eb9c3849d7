"""Password rules and argon2id hashing (argon2-cffi's recommended parameters)."""

from __future__ import annotations

import functools
import logging
import secrets
from typing import TYPE_CHECKING

from web.errors import WebInputError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

logger = logging.getLogger(__name__)

MIN_LENGTH = 8
MAX_LENGTH = 256


def is_acceptable(password: object) -> bool:
    """Whether ``password`` is a string of MIN_LENGTH to MAX_LENGTH characters."""
    return isinstance(password, str) and MIN_LENGTH <= len(password) <= MAX_LENGTH


def check_password(password: str) -> str:
    """Return ``password`` if it follows the rules, else WebInputError naming the rule."""
    if not is_acceptable(password):
        count = len(password) if isinstance(password, str) else "no"
        raise WebInputError(
            f"password must have {MIN_LENGTH} to {MAX_LENGTH} characters; it has {count}"
        )
    return password


@functools.cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """Return the argon2id hash (PHC string) of ``password``, after checking the rules."""
    return _hasher().hash(check_password(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; a malformed hash never matches."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, password)
    except VerificationError:
        return False
    except InvalidHashError:
        logger.warning("stored password hash is not an argon2 hash; the sign-in is refused")
        return False


def verify_dummy(password: str) -> None:
    """Spend the time of one verification, for an e-mail that has no account."""
    verify_password(_dummy_hash(), password)


def needs_rehash(password_hash: str) -> bool:
    """Whether ``password_hash`` was made with other parameters than today's."""
    from argon2.exceptions import InvalidHashError

    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
