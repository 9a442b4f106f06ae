"""Staff accounts: creation with a password policy, and argon2 password hashing."""

from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import ROLES, User

MIN_PASSWORD = 8
MAX_PASSWORD = 128
_hasher = PasswordHasher()
__all__ = ["ROLES", "AccountError", "check_password", "create_user", "password_problem"]


class AccountError(ValueError):
    """A staff account could not be created as asked; the message says why."""


def _common_passwords() -> frozenset[str]:
    text = resources.files("survey_app.data").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


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


def create_user(email: str, role: str, password: str) -> User:
    """Create an active account; refuses unknown roles, duplicate emails and weak passwords."""
    email = email.strip()
    if "@" not in email or len(email) > 320:
        raise AccountError("Enter an email address in the correct format, like name@example.org")
    if role not in ROLES:
        raise AccountError(f"Role must be one of: {', '.join(ROLES)}")
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem)
    taken = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if taken is not None:
        raise AccountError(f"An account for {email} already exists")
    user = User(email=email, role=role, password_hash=_hasher.hash(password), active=True)
    db.session.add(user)
    db.session.commit()
    return user


def check_password(user: User, password: str) -> bool:
    """Verify a password against the stored argon2 hash."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
