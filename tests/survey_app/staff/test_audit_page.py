"""The audit trail page people can read: question labels and answers in words (no field names or
JSON), one collapsed row per keying, filters by action, person and date, full width."""

import json
import re
from datetime import UTC, datetime, timedelta

from survey_app.extensions import db
from survey_app.models import User
from survey_app.services import questionnaires
from tests.survey_app.staff.test_paper import (
    SLUG,
    first_choice_question,
    key,
    print_copies,
    signed_in,
)


def listed(page: str) -> str:
    """The list of audit rows (not the filters' options)."""
    return page.split('<ol class="govuk-list app-audit">')[1].split("</ol>")[0]


def test_a_keying_is_one_row_with_question_labels_and_answers_in_words(app, synced):
    admin, keyer = signed_in(app, "admin"), signed_in(app, "entry")
    serial = print_copies(app, admin, count=1, double=False)[0]
    name, codes = first_choice_question(app)
    key(keyer, serial, {name: codes[0]})
    with app.app_context():
        definition = questionnaires.find_questionnaire(SLUG).definition
        question = definition.question(name)
        number = [q.name for q in definition.questions].index(name) + 1
        label = question.choice_label(codes[0])
        keyer_email = db.session.query(User).filter_by(role="entry").one().email
        count = len(definition.questions)
    page = admin.get(f"/staff/admin/audit?serial={serial}").text
    rows = re.findall(
        r'<li class="app-audit__row">(.*?)</li>\s*(?=<li class="app-audit__row">|</ol>)', page, re.S
    )
    keyed = [r for r in rows if "Keyed a form" in r]
    assert len(keyed) == 1, "a keying is one row"
    assert f"{count} answers" in keyed[0] and "<details" in keyed[0]
    assert f"Q{number}. {question.label}: {label}" in keyed[0]
    assert '{"state"' not in page and "&#34;state&#34;" not in page and "&quot;state" not in page
    assert "govuk-grid-column-full" in page
    # Filters: action, person, dates.
    only_final = listed(admin.get("/staff/admin/audit?action=response.final").text)
    assert "Made final" in only_final and "Keyed a form" not in only_final
    by_keyer = listed(admin.get(f"/staff/admin/audit?person={keyer_email}").text)
    assert "Keyed a form" in by_keyer and "Printed a batch" not in by_keyer
    today = datetime.now(UTC).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    on_the_day = admin.get(f"/staff/admin/audit?since={today}&until={today}").text
    assert "Keyed a form" in listed(on_the_day)
    assert "Keyed a form" not in listed(admin.get(f"/staff/admin/audit?since={tomorrow}").text)
    wrong = admin.get("/staff/admin/audit?since=yesterday").text
    assert "From: enter a date like" in wrong and wrong.count("govuk-error-summary") >= 1


def test_every_action_the_services_record_has_a_label_in_words():
    """The audit page shows actions in words: each action name a service passes to
    audit.record (found in the source, so a new one cannot be missed) has a label."""
    import re
    from pathlib import Path

    from survey_app.services import audit

    services = Path(audit.__file__).parent
    recorded = set()
    for path in services.glob("*.py"):
        for call in re.findall(r"audit\.record\((.*?)\)", path.read_text(), re.S):
            recorded.update(re.findall(r'"([a-z_]+\.[a-z_.]+)"', call))
    assert len(recorded) > 15
    assert recorded <= set(audit.ACTION_LABELS), recorded - set(audit.ACTION_LABELS)


def test_a_rebuild_names_a_few_of_its_responses_and_counts_the_rest(app, synced):
    """A rebuild's event names every response it changed (up to 500, for the summary); the
    page shows the first few and how many more, not a wall of ids."""
    from survey_app.models import AuditEvent
    from survey_app.services import audit

    ids = [f"{n:032x}" for n in range(12)]
    new = json.dumps({"added": 3, "changed": 9, "removed": 0, "responses": ids})
    event = AuditEvent(at=datetime.now(UTC), action="segments.rebuild", new_value=new)
    with app.app_context():
        (row,) = audit.readable([event])
    words = row.lines[0].new
    assert words.startswith("added: 3, changed: 9, removed: 0, responses: ")
    assert words.endswith(f"{', '.join(ids[:5])} and 7 more")
