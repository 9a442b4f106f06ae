"""Staff accounts: creation with a password policy, argon2 hashing, sign-in and administration."""

import contextlib
import secrets
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select, update

from survey_app.database import committing
from survey_app.extensions import db
from survey_app.models import ROLES, User
from survey_app.services import audit

MIN_PASSWORD = 8
MAX_PASSWORD = 128
__all__ = [
    "ROLES",
    "AccountError",
    "all_users",
    "authenticate",
    "check_password",
    "create_user",
    "end_sessions",
    "find_user",
    "password_problem",
    "session_user",
    "set_active",
    "set_role",
]


@cache
def _hasher_for(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def _hasher() -> PasswordHasher:
    """The argon2id hasher with the configured costs (existing hashes keep their own)."""
    config = current_app.config
    return _hasher_for(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_KIB"], config["ARGON2_PARALLELISM"]
    )


class AccountError(ValueError):
    """A staff account could not be created or changed as asked; the message says why."""


def _common_passwords() -> frozenset[str]:
    text = resources.files("survey_app.data").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


COMMON_PASSWORDS = _common_passwords()


def password_problem(password: str, email: str = "") -> str | None:
    """Say what is wrong with a password, or None when it is acceptable (NIST SP 800-63B)."""
    if len(password) < MIN_PASSWORD:
        return f"Password must be {MIN_PASSWORD} characters or more"
    if len(password) > MAX_PASSWORD:
        return f"Password must be {MAX_PASSWORD} characters or fewer"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or (email and lowered == email.lower()):
        return "Password is too common: choose one that is harder to guess"
    return None


def _find_by_email(email: str) -> User | None:
    """The account with this email in any letter case.

    Compared in Python: SQL's lower() folds only ASCII letters on SQLite (and under a C locale
    on PostgreSQL), so an account such as "name@À.org" could not sign in with its own email.
    Staff accounts are few, so reading them all costs little. casefold, not lower: "ſ" typed in
    capitals is "S", whose lower case is "s".
    """
    wanted = email.strip().casefold()
    accounts = db.session.scalars(select(User))
    return next((u for u in accounts if u.email.casefold() == wanted), None)


def create_user(email: str, role: str, password: str, actor: User | None = None) -> User:
    """Create an active account; refuses unknown roles, duplicate emails and weak passwords.

    Audited with the admin who created it (``actor``; None for the command line).
    """
    email = email.strip()
    # Control characters are never part of an address (and PostgreSQL refuses NUL: a 500).
    if "@" not in email or len(email) > 320 or any(ord(c) < 32 or ord(c) == 127 for c in email):
        raise AccountError("Enter an email address in the correct format, like name@example.org")
    if role not in ROLES:
        raise AccountError(f"Role must be one of: {', '.join(ROLES)}")
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem)
    if _find_by_email(email) is not None:
        raise AccountError(f"An account for {email} already exists")
    user = User(email=email, role=role, password_hash=_hasher().hash(password), active=True)
    with committing():
        db.session.add(user)
        db.session.flush()
        audit.record(actor, "user.create", field=_who(user), new={"role": role, "active": True})
    return user


def _who(user: User) -> str:
    """How the audit trail names an account: its email and id (emails can be reused)."""
    return f"{user.email} (#{user.id})"


def check_password(user: User, password: str) -> bool:
    """Verify a password against the stored argon2 hash."""
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_hashes: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash of a random password, verified for unknown accounts so they take as long."""
    hasher = _hasher()
    if id(hasher) not in _dummy_hashes:
        _dummy_hashes[id(hasher)] = hasher.hash(secrets.token_urlsafe(24))
    return _dummy_hashes[id(hasher)]


def authenticate(email: str, password: str) -> User | None:
    """Return the active account these credentials belong to, or None.

    Unknown, deactivated and wrong-password attempts all cost one argon2 verification, so
    neither the answer nor its timing tells whether an account exists.
    """
    user = _find_by_email(email) if len(email) <= 320 else None
    if user is None or not user.active:
        with contextlib.suppress(VerificationError):
            _hasher().verify(_dummy_hash(), password)
        return None
    if not check_password(user, password):
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        with committing():
            user.password_hash = _hasher().hash(password)
    return user


def session_user(session_id: str) -> User | None:
    """The active account for a session's user id "<id>.<session_version>", or None.

    A cookie from before the last sign-out (or deactivation) carries an older version.
    """
    ident, _, version = session_id.partition(".")
    if not (ident.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def end_sessions(user: User) -> None:
    """Make every session cookie issued to this account useless (sign-out everywhere)."""
    with committing():
        db.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(session_version=User.session_version + 1)
            .execution_options(synchronize_session=False)
        )
    db.session.refresh(user)


def all_users() -> list[User]:
    """Every account, active first, by email."""
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.email)))


def find_user(user_id: int) -> User | None:
    """An account by id, or None."""
    return db.session.get(User, user_id)


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.active.is_(True), User.id != user.id)
    )


def set_role(user: User, role: str, actor: User | None = None) -> None:
    """Change an account's role (audited); the last active admin cannot stop being one."""
    if role not in ROLES:
        raise AccountError(f"Role must be one of: {', '.join(ROLES)}")
    if user.role == "admin" and role != "admin" and _other_active_admins(user) == 0:
        raise AccountError("There must be at least one active admin")
    with committing():
        if role != user.role:
            audit.record(actor, "user.role", field=_who(user), old=user.role, new=role)
        user.role = role


def set_active(user: User, active: bool, actor: User | None = None) -> None:
    """Deactivate (signing the account out everywhere) or reactivate an account; audited."""
    if not active and user.role == "admin" and _other_active_admins(user) == 0:
        raise AccountError("There must be at least one active admin")
    with committing():
        if active != user.active:
            audit.record(actor, "user.active", field=_who(user), old=user.active, new=active)
        user.active = active
        if not active:
            user.session_version += 1
