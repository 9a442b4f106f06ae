"""A research officer keys a whole paper form with the keyboard alone (serial, every question in
the paper's order, one answer illegible and one with several boxes ticked), a colleague keys it
blind with one difference, and the officer settles it by keyboard; the final response exists,
focus is always visible, and Tab follows the paper's question order."""

import pytest
from werkzeug.datastructures import MultiDict

from survey_app.extensions import db
from survey_app.models import PaperCopy, Response
from survey_app.questionnaire.answers import AnswerState
from tests.conftest import make_user
from tests.survey_app.browser.conftest import new_page, open_context
from tests.survey_app.browser.journey import definition_of
from tests.survey_app.browser.keyboard import KeyboardUser, keyboard_value
from tests.survey_app.browser.staff_journey import printed_copy, sign_in

pytestmark = pytest.mark.browser

ILLEGIBLE = "state:illegible"
SEVERAL = "state:multiple"


def paper_form(definition) -> tuple[dict[str, list[str]], dict[str, str]]:
    """What a respondent wrote, as keying-form fields: the routing followed, the last option of
    every choice (so arrow keys are used), the first free-text answer illegible and the first
    single choice with several boxes ticked. Also returns the state expected per question."""
    fields: dict[str, list[str]] = {}
    states: dict[str, str] = {}
    answers = {}
    for question in definition.questions:
        if not definition.is_relevant(question, answers):
            continue
        value = keyboard_value(question)
        answers[question.name] = question.parse(MultiDict(value))
        if question.type == "long_text" and AnswerState.ILLEGIBLE not in states.values():
            fields[f"{question.name}-state"] = [ILLEGIBLE]
            states[question.name] = AnswerState.ILLEGIBLE
        elif question.type == "single_choice" and AnswerState.MULTIPLE not in states.values():
            fields[question.name] = [SEVERAL]
            states[question.name] = AnswerState.MULTIPLE
        else:
            fields.update(value)
            states[question.name] = AnswerState.ANSWERED
    return fields, states


def question_of(definition, name: str):
    """The question a form field belongs to (fields are named after it), or None."""
    return next(
        (q for q in definition.questions if name == q.name or name.startswith(f"{q.name}-")), None
    )


def key_by_keyboard(page, serial: str, fields: dict[str, list[str]], definition) -> KeyboardUser:
    """From the serial page: type the serial, Enter, key every question the fast way, save."""
    user = KeyboardUser(page)
    page.goto("/staff/entry/")
    user.wait_for_autofocus()  # the serial box has focus when the page opens
    user.type(serial)
    with page.expect_navigation():
        user.press("Enter")
    assert f"/staff/entry/{serial}" in page.url, page.locator("main").inner_text()
    user.wait_for_autofocus()
    user.start = user.focused()
    user.trail.clear()
    key_fast(user, definition, fields)
    assert page.url.split("?")[0].endswith("/staff/entry/"), page.url
    # Ready for the next form: the serial box has the focus again.
    user.wait_for_autofocus()
    assert user.focused()["id"] == "serial", user.focused()
    return user


def key_fast(user: KeyboardUser, definition, fields: dict[str, list[str]]) -> None:
    """Key a copy as a practised keyer does: an option's number ticks it (and moves on from a
    radio button), Enter moves on from text boxes and tick boxes, Tab skips a blank question,
    the down arrow reaches "Illegible"; Enter on Save saves. Focus starts at question 1."""
    page = user.page
    for question in definition.questions:
        wanted = {
            name: values
            for name, values in fields.items()
            if name == question.name or name.startswith(f"{question.name}-")
        }
        at = user.focused()
        assert question_of(definition, at["name"]) == question, f"at {at}, not {question.name}"
        if not wanted:
            for _ in range(2 if question.type == "month_year" else 1):
                user.press("Tab")
        elif question.has_choices:
            options = page.eval_on_selector_all(
                f"#question-{question.name} input[name='{question.name}']",
                "els => els.map(el => el.value)",
            )
            for value in wanted[question.name]:
                user.type(str(options.index(value) + 1))
            if question.type == "multiple_choice":
                user.press("Enter")
        elif f"{question.name}-state" in wanted:  # illegible on paper
            user.press("ArrowDown")
            user.press("Space")
            user.press("Enter")
        elif question.type == "month_year":
            user.type(wanted[f"{question.name}-month"][0])
            user.press("Enter")
            user.type(wanted[f"{question.name}-year"][0])
            user.press("Enter")
        else:
            user.type(wanted[question.name][0])
            user.press("Tab" if question.type == "long_text" else "Enter")
    assert user.focused()["text"] == "Save form", user.focused()
    with page.expect_navigation():
        user.press("Enter")


