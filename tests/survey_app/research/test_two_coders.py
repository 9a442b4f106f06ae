"""Two coders: a seeded sample coded blind by two people (no page or URL shows one the other's
codes, or the machine's), kappa and alpha on a hand-worked example, settling disagreements in
the statuses the summary counts, a person against the machine, and the whole journey ending in
the summary."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Coding, CodingEvent, CodingSample, SampleDecision
from survey_app.services import samples
from survey_app.services import summary as summaries
from tests.conftest import make_user, sign_in
from tests.survey_app.research.factories import SLUG, make_online_response, text_answers
from tests.survey_app.research.urls import research_get_urls
from tests.survey_app.research.workspace_data import suggestion

BELIEVED = "believed_taken_seriously"
SPEED = "speed_of_response"
ATTITUDE = "officer_attitude"
XSS = "<script>alert(1)</script>"


def csrf(client, path="/research/samples"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def responses(app, n: int) -> list[str]:
    """n online responses, each with a reporting answer; returns their segment ids in order."""
    from survey_app.models import Segment

    with app.app_context():
        ids = []
        for i in range(n):
            response_id = make_online_response(
                text_answers(
                    crime_type=["domestic_abuse"],
                    area="liverpool",
                    reported="yes",
                    reporting_experience=f"I told them what happened to me, and how it went ({i}).",
                )
            )
            ids.append(
                db.session.scalar(select(Segment.id).where(Segment.response_id == response_id))
            )
        return ids


class Person:
    """A researcher with a client of their own, signed in."""

    def __init__(self, app, role="researcher"):
        self.app = app
        self.id, self.email = make_user(app, role)
        self.client = app.test_client()
        assert sign_in(self.client, self.email).status_code == 302

    def get(self, path):
        return self.client.get(path)

    def post(self, path, **data):
        return self.client.post(path, data={"csrf_token": csrf(self.client), **data})

    def code(self, sample_id, segment_id, *themes):
        answer = self.client.post(
            f"/research/samples/code?sample={sample_id}",
            data={"csrf_token": csrf(self.client), "segment": segment_id, "theme": list(themes)},
        )
        assert answer.status_code == 302, answer.text
        return answer

    def finish(self, sample_id):
        return self.post(f"/research/samples/finish?sample={sample_id}")


def draw(person, a, b, size="20", name="Reporting double-coded", **extra):
    answer = person.post(
        "/research/samples/new",
        name=name,
        stage="reporting",
        size=size,
        seed="42",
        coder_a=str(a.id),
        coder_b=str(b.id),
        **extra,
    )
    assert answer.status_code == 302, answer.text
    with person.app.app_context():
        return db.session.scalar(select(CodingSample.id).order_by(CodingSample.created_at.desc()))


@pytest.fixture
def people(synced):
    """Three researchers: one who draws samples and settles, and the two coders."""
    return tuple(Person(synced) for _ in range(3))


def test_the_draw_is_seeded_and_recorded(synced, people):
    lead, a, b = people
    ids = responses(synced, 8)
    sample_id = draw(lead, a, b, size="5")
    with synced.app_context():
        sample = db.session.get(CodingSample, sample_id)
        assert (sample.size, sample.seed, sample.stage) == (5, 42, "reporting")
        drawn = samples.segment_ids(sample)
        assert drawn == samples.draw_ids(ids, 5, 42)
        assert set(drawn) < set(ids)
    page = lead.get("/research/samples").text
    assert "seed 42" in page
    assert a.email in page and b.email in page


def test_a_bad_draw_lists_its_errors_and_keeps_the_form(synced, people):
    lead, a, _b = people
    page = lead.post(
        "/research/samples/new",
        name=XSS,
        size="many",
        seed="",
        coder_a=str(a.id),
        coder_b=str(a.id),
    )
    assert page.status_code == 200
    assert "<title>Error: Draw a sample" in page.text
    assert "Enter a size from 1 to 200, as a whole number" in page.text
    assert XSS not in page.text and "&lt;script&gt;" in page.text
    page = lead.post(
        "/research/samples/new", name="x", size="3", coder_a=str(a.id), coder_b=str(a.id)
    )
    assert "Select a second coder who is not the first" in page.text
    page = lead.post(
        "/research/samples/new", name="x", size="3", coder_a=str(a.id), coder_b=str(lead.id)
    )
    assert "Select filters that match at least one segment" in page.text  # no segments yet


def machine_suggestion(app, segment_id, theme, coder="rules@victims-services-test"):
    now = datetime.now(UTC).replace(tzinfo=None)
    with app.app_context():
        db.session.add(
            Coding(
                segment_id=segment_id,
                theme=theme,
                coder=coder,
                confidence=0.97,
                status="suggested",
                matched=["machine-word"],
                created_at=now,
                updated_at=now,
            )
        )
        db.session.commit()


def test_a_coder_cannot_see_the_other_coders_codes_anywhere(synced, people):
    lead, a, b = people
    ids = responses(synced, 4)
    sample_id = draw(lead, a, b, size="4")
    for segment_id in ids:
        a.code(sample_id, segment_id, SPEED)
        machine_suggestion(synced, segment_id, ATTITUDE)
    b.code(sample_id, ids[0], BELIEVED)
    values = {"slug": SLUG, "segment_id": ids[0], "sample_id": sample_id}
    queries = [
        f"?sample={sample_id}",
        f"?sample={sample_id}&coder=a&machine=rules@victims-services-test",
        f"?sample={sample_id}&user={a.id}",
    ]
    for url in research_get_urls(synced, values, default="x"):
        for query in ("", *queries):
            answer = b.get(url + query)
            body = answer.get_data(as_text=True)
            if answer.status_code == 403:
                assert "Closed while you code blind" in body, url
                continue
            assert answer.status_code in (200, 302, 404), (url, answer.status_code)
            # B's own page shows every theme as a box to tick: A's code may not be ticked,
            # and the machine's suggestion is not there at all.
            assert f'value="{SPEED}" checked' not in body, url + query
            assert "machine-word" not in body and "rules@" not in body, url + query
            assert "0.97" not in body, url + query
    own = b.get(f"/research/samples/code?sample={sample_id}").text
    assert f'value="{BELIEVED}" checked' in own
    assert own.count(" checked") == 1
    # The audited "show original" and every download are closed too, by POST as well.
    token = csrf(b.client)
    for path in (
        f"/research/segments/{ids[0]}/original",
        f"/research/{SLUG}/segments-original.csv",
    ):
        assert b.client.post(path, data={"csrf_token": token}).status_code == 403
    # Settling before both have finished is refused (and would be blind-closed anyway).
    refused = b.client.post(
        f"/research/samples/settle?sample={sample_id}",
        data={"csrf_token": token, "segment": ids[0], "theme": SPEED, "decision": "absent"},
    )
    assert refused.status_code == 403
    # Finishing does not lift the blind until the other coder has finished too.
    b.finish(sample_id)
    assert b.get(f"/research/samples/agreement?sample={sample_id}").status_code == 403
    assert b.get(f"/research/{SLUG}/segments").status_code == 403


def test_guessing_a_sample_id_shows_nothing(synced, people):
    lead, a, b = people
    ids = responses(synced, 3)
    sample_id = draw(lead, a, b, size="3")
    a.code(sample_id, ids[0], SPEED)
    outsider = Person(synced)
    assert outsider.get(f"/research/samples/code?sample={sample_id}").status_code == 404
    assert outsider.get("/research/samples/code?sample=0123456789abcdef").status_code == 404
    token = csrf(outsider.client)
    assert (
        outsider.client.post(
            f"/research/samples/code?sample={sample_id}",
            data={"csrf_token": token, "segment": ids[0], "theme": SPEED},
        ).status_code
        == 404
    )
    # Before both coders finish, the agreement page shows who is coding, never the codes.
    page = outsider.get(f"/research/samples/agreement?sample={sample_id}").text
    assert "still coding" in page
    assert SPEED not in page
    # A coder can code only the sample's segments, with its themes, and never after finishing.
    other = responses(synced, 1)[0]
    for segment, theme in ((other, SPEED), (ids[1], "kept_informed"), (ids[1], "nonsense")):
        answer = a.client.post(
            f"/research/samples/code?sample={sample_id}",
            data={
                "csrf_token": token if False else csrf(a.client),
                "segment": segment,
                "theme": theme,
            },
        )
        assert answer.status_code == 400
    a.finish(sample_id)
    answer = a.client.post(
        f"/research/samples/code?sample={sample_id}",
        data={"csrf_token": csrf(a.client), "segment": ids[1], "theme": SPEED},
    )
    assert "You have finished this sample" in answer.text
    with synced.app_context():
        assert (
            db.session.scalar(select(Coding.segment_id).where(Coding.segment_id == ids[1])) is None
        )


def test_kappa_and_alpha_on_a_hand_worked_example(synced, people):
    """Four segments; A codes the theme on 1, 2 and 3, B on 1 and 2.

    Cohen's kappa: po = 3/4; A says yes 3/4, B 1/2; pe = 3/4*1/2 + 1/4*1/2 = 1/2;
    kappa = (3/4 - 1/2) / (1 - 1/2) = 0.50.
    Krippendorff's alpha: coincidences o(1,1) = 4, o(0,0) = 2, o(1,0) = o(0,1) = 1; n1 = 5,
    n0 = 3, n = 8; alpha = 1 - (n - 1) * 2 / (2 * n1 * n0) = 1 - 14/30 = 0.53."""
    lead, a, b = people
    responses(synced, 4)
    sample_id = draw(lead, a, b, size="4")
    with synced.app_context():
        order = samples.segment_ids(db.session.get(CodingSample, sample_id))
    for segment_id in order[:3]:
        a.code(sample_id, segment_id, SPEED)
    for segment_id in order[:2]:
        b.code(sample_id, segment_id, SPEED)
    a.finish(sample_id)
    b.finish(sample_id)
    with synced.app_context():
        report = samples.agreement(db.session.get(CodingSample, sample_id))
    assert report.themes[0].kappa == pytest.approx(0.5)
    assert report.alpha == pytest.approx(1 - 14 / 30)
    page = lead.get(f"/research/samples/agreement?sample={sample_id}").text
    assert '<td class="govuk-table__cell app-table-numeric">0.50</td>' in page
    alpha = re.search(r"Krippendorff's alpha</dt>\s*<dd[^>]*>([^<]+)</dd>", page).group(1)
    assert alpha == "0.53"
    assert "Disagreements (1)" in page


def test_settling_records_the_code_and_keeps_the_blind_figures(synced, people):
    lead, a, b = people
    ids = responses(synced, 3)
    sample_id = draw(lead, a, b, size="3")
    a.code(sample_id, ids[0], SPEED, BELIEVED)
    b.code(sample_id, ids[0], BELIEVED)
    b.code(sample_id, ids[1], ATTITUDE)
    a.finish(sample_id)
    b.finish(sample_id)
    before = lead.get(f"/research/samples/agreement?sample={sample_id}").text
    assert "Disagreements (2)" in before
    missing = lead.post(f"/research/samples/settle?sample={sample_id}", segment=ids[0], theme=SPEED)
    assert missing.status_code == 400
    assert "Select whether the theme applies" in missing.text
    bogus = lead.post(
        f"/research/samples/settle?sample={sample_id}",
        segment=ids[2],
        theme=SPEED,
        decision="present",
    )
    assert "Settle a disagreement of this sample" in bogus.text
    answer = lead.post(
        f"/research/samples/settle?sample={sample_id}",
        segment=ids[0],
        theme=SPEED,
        decision="absent",
    )
    assert answer.status_code == 302
    answer = lead.post(
        f"/research/samples/settle?sample={sample_id}",
        segment=ids[1],
        theme=ATTITUDE,
        decision="present",
    )
    with synced.app_context():
        speed = db.session.scalar(
            select(Coding).where(Coding.segment_id == ids[0], Coding.theme == SPEED)
        )
        assert (speed.coder, speed.status) == (f"person:{a.id}", "rejected")
        events = db.session.execute(
            select(CodingEvent.theme, CodingEvent.status, CodingEvent.actor_id).where(
                CodingEvent.action == "settled"
            )
        ).all()
        assert sorted(events) == sorted(
            [(SPEED, "rejected", lead.id), (ATTITUDE, "human", lead.id)]
        )
        decision = db.session.get(SampleDecision, (sample_id, ids[0], SPEED))
        assert (decision.present, decision.a_said, decision.b_said) == (False, True, False)
        assert decision.settled_by_id == lead.id
    after = lead.get(f"/research/samples/agreement?sample={sample_id}").text
    assert "Disagreements (2)" in after  # measured on the blind codes
    assert "Settled: the theme does not apply" in after
    assert "Settled: the theme applies" in after
    # Changing one's mind: settled again the other way.
    lead.post(
        f"/research/samples/settle?sample={sample_id}",
        segment=ids[0],
        theme=SPEED,
        decision="present",
    )
    with synced.app_context():
        assert (
            db.session.scalar(
                select(Coding.status).where(Coding.segment_id == ids[0], Coding.theme == SPEED)
            )
            == "human"
        )


def test_a_person_against_the_machine(synced, people):
    lead, a, b = people
    ids = responses(synced, 4)
    sample_id = draw(lead, a, b, size="4")
    for segment_id in ids[:2]:
        a.code(sample_id, segment_id, SPEED)
        machine_suggestion(synced, segment_id, SPEED)
    machine_suggestion(synced, ids[2], SPEED)
    a.finish(sample_id)
    b.finish(sample_id)
    page = lead.get(
        f"/research/samples/agreement?sample={sample_id}&coder=a&machine=rules@victims-services-test"
    ).text
    # A: yes yes no no; machine: yes yes yes no -> po 3/4, pe 1/2*3/4 + 1/2*1/4 = 1/2, kappa 0.5
    machine = page.split('id="machine"')[1]
    assert "A against rules@victims-services-test" in machine
    assert "1 disagreements" in machine
    assert '<td class="govuk-table__cell app-table-numeric">0.50</td>' in machine
    # Once its passes say it looked at three segments only, the fourth is not its "no":
    # A: yes yes no; machine: yes yes yes -> po 2/3, pe 2/3*1 + 1/3*0 = 2/3, kappa 0.
    from survey_app.models import MachinePass

    with synced.app_context():
        db.session.add_all(
            MachinePass(segment_id=i, coder="rules@victims-services-test") for i in ids[:3]
        )
        db.session.commit()
    page = lead.get(
        f"/research/samples/agreement?sample={sample_id}&coder=a&machine=rules@victims-services-test"
    ).text
    machine = page.split('id="machine"')[1]
    assert "1 disagreements" in machine
    assert '<td class="govuk-table__cell app-table-numeric">0.00</td>' in machine


def test_two_researchers_code_blind_settle_review_the_queue_merge_and_the_summary_shows_it(
    synced, people
):
    lead, a, b = people
    s = responses(synced, 20)
    sample_id = draw(lead, a, b, size="20")
    codes_a = {i: {BELIEVED} for i in range(11)}
    codes_b = {i: {BELIEVED} for i in (*range(9), 11)}
    for i in range(12, 17):
        codes_a.setdefault(i, set()).add(SPEED)
        codes_b.setdefault(i, set()).add(SPEED)
    for i in (16, 17, 18):
        codes_a.setdefault(i, set()).add(ATTITUDE)
    for i in (17, 18, 19):
        codes_b.setdefault(i, set()).add(ATTITUDE)
    for coder, codes in ((a, codes_a), (b, codes_b)):
        for i, themes in codes.items():
            coder.code(sample_id, s[i], *themes)
        coder.finish(sample_id)
    page = lead.get(f"/research/samples/agreement?sample={sample_id}").text
    assert "Disagreements (5)" in page
    for i, theme, decision in (
        (9, BELIEVED, "present"),
        (10, BELIEVED, "absent"),
        (11, BELIEVED, "absent"),
        (16, ATTITUDE, "present"),
        (19, ATTITUDE, "absent"),
    ):
        # Settled through the page's own form.
        form = re.search(
            rf'<div class="govuk-summary-card" id="d-{s[i]}-{theme}">.*?</form>', page, re.S
        ).group(0)
        assert f'name="segment" value="{s[i]}"' in form
        answer = lead.post(
            f"/research/samples/settle?sample={sample_id}",
            segment=s[i],
            theme=theme,
            decision=decision,
        )
        assert answer.status_code == 302
    # The machine's suggestions on two answers outside the sample, decided from the review
    # queue: one accepted (it counts), one rejected (it does not).
    extra = responses(synced, 2)
    with synced.app_context():
        accept_id = suggestion(extra[0], BELIEVED, 0.55)
        reject_id = suggestion(extra[1], SPEED, 0.6)
    queue = lead.get("/research/workspace/review").text
    assert f'id="segment-{extra[0]}"' in queue and f'id="segment-{extra[1]}"' in queue
    decided = lead.client.post(
        "/research/workspace/review",
        data={
            "csrf_token": csrf(lead.client, "/research/workspace/review"),
            f"decision-{accept_id}": "accept",
            f"decision-{reject_id}": "reject",
        },
    )
    assert decided.location.endswith("decided=2")
    merged = lead.post("/research/codebook/merge", source=ATTITUDE, target=SPEED)
    assert merged.status_code == 302
    with synced.app_context():
        made = summaries.summary_for(summaries.Request(slug=SLUG), threshold=5)
    themes = {t.theme: t for t in made.stages["reporting"].themes}
    assert ATTITUDE not in themes
    believed, speed = themes[BELIEVED], themes[SPEED]
    assert believed.segments.value == 11
    assert set(believed.segment_ids) == {*s[:10], extra[0]}
    assert speed.segments.value == 7
    assert set(speed.segment_ids) == set(s[12:19])
    assert believed.coded_by == "people"
    # One coder, one coding: A's speed and attitude codes of segment 16 became one.
    with synced.app_context():
        rows = db.session.scalars(
            select(Coding.coder).where(Coding.segment_id == s[16], Coding.theme == SPEED)
        ).all()
        assert sorted(rows) == sorted([f"person:{a.id}", f"person:{b.id}"])


def test_a_segment_removed_by_a_correction_leaves_the_sample(synced, people):
    from survey_app.models import Segment

    lead, a, b = people
    ids = responses(synced, 3)
    sample_id = draw(lead, a, b, size="3")
    with synced.app_context():
        db.session.delete(db.session.get(Segment, ids[0]))  # as segments.sync_response does
        db.session.commit()
        assert set(samples.segment_ids(db.session.get(CodingSample, sample_id))) == set(ids[1:])
    assert a.get(f"/research/samples/code?sample={sample_id}").status_code == 200


PAYLOADS = (
    '<script>alert("label")</script>',
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(3)",
)


def test_theme_labels_typed_by_researchers_render_as_text_on_every_research_page(synced, people):
    """A theme added in the browser with script, attribute and javascript: payloads, used by two
    coders and settled, renders escaped on every research page, for a researcher who can see
    them all; the exports carry it as data."""
    lead, a, b = people
    label = " ".join(PAYLOADS)
    added = lead.post(
        "/research/codebook/add", label=label, definition=label, stage="reporting", parent=""
    )
    assert added.status_code == 302
    theme = re.search(r"theme=([a-z0-9_]+)", added.headers["Location"]).group(1)
    ids = responses(synced, 2)
    sample_id = draw(lead, a, b, size="2", name=label)
    a.code(sample_id, ids[0], theme)
    a.finish(sample_id)
    b.finish(sample_id)
    lead.post(
        f"/research/samples/settle?sample={sample_id}",
        segment=ids[0],
        theme=theme,
        decision="present",
    )
    values = {"slug": SLUG, "segment_id": ids[0], "sample_id": sample_id}
    pages = [
        *research_get_urls(synced, values, default="x"),
        f"/research/samples/agreement?sample={sample_id}",
        f"/research/samples/code?sample={sample_id}",
        f"/research/codebook/edit?theme={theme}",
        f"/research/{SLUG}/summary/segments?stage=reporting&theme={theme}",
    ]
    for who in (lead, a):
        for url in pages:
            answer = who.get(url)
            if answer.mimetype != "text/html":
                continue
            body = answer.get_data(as_text=True)
            assert '<script>alert("label")' not in body, url
            assert "<img src=x" not in body, url
            assert 'href="javascript:' not in body, url
    assert (
        "&lt;script&gt;alert(&#34;label&#34;)&lt;/script&gt;" in lead.get("/research/codebook").text
    )
    assert "&lt;script&gt;" in lead.get(f"/research/samples/agreement?sample={sample_id}").text


def test_a_sample_nobody_finishes_is_withdrawn_and_its_coders_see_again(synced, people):
    from survey_app.models import AuditEvent, SampleSegment

    lead, a, b = people
    ids = responses(synced, 4)
    sample_id = draw(lead, a, b, size="4")
    a.code(sample_id, ids[0], SPEED)
    a.code(sample_id, ids[1], SPEED, BELIEVED)
    assert a.get("/research/workspace").status_code == 403
    path = f"/research/samples/{sample_id}/withdraw"
    assert f'href="{path}"' in lead.get("/research/samples").text

    # Neither another researcher nor a coder may withdraw it; a coder coding blind is not
    # told how far the other has got.
    outsider = Person(synced)
    assert f'href="{path}"' not in outsider.get("/research/samples").text
    assert "Only an admin or the person who drew" in outsider.get(path).text
    refused = outsider.post(path)
    assert refused.status_code == 409 and "Only an admin or the person who drew" in refused.text
    seen_by_b = b.get(path)
    assert seen_by_b.status_code == 200 and "3 codes" not in seen_by_b.text
    assert b.post(path).status_code == 409

    page = lead.get(path).text
    assert f"{a.email}: 3 codes; {b.email}: 0 codes" in page and "seed 42" in page
    done = lead.post(path)
    assert done.status_code == 302
    assert "Sample withdrawn." in lead.get(done.headers["Location"]).text
    with synced.app_context():
        assert db.session.get(CodingSample, sample_id) is None
        assert not db.session.scalars(
            select(SampleSegment).where(SampleSegment.sample_id == sample_id)
        ).all()
        kept = db.session.scalars(select(Coding.theme).where(Coding.coder == f"person:{a.id}"))
        assert sorted(kept) == sorted([SPEED, SPEED, BELIEVED])
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sample.withdraw")
        ).one()
        assert event.old_value.startswith("Reporting double-coded: 4 segments, seed 42")
    assert a.get("/research/workspace").status_code == 200
    assert b.get("/research/workspace").status_code == 200
    assert lead.get(path).status_code == 404


def test_an_admin_may_withdraw_any_sample_but_not_a_finished_one(synced, people):
    lead, a, b = people
    ids = responses(synced, 3)
    admin = Person(synced, role="admin")
    first = draw(lead, a, b, size="3", name="First")
    assert admin.post(f"/research/samples/{first}/withdraw").status_code == 302
    second = draw(lead, a, b, size="3", name="Second")
    a.code(second, ids[0], SPEED)
    a.finish(second)
    b.finish(second)
    for person in (lead, admin):
        refused = person.post(f"/research/samples/{second}/withdraw")
        assert refused.status_code == 409 and "can no longer be withdrawn" in refused.text
    with synced.app_context():
        assert db.session.get(CodingSample, second) is not None
    assert lead.get(f"/research/samples/agreement?sample={second}").status_code == 200
