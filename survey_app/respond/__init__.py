"""Blueprint for anonymous respondents: no login, no tracking, a quick exit on every page."""

from flask import Blueprint

bp = Blueprint("respond", __name__)
bp.public = True  # read by the route-classification test

from survey_app.respond import views  # noqa: E402,F401  (registers the routes)
