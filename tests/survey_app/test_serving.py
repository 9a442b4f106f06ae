"""Production serving: `gunicorn 'survey_app:create_app()'` with the shipped gunicorn.conf.py."""

import gc
import http.client
import re
import runpy
import socket
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import text

from survey_app.extensions import db
from survey_app.services.questionnaires import sync_questionnaires
from tests.conftest import PASSWORD, PROJECT_ROOT, empty_tables, make_app, make_user
from tests.survey_app.gunicorn_server import run_gunicorn, server_environment
from tests.survey_app.walker import SLUG, csrf_token

pytestmark = pytest.mark.slow

SENTINEL_AGENT = "SentinelAgent/7.7 (zz-gunicorn-user-agent-271828)"
SENTINEL_REFERRER = "https://sentinel-referrer.example/zz-271828"
SENTINEL_FORWARDED = "198.51.100.213"
# Every address in 127.0.0.0/8 is loopback on Linux: connecting from this one makes the client's
# address something no other log line (such as "Listening at: http://127.0.0.1:...") contains.
CLIENT_ADDRESS = "127.0.0.3"


@pytest.fixture(scope="module")
def served(migrated, tmp_path_factory):
    """One gunicorn (2 workers) over the test database with the shipped questionnaires synced."""
    app = make_app(migrated)
    with app.app_context():
        sync_questionnaires(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
        db.engine.dispose()
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    with run_gunicorn(server_environment(migrated), log_path, workers=2) as server:
        yield server, app
    empty_tables(app)


def request_from_client_address(server, method, path, headers=None, body=None):
    """Send one request from CLIENT_ADDRESS; returns (status, headers, text)."""
    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(
        url.hostname, url.port, timeout=30, source_address=(CLIENT_ADDRESS, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def wait_for_log_line(server, fragment: str, timeout: float = 10.0) -> str:
    """The log once it contains `fragment` (workers write the access line after responding)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = server.log()
        if fragment in log:
            return log
        time.sleep(0.05)
    raise AssertionError(f"{fragment!r} never logged:\n{server.log()}")


def test_gunicorn_serves_the_app_configured_only_from_the_environment(served):
    server, app = served
    status, headers, _ = request_from_client_address(server, "GET", f"/s/{SLUG}/start")
    assert status == 302
    assert "/q/" in headers["Location"]
    session_cookie = headers["Set-Cookie"].split(";")[0]
    # SECRET_KEY from the environment signs the session (another worker may read it back);
    # DATABASE_URL is where the draft went.
    for _ in range(4):
        status, _, page = request_from_client_address(
            server, "GET", headers["Location"], headers={"Cookie": session_cookie}
        )
        assert status == 200
        assert csrf_token(page)
    with app.app_context():
        assert db.session.execute(text("SELECT COUNT(*) FROM draft")).scalar() == 1
        db.session.rollback()


def test_gunicorn_logs_no_client_address_user_agent_or_referrer(served):
    server, _ = served
    sentinels = {
        "User-Agent": SENTINEL_AGENT,
        "Referer": SENTINEL_REFERRER,
        "X-Forwarded-For": SENTINEL_FORWARDED,
        "X-Real-IP": SENTINEL_FORWARDED,
        "Forwarded": f"for={SENTINEL_FORWARDED}",
    }
    for method, path, expected in (
        ("GET", f"/s/{SLUG}/", 200),
        ("GET", "/?zz-query-271828=1", 200),
        ("GET", "/no-such-page-271828", 404),
        ("POST", "/resume", 200),  # no CSRF token: the form comes back with a message
    ):
        status, _, _ = request_from_client_address(server, method, path, headers=sentinels)
        assert status == expected, (method, path)
    # A malformed request makes gunicorn itself write to its error log.
    url = urlsplit(server.url)
    with socket.create_connection(
        (url.hostname, url.port), timeout=10, source_address=(CLIENT_ADDRESS, 0)
    ) as raw:
        raw.sendall(b"NOT-HTTP 271828\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 400")

    wait_for_log_line(server, "Invalid request")
    log = wait_for_log_line(server, '"POST /resume HTTP/1.1" 200')
    assert f'"GET /s/{SLUG}/... HTTP/1.1" 200' in log
    for secret in (
        SENTINEL_AGENT,
        "SentinelAgent",
        SENTINEL_REFERRER,
        "sentinel-referrer",
        SENTINEL_FORWARDED,
        CLIENT_ADDRESS,
        "zz-query-271828",
    ):
        assert secret not in log


def _sign_in_over(server, address, headers):
    """GET the sign-in page and POST the form from `address`; returns (page headers, status)."""
    url = urlsplit(server.url)

    def send(method, path, extra=None, body=None):
        connection = http.client.HTTPConnection(
            url.hostname, url.port, timeout=30, source_address=(address, 0)
        )
        try:
            connection.request(method, path, body=body, headers={**headers, **(extra or {})})
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode()
        finally:
            connection.close()

    _, page_headers, page = send("GET", "/staff/login")
    cookie = page_headers["Set-Cookie"].split(";")[0]
    body = urlencode({"csrf_token": csrf_token(page), "email": STAFF_EMAIL, "password": PASSWORD})
    status, _, _ = send(
        "POST",
        "/staff/login",
        {
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{url.netloc}",
        },
        body,
    )
    return page_headers, status


STAFF_EMAIL = "https-keyer@example.org"


def test_staff_sign_in_works_over_https_behind_the_trusted_proxy_only(served):
    """TLS ends at a proxy on this host, which says so in X-Forwarded-Proto: staff forms work
    (they used to get 400 for want of a Referer) and HSTS is sent. The same header from any
    other address is ignored: the request is plain HTTP, and an https Origin is foreign."""
    server, app = served
    make_user(app, "entry", email=STAFF_EMAIL)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.77"}
    page_headers, status = _sign_in_over(server, "127.0.0.1", forwarded)
    assert "max-age=" in page_headers["Strict-Transport-Security"]
    assert status == 302
    page_headers, status = _sign_in_over(server, CLIENT_ADDRESS, forwarded)
    assert "Strict-Transport-Security" not in page_headers
    assert status == 403
    assert "198.51.100.77" not in server.log()


def test_several_workers_without_a_shared_store_are_refused_in_production(migrated, tmp_path):
    env = server_environment(migrated)
    del env["SURVEY_PER_WORKER_LIMITS"]
    env.pop("REDIS_URL", None)
    refused = run_gunicorn(env, tmp_path / "refused.log", workers=2, timeout=30)
    with pytest.raises(RuntimeError, match=r"did not start|never became ready"), refused:
        pass
    assert "Refusing to start: 2 workers and no REDIS_URL" in (tmp_path / "refused.log").read_text()
    with run_gunicorn(env, tmp_path / "one.log", workers=1) as server:
        assert server.url
    env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    with run_gunicorn(env, tmp_path / "redis.log", workers=2) as server:
        assert server.url


def test_overlong_and_broken_requests_get_a_client_error_and_no_traceback(served):
    server, _ = served
    status, _, _ = request_from_client_address(
        server, "GET", "/", headers={"X-Padding": "a" * 20_000}
    )
    assert status in (400, 431)
    status, _, _ = request_from_client_address(server, "GET", "/" + "a" * 10_000)
    assert status in (400, 404, 414)
    status, _, _ = request_from_client_address(
        server,
        "POST",
        "/resume",
        headers={"Content-Type": "multipart/form-data; boundary=zz", "Content-Length": "9"},
        body=b"--zz\r\nbro",
    )
    assert status < 500
    assert "Traceback" not in server.log()


ACCESS_LINE = re.compile(r'^(\[[^]]*\]) "(\S+) (\S+) HTTP/1\.1" (\d{3}) (\S+) ', re.MULTILINE)


def access_lines(log: str) -> list[tuple[str, str, str, str, str]]:
    """(time, method, path, status, bytes) of every access-log line."""
    return ACCESS_LINE.findall(log)


def test_access_log_tells_the_hour_and_no_respondent_page(served):
    """Routing reveals answers (/q/why_not_reported), /check is a submission: none of it logged,
    and no line is timed closer than the hour."""
    server, _ = served
    status, headers, _ = request_from_client_address(server, "GET", f"/s/{SLUG}/start")
    cookie = {"Cookie": headers["Set-Cookie"].split(";")[0]}
    first_page = headers["Location"]
    page_id = first_page.rsplit("/", 1)[1]
    status, headers, page = request_from_client_address(server, "GET", first_page, cookie)
    assert status == 200
    assert "Set-Cookie" not in headers  # /start's cookie already holds the CSRF token
    form = urlencode({"csrf_token": csrf_token(page), "action": "continue"})
    posted = {**cookie, "Content-Type": "application/x-www-form-urlencoded"}
    status, headers, _ = request_from_client_address(server, "POST", first_page, posted, form)
    assert status == 302
    second_page = headers["Location"]
    for method, path in (
        ("GET", second_page),
        ("GET", f"/s/{SLUG}/q/why_not_reported"),
        ("GET", f"/s/{SLUG}/check"),
        ("GET", f"/s/{SLUG}/done"),
        ("GET", "/zz-page-271828/why_not_reported"),
        ("GET", "/support"),
        ("GET", "/staff/login"),
        ("GET", "/healthz"),
    ):
        request_from_client_address(server, method, path, headers=cookie)

    log = wait_for_log_line(server, '"GET /healthz HTTP/1.1" 200')
    lines = access_lines(log)
    assert len(lines) >= 11
    paths = {path for _, _, path, _, _ in lines}
    for respondent_page in (page_id, second_page.rsplit("/", 1)[1], "why_not_reported"):
        assert respondent_page not in log
    for hidden in ("/q/", "/start", "/check", "/done", "zz-page-271828"):
        assert not any(hidden in path for path in paths), hidden
    assert {f"/s/{SLUG}/...", "/...", "/support", "/staff/login", "/healthz"} <= paths
    assert ("POST", f"/s/{SLUG}/...") in {(method, path) for _, method, path, _, _ in lines}
    for when, _, path, _, size in lines:
        assert re.fullmatch(r"\[\d{4}-\d\d-\d\dT\d\d UTC\]", when), when
        # A page's size would tell which page it was, or which services the confirmation named.
        assert (size == "-") == (path in (f"/s/{SLUG}/...", "/...")), (path, size)


def test_respondent_path_keeps_only_staff_files_health_and_fixed_pages():
    respondent_path = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))["respondent_path"]
    for kept in ("/", "/resume", "/exit", "/support", "/privacy", "/accessibility", "/healthz"):
        assert respondent_path(kept) == kept
    for kept in ("/staff/", "/staff/entry/VES-000123-4", "/research/", "/static/app.css"):
        assert respondent_path(kept) == kept
    assert respondent_path("/assets/images/favicon.ico") == "/assets/images/favicon.ico"
    for path in (f"/s/{SLUG}/", f"/s/{SLUG}/q/why_not_reported", f"/s/{SLUG}/done", f"/s/{SLUG}"):
        assert respondent_path(path) == f"/s/{SLUG}/..."
    for path in ("/staffing", "/healthz/x", "/s/Not A Slug/q/x", "/favicon.ico", "/x\n/staff/"):
        assert respondent_path(path) == "/...", path


def test_workers_are_forked_with_the_masters_objects_frozen():
    hooks = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        hooks["pre_fork"](None, None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_master_compiles_templates_and_parses_questionnaires_before_forking(app, synced):
    from survey_app.services.questionnaires import find_questionnaire
    from survey_app.warm_up import warm_up

    warm_up(app)
    with app.app_context():
        version_id = find_questionnaire(SLUG).version.id
    assert version_id in app.extensions["survey_published_versions"]
    cached = {name for _, name in app.jinja_env.cache}
    assert {"respond/question.html", "govuk_frontend_jinja/components/radios/macro.html"} <= cached
    with app.app_context():
        assert db.engine.pool.checkedout() == 0  # no connection kept for the workers to share


def test_warming_up_without_a_database_leaves_the_parsing_to_the_workers(tmp_path, caplog):
    from survey_app.warm_up import warm_up

    app = make_app(f"sqlite:///{tmp_path / 'missing' / 'survey.db'}")
    warm_up(app)
    assert "not parsed before forking" in caplog.text
