"""Unauthenticated status endpoint for load balancers: no cookies, no session."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from survey_app.extensions import db, limiter

bp = Blueprint("status", __name__)
bp.public = True  # read by the route-classification test


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Answer {"status": "ok"} when the database is reachable, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