def paper_order(user: KeyboardUser, definition) -> list[int]:
    """The paper question number of every form field Tab reached, in the order reached."""
    numbers = {q.name: n for n, q in enumerate(definition.questions, start=1)}
    reached = [question_of(definition, el["name"]) for el in user.trail if el and el["name"]]
    return [numbers[q.name] for q in reached if q is not None]


def test_paper_form_is_keyed_twice_and_reconciled_with_the_keyboard_alone(
    browser, live_server, live_app
):
    definition = definition_of(live_app)
    admin_id, _ = make_user(live_app, "admin")
    _, officer = make_user(live_app, "entry")
    _, colleague = make_user(live_app, "entry")
    serial = printed_copy(live_app, admin_id)
    fields, states = paper_form(definition)
    changed = next(q for q in definition.questions if q.type == "rating_scale" and q.name in fields)
    blind = {**fields, changed.name: [str(changed.choices[0].value)]}

    first_context, first_recorder = open_context(browser, live_server)
    first = new_page(first_context, first_recorder)
    sign_in(first, officer)
    officer_keys = key_by_keyboard(first, serial, fields, definition)
    assert "second person" in first.locator(".govuk-notification-banner").inner_text()

    second_context, second_recorder = open_context(browser, live_server)
    second = new_page(second_context, second_recorder)
    sign_in(second, colleague)
    colleague_keys = key_by_keyboard(second, serial, blind, definition)
    assert "reconciling" in second.locator(".govuk-notification-banner").inner_text()
    second_context.close()

    # The officer settles the one difference from the paper: the first keying was right.
    settler = KeyboardUser(first)
    first.goto(f"/staff/reconcile/{serial}")
    settler.answer({f"settle-{changed.name}": ["first"]}, submit="Save and make final")
    assert serial in first.locator(".govuk-notification-banner").inner_text()
    first_context.close()

    with live_app.app_context():
        copy = db.session.get(PaperCopy, serial)
        response = db.session.get(Response, copy.response_id)
        assert response.channel == "paper"
        assert copy.final_via == "self-settled"  # the officer keyed it too
        stored = {answer.question: answer for answer in response.answers}
        assert {name: stored[name].state for name in states} == states
        assert str(stored[changed.name].value) in fields[changed.name]

    for user in (officer_keys, colleague_keys, settler):
        assert not user.invisible_focus, "focus not visible:\n" + "\n".join(user.invisible_focus)
    assert question_of(definition, officer_keys.start["name"]) == definition.questions[0], (
        f"keying does not start at question 1: focus is on {officer_keys.start}"
    )
    print(
        f"\nkeystrokes: officer {officer_keys.keystrokes}, colleague {colleague_keys.keystrokes}, "
        f"reconciling {settler.keystrokes}; officer's navigation keys (Tab, Enter, arrows, "
        f"Space) {officer_keys.keystrokes - officer_keys.typed_characters}, "
        f"characters typed {officer_keys.typed_characters} (serial and option numbers included)"
    )


def test_tab_stops_one_per_question_in_the_papers_order(browser_page, live_app):
    """Tab goes through the questions in paper order, one stop per question (two for a month
    and a year), and then to Save."""
    page, _ = browser_page
    definition = definition_of(live_app)
    admin_id, _ = make_user(live_app, "admin")
    _, officer = make_user(live_app, "entry")
    serial = printed_copy(live_app, admin_id)
    sign_in(page, officer)
    page.goto(f"/staff/entry/{serial}")
    user = KeyboardUser(page)
    user.wait_for_autofocus()
    user.trail.append(user.focused())
    user.tab_to(lambda el: el["text"] == "Save form")
    order = paper_order(user, definition)
    assert order == sorted(order), f"Tab leaves the paper's question order: {order}"
    expected = [
        n
        for n, q in enumerate(definition.questions, start=1)
        for _ in range(2 if q.type == "month_year" else 1)
    ]
    assert order == expected, "not one Tab stop per question"
    assert not user.invisible_focus, "focus not visible:\n" + "\n".join(user.invisible_focus)
    print(f"\nTab stops from question 1 to Save: {len(user.trail)}")


