"""Transcripts: reading each format, finding speakers' turns, pseudonymising and staging them."""

import random
import re
from pathlib import Path

import pytest
import yaml

from analysis.topic_guides import TopicGuideError, parse_topic_guide
from analysis.transcripts import (
    CONTINUE,
    MAX_TRANSCRIPT_BYTES,
    TranscriptError,
    assign_stages,
    clean_term,
    parse_turns,
    pseudonymise,
    read_transcript,
)
from tests.transcript_files import (
    docx,
    encrypted_office_file,
    encrypted_zip_docx,
    entity_expansion_docx,
    macro_docm,
    table_xml,
    zip_bomb_docx,
)

GUIDE_FILE = Path(__file__).parents[2] / "questionnaires/topic-guides/victims-focus-group.yaml"


@pytest.fixture(scope="module")
def guide():
    return parse_topic_guide(yaml.safe_load(GUIDE_FILE.read_text()), str(GUIDE_FILE))


def turns_of(text: str, **kwargs):
    return parse_turns(text.splitlines(), **kwargs)[0]


def transcript_of(text: str, **kwargs):
    turns, register = parse_turns(text.splitlines())
    return pseudonymise(turns, register=register, **kwargs)


# ----- reading files ---------------------------------------------------------------------------


def test_plain_text_is_read_in_utf8_with_or_without_bom_utf16_and_windows_1252():
    text = "Facilitator: Welcome.\nSarah: I’m fine – thanks.\n"
    for data in (
        text.encode("utf-8"),
        text.encode("utf-8-sig"),
        text.encode("utf-16"),
        text.replace("’", "'").encode("cp1252"),
    ):
        kind, lines = read_transcript(data)
        assert kind == "text"
        assert lines[0] == "Facilitator: Welcome."
        assert lines[1].startswith("Sarah: I")


def test_a_word_file_is_read_paragraph_by_paragraph_with_runs_joined_and_breaks_kept():
    data = docx(
        [
            ["Facil", "itator: Welcome ", "everyone."],
            "Sarah: First line\nsecond line",
            "",
        ],
        extra_body=table_xml([["Tom", "In a table cell"]]),
    )
    kind, lines = read_transcript(data)
    assert kind == "docx"
    assert lines[:3] == ["Facilitator: Welcome everyone.", "Sarah: First line", "second line"]
    assert "Tom" in lines and "In a table cell" in lines


def test_deleted_tracked_changes_in_a_word_file_are_not_read():
    deleted = (
        "<w:p><w:del><w:r><w:delText>Sarah Jones lives at 4 Elm Road</w:delText></w:r></w:del>"
        "<w:r><w:t>Sarah: kept</w:t></w:r></w:p>"
    )
    _kind, lines = read_transcript(docx([], extra_body=deleted))
    assert lines == ["Sarah: kept"]


def test_the_type_is_found_by_content_not_by_name():
    # Word bytes are read as Word whatever the name; the function is never given a name.
    assert read_transcript(docx(["Sarah: hello"]))[0] == "docx"
    assert read_transcript(b"WEBVTT\n\n00:01.000 --> 00:02.000\n<v Sarah>Hi\n")[0] == "webvtt"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\r\n ", "empty"),
        (encrypted_office_file(), "password-protected"),
        (macro_docm(["Sarah: hello"]), "macros"),
        (docx(["Sarah: hi"], extra_files={"word/vbaProject.bin": b"x"}), "macros"),
        (encrypted_zip_docx(), "encrypted"),
        (b"PK\x03\x04 this is not really a zip", "damaged"),
        (docx([], xml="<w:document><unclosed>"), "damaged"),
        (entity_expansion_docx(), "damaged"),
        (b"%PDF-1.7 ...", "PDF"),
        (b"{\\rtf1\\ansi Sarah: hi}", "RTF"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "not a transcript"),
        (b"x" * (MAX_TRANSCRIPT_BYTES + 1), "larger than"),
    ],
    ids=[
        "empty",
        "blank",
        "ole-encrypted",
        "docm",
        "vba-part",
        "zip-encrypted",
        "bad-zip",
        "bad-xml",
        "entities",
        "pdf",
        "rtf",
        "binary",
        "too-big",
    ],
)
def test_bad_files_are_refused_with_a_clear_message(data, message):
    with pytest.raises(TranscriptError, match=message):
        read_transcript(data)


