"""Staff accounts: admins, data-entry staff and researchers."""

from flask_login import UserMixin
from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base

ROLES = ("admin", "entry", "researcher")


class User(UserMixin, Base):
    """A member of staff who signs in; respondents never have accounts."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the id kept in the session cookie: bumping it (sign-out, deactivation) makes every
    # cookie issued before useless, although Flask's sessions live only on the client.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    def get_id(self) -> str:
        """The session's user id: "<id>.<session_version>" (see services.users.session_user)."""
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        """Deactivated accounts cannot sign in (Flask-Login reads this)."""
        return bool(self.active)
