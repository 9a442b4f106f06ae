"""A demonstration data set in the shape of the 2014-15 programme: about 140 online and 2 paper
responses across the five Merseyside areas and the crime types, with free text written for the
purpose (no real person's words), coded by the rules and a few codings by a person.

Safety rule: `seed` refuses to run when the database holds any response at all (online or
paper), or any paper copy already keyed. Demo responses carry no mark of their own (the schema
has none, and adding one would tell real from demo rows apart in every export), so the only
safe rule is "an empty database of responses": seed a fresh database, never a live one.

Everything goes through the real services: online answers through a draft and `submit_draft`
(which makes the segments), paper through a printed batch and keyed entries (double entry when
the questionnaire asks for it), then `coding.code_segments` (rules) and
`coding.code_by_person` / `coding.decide`. Deterministic: one seeded `random.Random`.
"""

import datetime
import random
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Coding, PaperEntry, Response, Segment, User
from survey_app.questionnaire import Answer
from survey_app.services import coding, drafts, paper, questionnaires, responses, users

SLUG = "victims-experience"
AREAS = ("knowsley", "liverpool", "sefton", "st_helens", "wirral")
# Rough weights: more domestic abuse and anti-social behaviour, as in the programme.
CRIME_TYPES = (
    ("domestic_abuse", 30),
    ("anti_social_behaviour", 22),
    ("hate_crime", 14),
    ("sexual_offence", 10),
    ("violence_with_injury", 12),
    ("other", 12),
)
ONLINE = 140
PAPER = 2
FIRST_DAY = datetime.date(2014, 10, 1)
DAYS = 180
CODER_EMAIL = "demo-researcher@example.org"
KEYER_EMAILS = ("demo-keyer-1@example.org", "demo-keyer-2@example.org")
# How many machine suggestions the demo person reviews, and codes by hand.
REVIEWED = 60
HAND_CODED = 8

# Free text written for the demo. Some have typos on purpose; "no"/"n/a" answers say nothing.
SAYS_NOTHING = ("no", "n/a", "N/A", "nothing to add", "No.", "none", "not really")
REPORTING = (
    "The police did not believe me at first and asked if I was sure it happened.",
    "They took me seriously from the start and the officer was very kind.",
    "I rang 101 and waited over an hour to get through, then they said someone would come out "
    "but nobody came for three days.",
    "the officer was rude and made me feel like i was wasting his time",
    "Felt like they didnt take it serious because it was 'only' neighbours.",
    "They came out quickly and were really understanding, I felt listened to.",
    "I was scared he would find out I had reported it and come back.",
    "Didn't know where to report it online, the website was confusing.",
    "Reporting was easy but I never heard anything after that.",
    "The call handler was patient and explained what would happen next.",
    "I had to tell my story to four different officers which was exhausting.",
    "They said there wasnt enough evidence so nothing would happen.",
    "i was not believed untill a second person came forward",
    "Officers attended within the hour, very professional and caring.",
    "Had to wait ages on the phone and then got cut off.",
    "They kept asking what I was wearing, it made me feel it was my fault.",
    "I reported it online at 2am because I couldnt face ringing anyone, got a reply the next day.",
    "The lady on 101 was lovely, she stayed on the line until the patrol car got there.",
    "PC Dave Morris gave me his direct number 07700 900461 which made all the difference.",
    "I went to the station and had to explain it at the front desk with people listening.",
    "They wrote it down as a neighbour dispute when it was hate crime, I had to argue.",
    "Nobody asked if I needed an interpreter for my mum, I had to translate everything myself.",
    "It took me two years to report it. When I did they were patient and didnt rush me.",
    "the first officer was great but then it got passed to CID and i had to start again",
    "My daughter reported it for me because I was too frightened to.",
    "They told me to keep a diary of every incident, which helped when it went further.",
)
WHY_NOT = (
    "I didn't think anything would be done about it.",
    "I was afraid of what they would do if I reported it.",
    "Didnt think it was serious enough to bother the police.",
    "Past experience, they never do anything round here.",
    "I didn't know who to tell or how to report it.",
    "It felt like a family matter and I was ashamed.",
    "dealt with it myself, didnt want the hassle",
    "He said if I went to the police he would take the kids.",
    "I thought they would think I was making a fuss over nothing.",
    "Last time I reported something the officer laughed, so why would I bother.",
    "I didnt want him to get into trouble, I just wanted it to stop.",
    "Worried about my immigration status and what would happen to me.",
)
ENGAGEMENT = (
    "Nobody kept me informed, I had to keep ringing to find out what was happening.",
    "Victim Care rang me within a couple of days and were brilliant, they kept me updated.",
    "The IDVA was amazing, she explained everything and came to court with me.",
    "I was passed from one service to another and had to repeat my story every time.",
    "Waited months for counselling, by then I had given up.",
    "They referred me to a support service straight away which really helped.",
    "had one phone call and then nothing, felt forgotten about",
    "My officer changed three times and none of them knew my case.",
    "The helpline was there when I needed it, even late at night.",
    "They gave me a leaflet and that was it.",
    "Kept informed about the court date but not about bail, which scared me.",
    "The ASB team came round and actually listened, things improved after.",
    "I never got a call back from the support service even though they said they would.",
    "the support worker was lovely but could only see me for six weeks",
    "My ISVA, Claire, rang every week even when there was no news, which meant a lot.",
    "I got three different letters from three different services all asking the same questions.",
    "The officer in my case went on leave and nobody told me, I found out when I rang.",
    "They put a marker on my address so if I ring 999 they know straight away. I feel safer.",
    "Witness Care kept me updated about the trial but the date moved four times.",
    "I was told someone would be in touch about counselling. That was in March.",
    "the housing officer and the police never spoke to each other, I was stuck in the middle",
    "Special measures at court meant I didnt have to see him, I couldnt have done it otherwise.",
    "Nobody explained what no further action meant, I had to google it.",
    "Victim Support helped me fill in the compensation forms.",
)
RECOVERY = (
    "Someone to talk to who understood, without waiting months.",
    "Feeling safe in my own home again, better locks would help.",
    "More support after the court case ended, it all just stopped.",
    "Counselling helped me get my confidence back.",
    "Help with moving house, I still live on the same street as them.",
    "Talking to others who had been through the same thing, a group would be good.",
    "Practical help with forms and money, I lost my job because of it.",
    "I'm coping better now but still dont go out at night.",
    "Just knowing someone would check in on me now and again.",
    "justice, he got away with it and I have to live with that",
    "My GP was good and got me on a waiting list for therapy.",
    "A support group on a Tuesday night, I work days so I could never get to the daytime one.",
    "Getting the locks changed the same day was the best thing anyone did for me.",
    "I still have nightmares. More than six sessions of counselling would have helped.",
    "My employer was understanding and let me work from home for a while.",
    "Help for my children, they saw everything and nobody offered them anything.",
    "Being moved to a new area away from him, even though it meant starting again.",
    "Just being believed. Once someone believed me I could start to get better.",
    "an advocate who could come to appointments with me, i cant face them alone",
    "Knowing he was on a tag and couldnt come near the house.",
)
ANYTHING_ELSE = (
    "Thank you for asking about this.",
    "Please make the services easier to find.",
    "I hope this helps someone else.",
    "It took a lot to fill this in. Please read it.",
    "More awareness that men can be victims too.",
)


