"""Walk a questionnaire through the plain HTTP test client, as a respondent without JavaScript."""

import re
from html import unescape

from survey_app.questionnaire import (
    LongText,
    MonthYear,
    MultipleChoice,
    Number,
    ShortText,
)
from survey_app.services.questionnaires import find_questionnaire

SLUG = "victims-experience"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token in a page's form."""
    match = CSRF.search(html)
    assert match, "page has no CSRF token"
    return unescape(match.group(1))


def page_id_of(location: str) -> str | None:
    """The page id in a question page URL, or None for other pages."""
    match = re.search(r"/q/([^/?]+)", location)
    return match.group(1) if match else None


def typical_value(question) -> dict[str, list[str]]:
    """A valid answer to any question, as form fields."""
    if isinstance(question, MultipleChoice):
        return {question.name: [str(question.choices[0].value)]}
    if hasattr(question, "choices"):
        return {question.name: [str(question.choices[0].value)]}
    if isinstance(question, MonthYear):
        return {f"{question.name}-month": ["3"], f"{question.name}-year": ["2024"]}
    if isinstance(question, Number):
        return {question.name: [str(question.min if question.min is not None else 1)]}
    if isinstance(question, LongText | ShortText):
        return {question.name: [f"Answer to {question.name}"]}
    raise AssertionError(f"no typical value for {question.type}")


def begin(client, slug: str = SLUG):
    """Open the start page and press Start now; returns the first question page's response."""
    start = client.get(f"/s/{slug}/")
    assert start.status_code == 200
    assert f'href="/s/{slug}/start"' in start.text
    response = client.get(f"/s/{slug}/start")
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def walk(client, app, answer_for=typical_value, slug: str = SLUG, overrides=None):
    """Answer every page until check-your-answers; returns (last response, pages visited)."""
    overrides = overrides or {}
    with app.app_context():
        definition = find_questionnaire(slug).definition
    page = begin(client, slug)
    visited = []
    for _ in range(200):
        page_id = page_id_of(page.request.path)
        if page_id is None:
            return page, visited
        visited.append(page_id)
        data = {"csrf_token": csrf_token(page.text), "action": "continue"}
        for question in definition.page(page_id).questions:
            if question.name in overrides:
                data.update(overrides[question.name])
            elif f'name="{question.name}' in page.text:
                data.update(answer_for(question))
        response = client.post(page.request.path, data=data)
        assert response.status_code == 302, (page_id, response.text[:2000])
        page = client.get(response.headers["Location"])
    raise AssertionError("questionnaire never ended")


def submit(client, check_page):
    """Press 'Send my answers' on the check page; returns the confirmation page."""
    response = client.post(
        check_page.request.path, data={"csrf_token": csrf_token(check_page.text)}
    )
    assert response.status_code == 302, response.text[:1000]
    return client.get(response.headers["Location"])
