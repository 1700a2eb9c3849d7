"""Studio accounts and their sign-in sessions; every function takes a Session first."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.errors import StorageInputError
from storage.models import User, WebSession, utcnow

logger = logging.getLogger(__name__)

MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def normalise_email(email: str) -> str:
    """Return ``email`` stripped and in lower case, or StorageInputError if implausible."""
    if not isinstance(email, str):
        raise StorageInputError(f"email={email!r} must be a string")
    normalised = email.strip().lower()
    if len(normalised) > MAX_EMAIL_LENGTH:
        raise StorageInputError(
            f"email={email[:40]!r}… has {len(normalised)} characters; "
            f"at most {MAX_EMAIL_LENGTH} are allowed"
        )
    if not _EMAIL.fullmatch(normalised):
        raise StorageInputError(f"email={email!r} is not an e-mail address like name@example.com")
    return normalised


def _check_token_hash(token_hash: str) -> str:
    if not isinstance(token_hash, str) or not _SHA256.fullmatch(token_hash):
        raise StorageInputError(f"token_hash={token_hash!r} must be 64 lower-case hex chars")
    return token_hash


# -- users --------------------------------------------------------------------------------------


def create_user(session: Session, email: str, password_hash: str) -> User:
    """Add an account; ``email`` is stored stripped and in lower case.

    Raises StorageInputError when the address is implausible or already has an account
    (in any letter case), also when two sign-ups for it race.
    """
    email = normalise_email(email)
    if not isinstance(password_hash, str) or not 0 < len(password_hash) <= 255:
        raise StorageInputError("password_hash must be a non-empty string of at most 255 chars")
    taken = StorageInputError(f"email={email!r} already has an account; sign in instead")
    if user_by_email(session, email) is not None:
        raise taken
    user = User(email=email, password_hash=password_hash, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        raise taken from None
    logger.info("account %d created", user.id)
    return user


def user_by_email(session: Session, email: str) -> User | None:
    """Return the account of ``email`` (any letter case, surrounding spaces ignored), or None."""
    if not isinstance(email, str):
        return None
    return session.scalars(select(User).where(User.email == email.strip().lower())).first()


def get_user(session: Session, user_id: int) -> User | None:
    """Return the account ``user_id``, or None."""
    return session.get(User, user_id)


def set_password_hash(session: Session, user_id: int, password_hash: str) -> None:
    """Replace the stored hash of ``user_id`` (after a rehash with newer parameters)."""
    user = session.get(User, user_id)
    if user is None:
        raise StorageInputError(f"user_id={user_id!r} does not exist")
    user.password_hash = password_hash


# -- sessions -----------------------------------------------------------------------------------


def create_web_session(
    session: Session, user_id: int, token_hash: str, csrf_token: str, expires_at: datetime
) -> WebSession:
    """Record a signed-in browser by the sha256 of its cookie token, valid until ``expires_at``."""
    _check_token_hash(token_hash)
    if not isinstance(csrf_token, str) or not 0 < len(csrf_token) <= 64:
        raise StorageInputError("csrf_token must be a non-empty string of at most 64 chars")
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise StorageInputError(f"expires_at={expires_at!r} must be a timezone-aware datetime")
    if session.get(User, user_id) is None:
        raise StorageInputError(f"user_id={user_id!r} does not exist")
    row = WebSession(
        token_hash=token_hash,
        user_id=user_id,
        csrf_token=csrf_token,
        created_at=utcnow(),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row


def web_session(
    session: Session, token_hash: str, *, now: datetime | None = None
) -> WebSession | None:
    """Return the session of ``token_hash``, or None if there is none or it has expired."""
    if not isinstance(token_hash, str) or not _SHA256.fullmatch(token_hash):
        return None
    row = session.get(WebSession, token_hash)
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return row


def delete_web_session(session: Session, token_hash: str) -> bool:
    """Forget the session of ``token_hash``; return whether there was one."""
    if not isinstance(token_hash, str) or not _SHA256.fullmatch(token_hash):
        return False
    result = session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))
    return bool(getattr(result, "rowcount", 0))


def delete_expired_sessions(session: Session, *, now: datetime | None = None) -> int:
    """Delete every session past its expiry; return how many went."""
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= (now or utcnow())))
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        logger.debug("%d expired web sessions deleted", count)
    return count
