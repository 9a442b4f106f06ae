"""Malformed requests get a 4xx answer, never a 500: huge and negative ids, invalid UTF-8, broken
multipart, wrong content types, on every route that takes a POST, signed in as an admin."""

import logging
import re

import pytest

from tests.conftest import make_user, sign_in

HUGE_IDS = ("9223372036854775808", "99999999999999999999999999", "-1")
BODIES = (
    ("application/x-www-form-urlencoded", b"serial=\xff\xfe&email=\xc3\x28&note=%ff%fe%00"),
    ("multipart/form-data; boundary=xx", b"--xx\r\nContent-Disposition: form-data; name="),
    ("multipart/form-data", b"no boundary at all"),
    ("application/json", b'{"role": "admin"}'),
    ("text/plain", b"\x00\x01\x02"),
    ("application/x-www-form-urlencoded", b"a=" + b"%" * 5000),
)


ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")


def fill(rule: str, number: str = "1", text: str = "x") -> str:
    """The rule's path with `number` for each <int:...> argument and `text` for the others."""
    return ARGUMENT.sub(lambda match: number if match.group(1) == "int" else text, rule)


def post_paths(app) -> list[str]:
    """Every route that takes a POST, with plausible values for its arguments."""
    rules = app.url_map.iter_rules()
    return sorted({fill(rule.rule) for rule in rules if "POST" in (rule.methods or ())})


@pytest.fixture
def admin(app, client, synced):
    _, email = make_user(app, "admin")
    assert sign_in(client, email).status_code == 302
    return client


def test_ids_no_database_column_can_hold_are_not_found(app, admin, caplog):
    caplog.set_level(logging.ERROR)
    int_rules = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert int_rules, "no route takes a numeric id any more: drop this test"
    for rule in int_rules:
        for value in HUGE_IDS:
            path = fill(rule.rule, number=value)
            assert admin.get(path).status_code == 404, path
    assert "Traceback" not in caplog.text and "Unexpected error" not in caplog.text


def test_malformed_bodies_on_every_post_route_get_a_client_error(app, admin, caplog):
    caplog.set_level(logging.ERROR)
    paths = post_paths(app)
    assert len(paths) > 10
    for path in paths:
        for content_type, body in BODIES:
            status = admin.post(path, data=body, content_type=content_type).status_code
            assert status < 500, (path, content_type, status)
    assert "Unexpected error" not in caplog.text


def test_a_body_over_the_size_limit_is_refused_with_413(app, client, synced):
    body = b"a=" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post("/resume", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


#: Hostile text for a path segment or query value, percent-encoded as a client would send it.
HOSTILE = ("%ff%fe", "%c3%28", "%00", "a%00b", "%ed%a0%80", "%e2%80%ae", "9" * 4400, "%25")
SLUG = "victims-experience"
NAMED = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def fill_named(rule: str, value: str) -> list[str]:
    """The rule's path with `value` in every text argument, and also with the real
    questionnaire in <slug> and `value` in the others, so the views behind it are reached."""

    def with_slug(real_slug: bool):
        def one(match):
            converter, name = match.group(1), match.group(2)
            if converter == "int":
                return "1"
            if converter == "any":
                return re.search(r"\(([^,)]+)", match.group(0)).group(1).strip()
            return SLUG if real_slug and name == "slug" else value

        return NAMED.sub(one, rule)

    return sorted({with_slug(False), with_slug(True)})


def routes(app, method: str) -> list[str]:
    return sorted(
        {rule.rule for rule in app.url_map.iter_rules() if method in (rule.methods or ())}
    )


def test_invalid_utf8_and_nul_in_every_path_get_a_client_error(app, admin, caplog):
    caplog.set_level(logging.ERROR)
    checked = 0
    for method in ("GET", "POST"):
        for rule in routes(app, method):
            if "<" not in rule:
                continue
            for value in HOSTILE:
                for path in fill_named(rule, value):
                    status = admin.open(path, method=method).status_code
                    assert status < 500, (method, path[:200], status)
                    checked += 1
    assert checked > 100
    assert "Traceback" not in caplog.text and "Unexpected error" not in caplog.text


QUERY_NAMES = (
    "page",
    "stage",
    "theme",
    "serial",
    "next",
    "notice",
    "reason",
    "version",
    "date_from",
    "date_to",
    "crime_type",
    "area",
    "channel",
    "source",
    "questionnaire",
    "return_to",
    "saved",
    "outcome",
    "created",
    "action",
    "person",
)


def test_invalid_utf8_and_nul_in_query_strings_get_a_client_error(app, admin, caplog):
    caplog.set_level(logging.ERROR)
    for rule in routes(app, "GET"):
        for path in fill_named(rule, "x") if "<" in rule else [rule]:
            for value in HOSTILE:
                query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
                status = admin.get(f"{path}?{query}&{value}={value}").status_code
                assert status < 500, (path, value[:20], status)
    assert "Traceback" not in caplog.text and "Unexpected error" not in caplog.text


COOKIES = (
    "session=\xff\xfe",  # bytes that are not UTF-8
    "session=.eJyrVkrLz1eyUkpKLFKqBQApRgUj.garbage.sig",
    "session=" + "a" * 3000,
    "session=%00",
    "session",
    "=;=;session=;session=x",
    "\x00=\x00",
)


@pytest.mark.parametrize("cookie", COOKIES)
def test_broken_cookies_are_ignored(app, synced, cookie, caplog):
    caplog.set_level(logging.ERROR)
    client = app.test_client()
    for path in ("/", f"/s/{SLUG}/", f"/s/{SLUG}/start", f"/s/{SLUG}/check", "/staff/login"):
        response = client.get(path, headers={"Cookie": cookie})
        assert response.status_code < 500, (path, response.status_code)
    response = client.post(
        "/staff/login", data={"email": "a@b.org", "password": "x"}, headers={"Cookie": cookie}
    )
    assert response.status_code < 500
    assert "Traceback" not in caplog.text and "Unexpected error" not in caplog.text