def test_a_zip_that_is_not_a_word_document_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "Sarah: hello")
    with pytest.raises(TranscriptError, match="not a Word document"):
        read_transcript(buffer.getvalue())


def test_a_zip_bomb_is_refused_without_unpacking_it_all():
    with pytest.raises(TranscriptError, match="too large when unpacked"):
        read_transcript(zip_bomb_docx(30))


def test_webvtt_voices_become_speakers_and_cues_of_one_voice_one_turn():
    vtt = (
        "WEBVTT\n\nNOTE recorded in Liverpool\n\n"
        "1\n00:00:01.000 --> 00:00:04.000\n<v Facilitator>Did you report it?</v>\n\n"
        "00:00:05.000 --> 00:00:07.000\n<v.loud Sarah Jones>I rang &amp; rang.\n\n"
        "00:00:07.500 --> 00:00:09.000\n<v Sarah Jones>Nobody came.\n\n"
        "00:00:10.000 --> 00:00:12.000\n<v Tom>Same <i>here</i>.\n"
    )
    kind, lines = read_transcript(vtt.encode())
    assert kind == "webvtt"
    turns = parse_turns(lines)[0]
    assert [(t.speaker, t.text) for t in turns] == [
        ("Facilitator", "Did you report it?"),
        ("Sarah Jones", "I rang & rang.\n\nNobody came."),
        ("Tom", "Same here."),
    ]


def test_srt_cues_are_read_without_numbers_or_timings():
    srt = (
        "1\n00:00:01,000 --> 00:00:04,000\nFacilitator: Did you report it?\n\n"
        "2\n00:00:05,000 --> 00:00:07,000\nSARAH: I rang the police.\nThey never came.\n\n"
        "3\n00:00:08,000 --> 00:00:09,000\nmore from me\n"
    )
    kind, lines = read_transcript(srt.encode())
    assert kind == "srt"
    turns = parse_turns(lines)[0]
    assert [t.speaker for t in turns] == ["Facilitator", "SARAH"]
    assert "00:00" not in turns[1].text
    assert turns[1].text == "I rang the police.\n\nThey never came.\n\nmore from me"


# ----- speaker turns ---------------------------------------------------------------------------

MESSY = """Focus group 3, Liverpool, 4 March 2015
Present: Sarah Jones, Tom O'Neill, Precious Adeyemi
Note: recording started late

Jane (Facilitator): Welcome everyone. Thinking about what happened, did you report it to the police?
SARAH JONES: I did. I rang 101 twice.

Then I went to the station in person: they said to ring again.
[00:03:12] tom - I never reported it. What's the point?
Jane: Why do you say that, Tom?
PRECIOUS
I went with my sister. It was Sarah's idea actually.
sarah: It was!
Facilitator: After reporting, were you offered support from a service?
Tom O'Neill: Victim Support rang me. My worker Bernadette was brilliant.
"""


def test_turns_are_found_in_every_usual_form_and_names_in_any_case_are_one_speaker():
    turns, register = parse_turns(MESSY.splitlines())
    assert [(t.speaker, t.facilitator) for t in turns] == [
        ("Jane (Facilitator)", True),
        ("SARAH JONES", False),
        ("Tom O'Neill", False),
        ("Jane (Facilitator)", True),
        ("PRECIOUS", False),
        ("SARAH JONES", False),
        ("Facilitator", True),
        ("Tom O'Neill", False),
    ]
    assert register == ["Sarah Jones", "Tom O'Neill", "Precious Adeyemi"]
    # A turn running over paragraphs, with a colon inside a sentence, stays one turn.
    assert turns[1].text == (
        "I did. I rang 101 twice.\n\nThen I went to the station in person: they said to ring again."
    )
    # The preamble (title, date, the list of those present, a note) is not a turn.
    assert all("Focus group 3" not in t.text and "recording" not in t.text for t in turns)


def test_a_sentence_with_a_colon_or_a_short_line_is_not_taken_for_a_speaker():
    turns = turns_of(
        "Facilitator: What happened next?\n"
        "Sarah: I said to him: leave me alone.\n"
        "The police said: ring 101.\n"
        "Absolutely\n"
        "Yes.\n"
    )
    assert [t.speaker for t in turns] == ["Facilitator", "Sarah"]
    assert "The police said: ring 101." in turns[1].text
    assert "Absolutely" in turns[1].text


