"""`flask demo seed`: the programme-shaped demonstration set, made through the real services,
and never on a database that holds responses."""

import json
import re

from sqlalchemy import func, select

from analysis.report_files import read_tables
from survey_app.extensions import db
from survey_app.models import Coding, Response, Segment
from tests.survey_app.research.factories import SLUG, make_online_response, text_answers


def test_demo_seed_makes_142_responses_coded_and_the_paper_ones_stay_hidden(
    synced, runner, tmp_path, client, login_as
):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "Created 140 online and 2 paper demonstration responses" in result.output
    with synced.app_context():
        by_channel = dict(
            db.session.execute(
                select(Response.channel, func.count()).group_by(Response.channel)
            ).all()
        )
        assert by_channel == {"online": 140, "paper": 2}
        areas = {
            s.area for s in db.session.scalars(select(Segment).where(Segment.area.is_not(None)))
        }
        assert areas == {"knowsley", "liverpool", "sefton", "st_helens", "wirral"}
        statuses = set(db.session.scalars(select(Coding.status)))
        assert {"suggested", "human"} <= statuses
        assert statuses & {"accepted", "rejected"}
    out = tmp_path / "demo.json"
    result = runner.invoke(
        args=[
            "research",
            "summary",
            "--questionnaire",
            SLUG,
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    # 2 on paper: "fewer than 10"; 140 online would reveal them from 142: withheld.
    assert doc["respondents"]["by_channel"] == {"online": None, "paper": None}
    # The total is 142 or withheld (when another line hid an area, the engine may hide it
    # too); never anything else.
    assert doc["respondents"]["total"] in (142, None)
    assert sum(v for v in doc["respondents"]["by_area"].values() if v) < 142
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"demo.{fmt}"
        runner.invoke(
            args=[
                "research",
                "summary",
                "--questionnaire",
                SLUG,
                "--format",
                fmt,
                "--output",
                str(path),
            ]
        )
        rows = read_tables(path, fmt)["respondents"]
        channel = {r["value"]: r["respondents"] for r in rows if r["group"] == "channel"}
        assert channel == {"online": "withheld", "paper": "fewer than 10"}, fmt
    login_as("researcher")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/research/summary").text))
    assert "Online withheld" in page
    assert "Paper fewer than 10" in page
    assert " 140 " not in page and " 2 " not in page.split("Respondents by channel")[1][:200]
    shown = [t for s in doc["stages"].values() for t in s["themes"] if t["respondents"]]
    assert shown, "the demo set should show some themes"
    assert all(t["respondents"] >= 10 for t in shown)


def test_demo_text_varies_with_typos_and_answers_that_say_nothing(synced, runner):
    runner.invoke(args=["demo", "seed"])
    with synced.app_context():
        first = sorted(db.session.scalars(select(Segment.text)))
    assert len(first) > 200
    assert any("didnt" in t or "untill" in t for t in first)  # typos on purpose
    assert any(t.strip().lower() in ("no", "n/a", "none") for t in first)


def test_demo_seed_refuses_a_database_with_responses(synced, runner):
    with synced.app_context():
        make_online_response(text_answers(area="wirral"))
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "holds 1 responses" in result.output
    with synced.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1
