"""Signing up and checking credentials, over storage.accounts and web.passwords."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from storage import create_user, set_password_hash, user_by_email
from web import passwords
from web.errors import WebError
from web.security import UserPublic

if TYPE_CHECKING:
    from storage import Database

logger = logging.getLogger(__name__)


class WrongCredentialsError(WebError):
    """The e-mail has no account or the password does not match (never said which)."""

    status = 401

    def __init__(self) -> None:
        super().__init__("e-mail or password is wrong")


def register(db: Database, email: str, password: str) -> UserPublic:
    """Create an account; WebInputError for a bad password, StorageInputError for the e-mail."""
    password_hash = passwords.hash_password(password)
    with db.session() as session:
        user = create_user(session, email, password_hash)
        return UserPublic(id=user.id, email=user.email)


def authenticate(db: Database, email: str, password: str) -> UserPublic:
    """The account of ``email`` if ``password`` is its password, else WrongCredentialsError.

    An unknown e-mail costs one verification too, so timing does not tell which was wrong; a
    hash made with older parameters is replaced.
    """
    if not passwords.is_acceptable(password):
        raise WrongCredentialsError()
    with db.session() as session:
        user = user_by_email(session, email)
        found = (user.id, user.email, user.password_hash) if user is not None else None
    if found is None:
        passwords.verify_dummy(password)
        logger.info("sign-in refused: no such account")
        raise WrongCredentialsError()
    user_id, user_email, password_hash = found
    if not passwords.verify_password(password_hash, password):
        logger.info("sign-in refused for user %d: wrong password", user_id)
        raise WrongCredentialsError()
    if passwords.needs_rehash(password_hash):
        with db.session() as session:
            set_password_hash(session, user_id, passwords.hash_password(password))
        logger.info("password hash of user %d renewed", user_id)
    return UserPublic(id=user_id, email=user_email)