def test_facilitators_are_recognised_by_role_and_by_name_given_elsewhere():
    turns = turns_of(
        "Moderator: Hello.\nKim: Hi.\nMODERATOR - And you?\nInterviewer (Raj): Next question.\n"
        "Raj: Anyone?\n"
    )
    assert [t.facilitator for t in turns] == [True, False, True, True, True]
    named = parse_turns(["Ann: Welcome.", "Kim: Hi."], facilitator_names=["ann"])[0]
    assert named[0].facilitator and not named[1].facilitator


# ----- pseudonyms and replacements ---------------------------------------------------------------


def test_speakers_become_facilitator_and_p1_p2_in_order_of_first_speaking():
    result = transcript_of(MESSY)
    assert [t.speaker for t in result.turns] == [
        "Facilitator",
        "P1",
        "P2",
        "Facilitator",
        "P3",
        "P1",
        "Facilitator",
        "P2",
    ]
    assert result.speakers == {"Facilitator": 3, "P1": 2, "P2": 2, "P3": 1}
    assert result.participants == 3


def test_a_name_mentioned_by_another_speaker_becomes_that_speakers_pseudonym():
    result = transcript_of(MESSY)
    texts = [t.text for t in result.turns]
    assert texts[3] == "Why do you say that, [P2]?"
    assert "It was [P1]'s idea actually." in texts[4]
    assert "My worker [name] was brilliant." in texts[7]


NAMES = ["Sarah Jones", "Tom O'Neill", "Precious Adeyemi", "Jane"]


def _leaks(text: str, names=NAMES) -> list[str]:
    words = {w for name in names for w in re.findall(r"[A-Za-z']+", name) if len(w) > 2}
    words |= {n for n in names}
    return [w for w in words if re.search(rf"(?i)(?<![a-z]){re.escape(w)}(?![a-z])", text)]


def test_no_speakers_name_survives_in_any_form():
    text = (
        "Jane (Facilitator): Hello Sarah, SARAH, sarah, Sarah's, sarahs, Sarah’s and Jones.\n"
        "Sarah Jones: Thanks Jane. Tom O'Neill and tom and O'NEILL and Precious know me.\n"
        "Tom O'Neill: sarah_jones and sarah.jones@example.com and @SarahJ and JANE's idea.\n"
        "Precious Adeyemi: Adeyemi is my surname; Jones-Smith is not.\n"
    )
    result = transcript_of(text)
    for turn in result.turns:
        assert _leaks(turn.text) == [], turn.text
        assert turn.speaker in ("Facilitator", "P1", "P2", "P3")


def test_a_speakers_name_cannot_be_kept_but_other_replacements_can_be_undone():
    text = "Facilitator: Hello.\nSarah: My IDVA Bernadette rang me. Sarah here.\n"
    first = transcript_of(text)
    kinds = {r.original: (r.kind, r.can_undo) for r in first.replacements}
    assert kinds["Sarah"] == ("speaker's name", False)
    assert kinds["Bernadette"] == ("name", True)
    undone = transcript_of(text, kept=["bernadette", "SARAH"])
    assert "Bernadette" in undone.turns[1].text
    assert "Sarah" not in undone.turns[1].text
    assert [r.original for r in undone.kept] == ["Bernadette"]


def test_added_terms_are_replaced_everywhere_in_any_case():
    text = "Facilitator: Where?\nSarah: Near the Dovecot Arms, the DOVECOT one.\n"
    result = transcript_of(text, added=["dovecot"])
    assert result.turns[1].text == "Near the [redacted] Arms, the [redacted] one."
    assert next(r for r in result.replacements if r.kind == "added").count == 2


def test_details_the_redactor_finds_are_replaced_and_listed():
    text = (
        "Facilitator: Go on.\n"
        "Sarah: Ring me on 07700 900123 or sarah.j@example.com, I live at 12 Elm Road, L4 2AB.\n"
    )
    result = transcript_of(text)
    assert result.turns[1].text == "Ring me on [phone] or [email], I live at [address], [postcode]."
    assert {r.kind for r in result.replacements} >= {"phone", "email", "address", "postcode"}


def test_names_listed_as_present_are_replaced_even_if_they_never_speak():
    text = "Present: Kirsty Mallory\nFacilitator: Hello.\nSam: Kirsty could not come.\n"
    result = transcript_of(text)
    assert result.turns[1].text == "[name] could not come."


