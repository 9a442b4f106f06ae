"""More than one app server: two gunicorn instances share nothing but PostgreSQL and Redis."""

import http.client
import os
import re
import secrets
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import redis

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services.questionnaires import find_questionnaire, sync_questionnaires
from tests.conftest import empty_tables, make_app
from tests.survey_app.gunicorn_server import run_gunicorn, server_environment
from tests.survey_app.test_concurrency import Browser
from tests.survey_app.walker import SLUG, csrf_token, page_id_of, typical_value

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("TEST_DATABASE", "sqlite") != "postgresql",
        reason="several servers share PostgreSQL (the SQLite file belongs to one host)",
    ),
]
REDIS_URL = "redis://127.0.0.1:6379/0"
RESUME_LIMIT = 3


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def two_servers(migrated, tmp_path_factory):
    """Two gunicorns (2 workers each) on different ports over one database and one Redis."""
    if not _redis_up():
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    app = make_app(migrated)
    with app.app_context():
        sync_questionnaires(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
        db.engine.dispose()
    env = server_environment(
        migrated,
        REDIS_URL=REDIS_URL,
        FLASK_RATELIMIT_KEY_PREFIX=f"test-scale-{secrets.token_hex(4)}",
        FLASK_RESUME_ATTEMPTS_PER_HOUR=str(RESUME_LIMIT),
    )
    del env["SURVEY_PER_WORKER_LIMITS"]  # Redis is the shared store: no exception needed
    folder = tmp_path_factory.mktemp("scale-out")
    with (
        run_gunicorn(env, folder / "a.log", workers=2) as first,
        run_gunicorn(env, folder / "b.log", workers=2) as second,
    ):
        yield first, second, app
    empty_tables(app)


def answer_page(browser: Browser, definition, location: str) -> str:
    page = browser.request("GET", location)
    data = {"csrf_token": csrf_token(page.text), "action": "continue"}
    for question in definition.page(page_id_of(location)).questions:
        data.update(typical_value(question))
    answered = browser.request("POST", location, data)
    assert answered.status == 302, answered.text[:500]
    return answered.location


def test_a_respondent_starts_on_one_server_and_finishes_on_the_other(two_servers):
    first, second, app = two_servers
    with app.app_context():
        definition = find_questionnaire(SLUG).definition
        before = db.session.query(Response).count()
        db.session.rollback()
    on_first = Browser(first.url)
    location = on_first.request("GET", f"/s/{SLUG}/start").location
    location = answer_page(on_first, definition, location)
    # The load balancer sends the next requests to the other server, same cookie.
    on_second = Browser(second.url, cookie=on_first.cookie)
    while page_id_of(location) is not None:
        location = answer_page(on_second, definition, location)
    check = on_second.request("GET", location)
    sent = on_second.request("POST", location, {"csrf_token": csrf_token(check.text)})
    assert sent.status == 302 and sent.location.endswith("/done")
    with app.app_context():
        assert db.session.query(Response).count() == before + 1
        db.session.rollback()


def test_a_resume_code_saved_on_one_server_works_on_the_other(two_servers):
    first, second, _ = two_servers
    on_first = Browser(first.url)
    location = on_first.request("GET", f"/s/{SLUG}/start").location
    save_page = on_first.request("GET", f"/s/{SLUG}/save")
    saved = on_first.request("POST", f"/s/{SLUG}/save", {"csrf_token": csrf_token(save_page.text)})
    code = re.search(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}", saved.text).group(0)
    elsewhere = Browser(second.url)  # another device, another server
    form = elsewhere.request("GET", "/resume")
    data = {"csrf_token": csrf_token(form.text), "code": code}
    resumed = elsewhere.request("POST", "/resume", data)
    assert resumed.status == 302
    assert resumed.location == location


def test_a_rate_limit_reached_on_one_server_counts_on_the_other(two_servers):
    first, second, _ = two_servers
    # A client address of its own (every 127.x address is loopback), so that no other test's
    # requests count against it.
    address = "127.0.0.5"

    def wrong_code(server) -> int:
        parts = urlsplit(server.url)
        browser = Browser(server.url)
        form = browser.request("GET", "/resume")
        body = urlencode({"csrf_token": csrf_token(form.text), "code": "AAAAA-AAAAA-AAAAA"})
        connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=30, source_address=(address, 0)
        )
        try:
            headers = {
                "Cookie": browser.cookie,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            connection.request("POST", "/resume", body=body, headers=headers)
            return connection.getresponse().status
        finally:
            connection.close()

    statuses = [wrong_code(first) for _ in range(RESUME_LIMIT - 1)]
    statuses.append(wrong_code(second))
    assert statuses == [200] * RESUME_LIMIT
    assert wrong_code(second) == 429
    assert wrong_code(first) == 429
