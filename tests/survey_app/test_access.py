"""Every route is public or protected by a role rule, and each role gets exactly its routes."""

from urllib.parse import urlsplit

import pytest

from tests.conftest import make_user, sign_in

ROLES = ("admin", "entry", "researcher")
# Values for URL variables when building a URL for every protected route.
SAMPLE_VALUES = {
    "slug": "victims-experience",
    "user_id": 0,
    "serial": "x",
    "batch_id": 0,
    "fmt": "xlsx",
    "segment_id": "x",
    "session_id": "x",
    "pending_id": "x",
    "sample_id": "x",
    "coding_id": "x",
    "action": "accept",
    "decision": "accept",
}


def copy_waiting_for_reconciliation(app) -> tuple[str, int]:
    """A printed copy keyed twice with a difference, made through the services."""
    from datetime import date

    from survey_app.extensions import db
    from survey_app.models import User
    from survey_app.questionnaire import Answer
    from survey_app.services import paper, questionnaires

    ids = [make_user(app, "entry")[0] for _ in range(2)]
    with app.app_context():
        found = questionnaires.find_questionnaire(SAMPLE_VALUES["slug"])
        keyers = [db.session.get(User, i) for i in ids]
        found.row.double_entry = True
        batch = paper.print_batch(found.row, 1, keyers[0], date.today())
        copy = batch.copies[0]
        question = next(q for q in found.definition.questions if q.type == "single_choice")
        for keyer, choice in zip(keyers, question.choices[:2], strict=True):
            answers = {question.name: Answer.answered_with(choice.value)}
            paper.save_entry(copy, keyer, found.definition, answers, None, date.today())
        return copy.serial, batch.id


def sample_drawn_by(app, user_id: int) -> str:
    """A two-coder sample drawn by the user for two other researchers (so the user, not coding
    it, is not blind)."""
    from survey_app.extensions import db
    from survey_app.models import User
    from survey_app.services import samples

    coders = [make_user(app, "researcher")[0] for _ in range(2)]
    with app.app_context():
        drawn = samples.create(
            samples.Draw(name="Access", size=1, seed=1), *coders, db.session.get(User, user_id)
        )
        return drawn.id


def focus_session_awaiting_confirm(app, user_id: int) -> tuple[str, str]:
    """A focus-group session with a transcript uploaded by the user, awaiting confirm."""
    from datetime import date

    from survey_app.extensions import db
    from survey_app.models import User
    from survey_app.services import focus_groups, transcripts

    facilitator_id, _ = make_user(app, "researcher")
    with app.app_context():
        user = db.session.get(User, user_id)
        entered = focus_groups.SessionInput(
            kind="workshop",
            held_on="2015-03-04",
            area="wirral",
            crime_types=["hate_crime"],
            topic_guide="victims-focus-group",
            facilitators=[str(facilitator_id)],
            consent_obtained="no",
        )
        session = focus_groups.create_session(entered, user, date.today())
        pending = transcripts.start_import(session.id, b"Facilitator: Hello.\nSam: Hi.", user)
        return session.id, pending.id


def access_rules(app) -> dict[str, tuple[frozenset, frozenset]]:
    """Blueprint name -> (roles, public endpoints) of the require_role hooks registered on it."""
    rules = {}
    for blueprint, hooks in app.before_request_funcs.items():
        for hook in hooks:
            if hasattr(hook, "roles"):
                rules[blueprint] = (hook.roles, hook.public)
    return rules


def classify(app, endpoint: str) -> tuple[str, frozenset | None]:
    """("public", None), ("protected", roles allowed) or ("unclassified", None)."""
    if endpoint == "static":
        return "public", None
    blueprint_names = []
    parts = endpoint.split(".")[:-1]
    for i in range(len(parts)):
        blueprint_names.append(".".join(parts[: i + 1]))
    blueprints = app.blueprints
    if blueprint_names and getattr(blueprints.get(blueprint_names[0]), "public", False):
        return "public", None
    rules = access_rules(app)
    allowed = None
    for name in blueprint_names:
        if name in rules:
            roles, public = rules[name]
            if endpoint in public:
                return "public", None
            allowed = roles if allowed is None else allowed & roles
    return ("protected", allowed) if allowed is not None else ("unclassified", None)


def protected_routes(app):
    """(endpoint, url, allowed roles) for every protected route; GET routes only get a URL."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            kind, allowed = classify(app, rule.endpoint)
            if kind != "protected":
                continue
            missing = set(rule.arguments) - set(SAMPLE_VALUES)
            assert not missing, f"{rule.rule}: add a value for {missing} to SAMPLE_VALUES"
            values = {name: SAMPLE_VALUES[name] for name in rule.arguments}
            found.append((rule, rule.build(values)[1], allowed))
    return found


def test_every_route_is_public_or_protected(app):
    unclassified = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if classify(app, rule.endpoint)[0] == "unclassified"
    ]
    assert unclassified == []
    kinds = {classify(app, rule.endpoint)[0] for rule in app.url_map.iter_rules()}
    assert kinds == {"public", "protected"}


def test_public_routes_are_only_respondent_status_static_and_sign_in(app):
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if classify(app, rule.endpoint)[0] == "public"
    }
    allowed_prefixes = ("respond.", "status.")
    extra = {e for e in public if not e.startswith(allowed_prefixes)}
    assert extra == {"static", "staff.login", "staff.logout"}


def test_anonymous_visitors_are_sent_to_sign_in_from_every_protected_route(app, client):
    routes = protected_routes(app)
    assert len(routes) >= 5
    import re

    login_page = client.get("/staff/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    for rule, url, _ in routes:
        if "GET" in rule.methods:
            response = client.get(url)
        else:  # with a valid CSRF token, so that the access rule is what answers
            response = client.post(url, data={"csrf_token": csrf})
        assert response.status_code == 302, url
        location = response.headers["Location"]
        assert location.startswith("/staff/login?next="), url
        if "POST" in rule.methods:  # a form with fields: the sign-in page, holding them
            response = client.post(url, data={"csrf_token": csrf, "note": "typed"})
            assert response.status_code == 200, url
            assert 'name="kept:note" value="typed"' in response.text, url
            assert f'action="/staff/login?next={urlsplit(url).path}"' in response.text, url


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_routes(app, client, synced, role):
    serial, batch_id = copy_waiting_for_reconciliation(app)
    user_id, email = make_user(app, role)
    assert sign_in(client, email).status_code == 302
    session_id, pending_id = focus_session_awaiting_confirm(app, user_id)
    with app.app_context():
        from tests.survey_app.research.factories import make_segment

        segment_id = make_segment()
    sample_id = sample_drawn_by(app, user_id)
    SAMPLE_VALUES.update(
        user_id=user_id,
        serial=serial,
        batch_id=batch_id,
        session_id=session_id,
        pending_id=pending_id,
        segment_id=segment_id,
        sample_id=sample_id,
    )
    for rule, url, allowed in protected_routes(app):
        if "GET" not in rule.methods:
            continue
        response = client.get(url)
        if role in allowed:
            assert response.status_code == 200, (url, response.status_code)
        else:
            assert response.status_code == 403, (url, role)
            assert "You do not have access to this page" in response.text