def test_familiar_forms_of_a_speakers_name_are_that_speakers_pseudonym():
    text = (
        "Present: Gary Mallory\n"
        "Facilitator: Who helped?\n"
        "Sharon Whitley: Shaz, everyone calls me Shaz, or SHAZZA's what my mates say.\n"
        "Kev: Kevin is only what my mum calls me. Ask Elizabeth.\n"
        "Elizabeth: Liz, please, or Lizzie. Kev's right.\n"
        "Elizabeth: Gaz could not come.\n"
    )
    texts = [t.text for t in transcript_of(text).turns]
    assert texts[1] == "[P1], everyone calls me [P1], or [P1]'s what my mates say."
    assert texts[2] == "[P2] is only what my mum calls me. Ask [P3]."
    assert texts[3] == "[P3], please, or [P3]. [P2]'s right."
    assert texts[4] == "[name] could not come."


def test_a_name_that_is_an_ordinary_word_is_replaced_only_where_it_reads_as_a_name():
    text = (
        "Facilitator: Welcome everyone. Will, would you start?\n"
        "Will Jones: I will ring them tomorrow. Will you come? I WILL.\n"
        "Rose: The prices rose again. Will said it was fine; Will's car was there.\n"
        "Facilitator: Thanks Rose. Mark my words. May I ask you, Rose?\n"
        'Rose: (Will nodded.) "Will is right," I said.\n'
    )
    texts = [t.text for t in transcript_of(text).turns]
    assert texts == [
        "Welcome everyone. [P1], would you start?",
        "I will ring them tomorrow. Will you come? I WILL.",
        "The prices rose again. [P1] said it was fine; [P1]'s car was there.",
        "Thanks [P2]. Mark my words. May I ask you, [P2]?",
        '([P1] nodded.) "[P1] is right," I said.',
    ]
    # "Jones" is no ordinary word: replaced in any case, as every other form.
    assert "[P1]" in transcript_of("Will Jones: hi\nAnn: jones and JONES\n").turns[1].text


def test_familiar_forms_are_never_ordinary_words():
    """Michael, Nicholas, Robert and Corinne speak: the idioms and words stay."""
    text = (
        "Facilitator: Go on.\n"
        "Michael: They were taking the mick, then took him down the nick.\n"
        "Nicholas: Coz they tried to rob me, and a bobby came. Mike, you said that.\n"
        "Robert: Nicky and Robbie too, not Corinne.\n"
        "Corinne: Cozza's fine.\n"
    )
    texts = [t.text for t in transcript_of(text).turns]
    assert texts[1] == "They were taking the mick, then took him down the nick."
    assert texts[2] == "Coz they tried to rob me, and a bobby came. [P1], you said that."
    assert texts[3] == "[P2] and [P3] too, not [P4]."
    assert texts[4] == "[P4]'s fine."


def test_familiar_forms_of_first_names():
    from analysis.transcripts import familiar_forms

    assert familiar_forms("Sharon") == {"Shaz", "Shazza"}
    assert familiar_forms("WARREN") == {"Waz", "Wazza"}
    assert {"Liz", "Beth"} <= familiar_forms("elizabeth")
    assert familiar_forms("Chris") == {"Christine", "Christopher"}  # not each other's forms
    assert familiar_forms("Paul") == set()
    assert "Coz" not in familiar_forms("Corinne")


@pytest.mark.parametrize("seed", range(25))
def test_random_transcripts_never_keep_a_speakers_name(seed):
    rng = random.Random(seed)
    first = ["Sarah", "Mohammed", "Precious", "Wei", "Siobhan", "Kev", "Ann", "Grzegorz", "Ola"]
    last = ["Jones", "O'Neill", "Adeyemi", "Nowak", "McCarthy", "Khan", "Smith-Patel"]
    people = [f"{rng.choice(first)} {rng.choice(last)}" for _ in range(4)]
    people = list(dict.fromkeys(people))

    def styled(name: str) -> str:
        form = rng.choice([name, name.split()[0], name.split()[-1]])
        form = rng.choice([form, form.upper(), form.lower()])
        return form + rng.choice(["", "'s", "’s", "s"])

    lines = ["Facilitator: Welcome, did you report it to the police?"]
    for _ in range(30):
        speaker = rng.choice(people)
        label = rng.choice([speaker, speaker.upper(), speaker.split()[0]])
        mention = styled(rng.choice(people))
        lines.append(f"{label}: I think {mention} said it (and {styled(speaker)} agrees).")
        if rng.random() < 0.3:
            lines.append(f"And a second paragraph about {styled(rng.choice(people))}.")
    turns, register = parse_turns(lines)
    result = pseudonymise(turns, register=register, kept=[p.split()[0] for p in people])
    for turn in result.turns:
        assert _leaks(turn.text, people) == [], (people, turn.text)