class DemoRefused(Exception):
    """The database holds responses already: demo data would mix with real data."""


@dataclass
class Seeded:
    """What `seed` made."""

    online: int = 0
    paper: int = 0
    segments: int = 0
    machine_codings: int = 0
    person_codings: int = 0
    coder_email: str = CODER_EMAIL


def refusal() -> str | None:
    """Why the database cannot take demo data, or None when it can."""
    held = db.session.scalar(select(func.count()).select_from(Response)) or 0
    keyed = db.session.scalar(select(func.count()).select_from(PaperEntry)) or 0
    if held or keyed:
        return (
            f"This database holds {held} responses and {keyed} keyed paper entries: demo data "
            "is only ever added to a database without any response. Use a fresh database "
            "(for example DATABASE_URL=sqlite:///demo.db flask db upgrade)."
        )
    return None


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _choice_values(definition, name: str) -> list:
    question = next(q for q in definition.questions if q.name == name)
    return [c.value for c in question.choices]


def _text(rng: random.Random, bank: tuple[str, ...], nothing: float = 0.12) -> str:
    if rng.random() < nothing:
        return rng.choice(SAYS_NOTHING)
    text = rng.choice(bank)
    if rng.random() < 0.35:
        other = rng.choice(bank)
        if other != text:
            text = f"{text} {other}"
    return text


