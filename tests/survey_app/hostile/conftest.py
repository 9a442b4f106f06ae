"""Hypothesis settings for the hostile-input tests, and an app shared by a test's examples.

Two profiles: "short" (the default, run by `make test`) and "thorough" (1,000 examples per
form), chosen with HYPOTHESIS_PROFILE=thorough. Examples run against the real database of the
test run; one app (and its tables) serves every example of a test, emptied afterwards.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.conftest import CheckedClient, empty_tables, make_app

_COMMON = {
    "deadline": None,  # a shared 2-core machine: time per example says nothing here
    # One app and one respondent serve all of a test's examples, on purpose (see module doc).
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "print_blob": True,
}
# make test runs the same 40 examples each time (a failure found there can be run again); the
# thorough profile draws new ones on every run to find more.
settings.register_profile("short", max_examples=40, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "short"))


@pytest.fixture
def hostile_app(migrated):
    """An app over the migrated database with the shipped questionnaires; emptied afterwards."""
    from datetime import date
    from pathlib import Path

    from survey_app.services.definitions import sync_definitions

    app = make_app(migrated)
    app.test_client_class = CheckedClient
    with app.app_context():
        sync_definitions(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
    yield app
    empty_tables(app)