def test_clean_term_refuses_too_short_too_long_and_punctuation_only():
    assert clean_term("  Dovecot   Arms ") == "Dovecot Arms"
    for bad in ("a", "x" * 101, "!!!"):
        with pytest.raises(ValueError):
            clean_term(bad)


# ----- stages ------------------------------------------------------------------------------------


def test_a_facilitators_question_opens_its_section_and_turns_take_its_stage(guide):
    result = transcript_of(MESSY)
    staged = assign_stages(result.turns, guide)
    assert [(s.stage, s.decided) for s in staged] == [
        ("reporting", "suggested"),
        ("reporting", "suggested"),
        ("reporting", "suggested"),
        ("reporting", "suggested"),
        ("reporting", "suggested"),
        ("reporting", "suggested"),
        ("engagement", "suggested"),
        ("engagement", "suggested"),
    ]
    assert [s.starts_section for s in staged].count(True) == 2


def test_the_researchers_marks_override_suggestions(guide):
    result = transcript_of(MESSY)
    staged = assign_stages(result.turns, guide, {5: "recovery", 7: CONTINUE})
    assert [s.stage for s in staged] == ["reporting"] * 4 + ["recovery"] * 4
    assert staged[4].decided == "marked" and staged[4].starts_section
    assert not staged[6].starts_section


def test_turns_before_any_section_have_no_stage(guide):
    result = transcript_of("Facilitator: Tea or coffee?\nSam: Tea.\n")
    assert [s.stage for s in assign_stages(result.turns, guide)] == ["none", "none"]


def test_notes_without_a_facilitator_are_staged_turn_by_turn(guide):
    result = transcript_of(
        "Sam: I never reported it to the police, no point ringing 101.\n"
        "Kim: Counselling helped me cope and recover.\n"
    )
    assert [s.stage for s in assign_stages(result.turns, guide)] == ["reporting", "recovery"]


# ----- topic guides ------------------------------------------------------------------------------


def test_the_shipped_topic_guide_maps_sections_to_the_surveys_stages(guide):
    assert {s.stage for s in guide.sections} == {"reporting", "engagement", "recovery", "none"}
    assert all(s.prompts for s in guide.sections)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "codebook"}, "kind must be"),
        ({"name": "Bad Name"}, "name must be"),
        ({"for": ["party"]}, "unknown session kind"),
        ({"sections": []}, "non-empty list"),
        ({"sections": [{"key": "a", "title": "A", "stage": "later", "prompts": ["x"]}]}, "stage"),
        ({"sections": [{"key": "a", "title": "A", "stage": "none", "prompts": []}]}, "prompts"),
        ({"extra": 1}, "unknown keys"),
    ],
)
def test_a_bad_topic_guide_is_refused_naming_the_file_and_problem(change, message):
    data = {**yaml.safe_load(GUIDE_FILE.read_text()), **change}
    with pytest.raises(TopicGuideError, match=message) as raised:
        parse_topic_guide(data, "topic-guides/x.yaml")
    assert "topic-guides/x.yaml" in str(raised.value)


def test_a_speaker_in_lower_case_is_found_by_a_common_first_name_or_by_speaking_twice():
    turns = turns_of(
        "Facilitator: Did you report it?\ntom - No, never.\nzeb: Once.\nwell: not really\n"
        "zeb: Twice actually.\n"
    )
    assert [t.speaker for t in turns] == ["Facilitator", "tom", "zeb", "zeb"]
    assert "well: not really" in turns[2].text


def test_a_speaker_with_no_words_is_no_turn_but_their_name_is_still_replaced():
    turns, register = parse_turns(
        ["Facilitator: Hello.", "KIRSTY:", "Sam: Kirsty never said a word."]
    )
    assert [t.speaker for t in turns] == ["Facilitator", "Sam"]
    result = pseudonymise(turns, register=register)
    assert result.turns[1].text == "[name] never said a word."
