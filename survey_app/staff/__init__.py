"""Blueprint for staff (admin and data entry): sign-in, paper entry, double entry, batches."""

from flask import Blueprint

from survey_app.auth import require_role, staff_context

bp = Blueprint("staff", __name__, url_prefix="/staff")
# Access rule: admin and entry staff only; signing in and out are open to anyone.
bp.before_request(require_role("admin", "entry", public=("staff.login", "staff.logout")))
bp.context_processor(staff_context)

# Modules that add routes (corrections adds its routes to admin.bp, so it comes before that).
from survey_app.staff import admin, corrections, entry, paper_views, views  # noqa: E402,F401

bp.register_blueprint(admin.bp)