def test_jump_to_a_question_by_its_number(browser_page, live_app):
    page, _ = browser_page
    definition = definition_of(live_app)
    admin_id, _ = make_user(live_app, "admin")
    _, officer = make_user(live_app, "entry")
    serial = printed_copy(live_app, admin_id)
    sign_in(page, officer)
    page.goto(f"/staff/entry/{serial}")
    user = KeyboardUser(page)
    user.wait_for_autofocus()
    page.get_by_label("Go to question number").focus()
    user.type("12")
    user.press("Enter")
    assert question_of(definition, user.focused()["name"]) == definition.questions[11]
    page.get_by_label("Go to question number").focus()
    user.type("999")
    user.press("Enter")
    jump = page.locator("[data-app-keying-jump]").inner_text()
    assert "Enter a question number from 1 to" in jump


def test_enter_in_a_one_line_box_moves_to_the_next_field_instead_of_saving(
    browser, live_server, live_app
):
    admin_id, _ = make_user(live_app, "admin")
    _, officer = make_user(live_app, "entry")
    serial = printed_copy(live_app, admin_id)
    context, recorder = open_context(browser, live_server)
    page = new_page(context, recorder)
    sign_in(page, officer)
    page.goto(f"/staff/entry/{serial}")
    user = KeyboardUser(page)
    boxes = page.locator("form[data-app-keying-form] input[type=text]")
    assert boxes.count() >= 2
    for index in range(boxes.count()):
        box = boxes.nth(index)
        box.focus()
        user.tab()
        after_tab = user.focused()
        box.focus()
        user.type("7")
        user.press("Enter")
        assert page.url.endswith(f"/staff/entry/{serial}"), "Enter saved the half-keyed form"
        assert user.focused() == after_tab, f"Enter in box {index} did not move on as Tab does"
        assert box.input_value().endswith("7")
    with live_app.app_context():
        assert db.session.get(PaperCopy, serial).entries == []
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_enter_on_any_field_never_saves_the_form(browser, live_server, live_app, javascript):
    """Enter on a radio button, a tick box, the Illegible box or in a one-line box saves nothing.
    With JavaScript it sends nothing at all; without, Chromium sends the form for Enter on a
    radio button or tick box (through a no-op button), and it comes back unsaved, as keyed."""
    admin_id, _ = make_user(live_app, "admin")
    _, officer = make_user(live_app, "entry")
    serial = printed_copy(live_app, admin_id)
    context, recorder = open_context(browser, live_server, java_script_enabled=javascript)
    page = new_page(context, recorder)
    sign_in(page, officer)
    page.goto(f"/staff/entry/{serial}")
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    form = "form[data-app-keying-form]"
    kinds = {
        "radio button": f"{form} input[type=radio]",
        "tick box of a question": f"{form} input[type=checkbox]:not([value^=state])",
        "Illegible box": f"{form} input[type=checkbox][value='state:illegible']",
        "one-line box": f"{form} input[type=text]",
    }
    user = KeyboardUser(page)
    for kind, selector in kinds.items():
        field = page.locator(selector).first
        field.focus()
        if kind != "one-line box":
            user.press("Space")  # ticked, as a keyer would before moving on
        else:
            user.type("7")
        user.press("Enter")
        page.wait_for_load_state()
        page.wait_for_timeout(300)
        assert page.url.endswith(f"/staff/entry/{serial}")
        if javascript or kind == "one-line box":
            assert not posts, f"Enter on a {kind} sent the form (JavaScript: {javascript})"
        elif posts:
            assert "Nothing was saved: Enter does not save" in page.locator("main").inner_text()
            assert page.locator(selector).first.is_checked(), f"{kind}: what was keyed is lost"
            posts.clear()
        with live_app.app_context():
            assert db.session.get(PaperCopy, serial).entries == [], f"Enter on a {kind} saved"
    with live_app.app_context():
        assert db.session.get(PaperCopy, serial).entries == []
    context.close()
