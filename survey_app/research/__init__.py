"""Blueprint for researchers: coding workspace, focus groups, summaries, exports."""

from flask import Blueprint, render_template

from survey_app.auth import require_role, staff_context

bp = Blueprint("research", __name__, url_prefix="/research")
# Access rule: researchers and admins only.
bp.before_request(require_role("researcher", "admin"))
bp.context_processor(staff_context)


@bp.get("/")
def index():
    """Research home (the research issues add the workspace here)."""
    return render_template("research/index.html")