def _answers(rng: random.Random, definition) -> dict[str, Answer]:
    """One respondent's answers, following the questionnaire's routing."""
    a: dict[str, Answer] = {}
    crime = [_weighted(rng, CRIME_TYPES)]
    if rng.random() < 0.12:
        second = _weighted(rng, CRIME_TYPES)
        if second != crime[0]:
            crime.append(second)
    a["crime_type"] = Answer.answered_with(tuple(crime))
    a["area"] = Answer.answered_with(rng.choice(AREAS))
    a["how_often"] = Answer.answered_with(rng.choice(("once", "more_than_once", "ongoing")))
    reported = rng.choices(("yes", "no", "not_sure"), weights=(68, 25, 7))[0]
    a["reported"] = Answer.answered_with(reported)
    if reported == "yes":
        a["reported_to"] = Answer.answered_with(
            ("police",) if rng.random() < 0.8 else ("police", "victim_support")
        )
        a["how_reported"] = Answer.answered_with(
            (rng.choice(("phone_999", "phone_101", "online", "in_person")),)
        )
        a["treated"] = Answer.answered_with(rng.choice(_choice_values(definition, "treated")))
        a["taken_seriously"] = Answer.answered_with(rng.choice(("yes", "partly", "no")))
        if rng.random() < 0.85:
            a["reporting_experience"] = Answer.answered_with(_text(rng, REPORTING))
    else:
        a["why_not_reported"] = Answer.answered_with(
            (rng.choice(("nothing_done", "afraid", "not_serious", "distrust_police")),)
        )
        if rng.random() < 0.7:
            a["why_not_reported_more"] = Answer.answered_with(_text(rng, WHY_NOT))
    contacted = rng.random() < (0.75 if reported == "yes" else 0.3)
    services = ("victim_care", "police", "helpline", "health", "asb_team", "idva")
    a["services_contacted"] = Answer.answered_with(
        tuple(sorted(set(rng.sample(services, rng.randint(1, 2))))) if contacted else ("none",)
    )
    if contacted:
        a["how_referred"] = Answer.answered_with(
            rng.choice(("police_referral", "self_referral", "friend_family"))
        )
        if reported == "yes":
            a["kept_informed"] = Answer.answered_with(
                rng.choice(_choice_values(definition, "kept_informed"))
            )
        a["services_helpful"] = Answer.answered_with(
            rng.choice(_choice_values(definition, "services_helpful"))
        )
    if rng.random() < 0.8:
        a["engagement_experience"] = Answer.answered_with(_text(rng, ENGAGEMENT))
    needs = ("someone_to_talk_to", "feeling_safe", "information", "practical", "counselling")
    if rng.random() < 0.1:
        a["needs"] = Answer.prefer_not()
    else:
        a["needs"] = Answer.answered_with(tuple(sorted(set(rng.sample(needs, rng.randint(1, 3))))))
        a["needs_met"] = Answer.answered_with(rng.choice(_choice_values(definition, "needs_met")))
    a["coping_now"] = Answer.answered_with(rng.choice(_choice_values(definition, "coping_now")))
    if rng.random() < 0.85:
        a["what_would_help"] = Answer.answered_with(_text(rng, RECOVERY))
    a["about_you_opt_in"] = Answer.answered_with("no")
    if rng.random() < 0.15:
        a["anything_else"] = Answer.answered_with(rng.choice(ANYTHING_ELSE))
    return a


def _user(email: str, role: str) -> User:
    found = db.session.scalar(select(User).where(User.email == email))
    if found is not None:
        return found
    # A random password nobody is told: the demo accounts are there to own actions, not to sign in.
    return users.create_user(email, role, secrets.token_urlsafe(24))


def _ensure_questionnaire():
    found = questionnaires.find_questionnaire(SLUG)
    if found is None:
        from survey_app.services.definitions import sync_definitions

        sync_definitions(Path(current_app.config["QUESTIONNAIRES_DIR"]), datetime.date.today())
        found = questionnaires.find_questionnaire(SLUG)
    if found is None:
        raise DemoRefused(
            f"No questionnaire {SLUG!r} in {current_app.config['QUESTIONNAIRES_DIR']}."
        )
    return found


def seed(seed_value: int = 2014, online: int = ONLINE, paper_count: int = PAPER) -> Seeded:
    """Create the demonstration data set (commits); raises DemoRefused on a database that holds
    any response."""
    why = refusal()
    if why:
        raise DemoRefused(why)
    found = _ensure_questionnaire()
    rng = random.Random(seed_value)
    made = Seeded()
    for _ in range(online):
        day = FIRST_DAY + datetime.timedelta(days=rng.randrange(DAYS))
        now = datetime.datetime.combine(day, datetime.time(12, 0))
        draft = drafts.start_draft(found.version, now, hours=1)
        responses.submit_draft(draft, found.definition, _answers(rng, found.definition), now)
        made.online += 1
    keyers = [_user(email, "entry") for email in KEYER_EMAILS]
    day = FIRST_DAY + datetime.timedelta(days=DAYS // 2)
    if paper_count:
        batch = paper.print_batch(found.row, paper_count, keyers[0], day)
        for copy in batch.copies:
            answers = _answers(rng, found.definition)
            for keyer in keyers:
                if copy.response_id is not None:
                    break
                paper.save_entry(copy, keyer, found.definition, answers, None, day)
                db.session.refresh(copy)
            made.paper += 1
    coded = coding.code_segments(SLUG, "rules")
    made.machine_codings = coded.codings
    person = _user(CODER_EMAIL, "researcher")
    suggestions = list(
        db.session.scalars(
            select(Coding)
            .where(Coding.status == "suggested")
            .order_by(Coding.segment_id, Coding.theme)
        )
    )
    for row in rng.sample(suggestions, min(REVIEWED, len(suggestions))):
        coding.decide(row, person, accept=rng.random() < 0.8)
        made.person_codings += 1
    texts = list(
        db.session.scalars(select(Segment).where(Segment.stage == "recovery").order_by(Segment.id))
    )
    hand = [s for s in texts if "talk" in s.text.lower() or "counselling" in s.text.lower()]
    for segment in hand[:HAND_CODED]:
        theme = "emotional_support"
        exists = db.session.scalar(
            select(Coding).where(
                Coding.segment_id == segment.id,
                Coding.theme == theme,
                Coding.coder == coding.person(person),
            )
        )
        if exists is None:
            coding.code_by_person(segment.id, theme, person)
            made.person_codings += 1
    made.segments = db.session.scalar(select(func.count()).select_from(Segment)) or 0
    return made
