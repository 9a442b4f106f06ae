"""Staff sign-in plumbing: how Flask-Login finds the signed-in user."""

from survey_app.extensions import db, login_manager
from survey_app.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Return the active account for a session's user id, or None."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None
