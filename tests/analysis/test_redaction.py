"""Tests for analysis.redaction: placeholders, spans, and measured recall/precision on cases."""

from pathlib import Path

import pytest
import yaml

from analysis.redaction import Redactor, evaluate_redaction, redact

CASES_FILE = Path(__file__).parent / "data" / "redaction_cases.yaml"


def load_cases():
    """Read the hand-marked redaction cases."""
    return yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]


def test_case_file_has_enough_positive_and_negative_cases():
    cases = load_cases()
    assert len(cases) >= 60
    assert sum(1 for c in cases if not c["expected"]) >= 15
    kinds = {e["type"] for c in cases for e in c["expected"]}
    assert kinds == {
        "name",
        "phone",
        "email",
        "url",
        "address",
        "postcode",
        "vehicle",
        "date of birth",
    }


def test_measured_recall_and_precision_meet_floors():
    report = evaluate_redaction(load_cases())
    print("\nredaction on", len(load_cases()), "cases")
    for kind, row in report.items():
        print(
            f"  {kind:14s} recall {row['recall']:.3f} precision {row['precision']:.3f}"
            f"  (tp {row['tp']}, fp {row['fp']}, fn {row['fn']})"
        )
    for kind in ("phone", "email", "postcode"):
        assert report[kind]["recall"] >= 0.95, kind
    assert report["name"]["recall"] >= 0.85
    assert report["overall"]["recall"] >= 0.9
    assert report["overall"]["precision"] >= 0.9


def test_redact_replaces_details_with_typed_placeholders():
    result = redact("Ring my sister Joanne on 07700 900654 or email jo@example.net.")
    assert result.text == "Ring my sister [name] on [phone] or email [email]."


def test_spans_point_at_the_original_text():
    text = "PC Walsh came to 8 Elm Grove, L9 2AB."
    result = redact(text)
    assert [(s.type, text[s.start : s.end]) for s in result.spans] == [
        ("name", "Walsh"),
        ("address", "8 Elm Grove"),
        ("postcode", "L9 2AB"),
    ]
    assert result.text == "PC [name] came to [address], [postcode]."


def test_organisations_and_places_are_not_names():
    text = "Merseyside Police and Victim Support in Liverpool never rang me back."
    assert redact(text).text == text


def test_sentence_start_word_that_is_also_a_name_is_kept():
    assert redact("Will anyone read this?").spans == ()
    assert [s.text for s in redact("I told Will about it.").spans] == ["Will"]


def test_configured_names_are_redacted_case_insensitively():
    result = redact("Zebedee said ZEBEDEE would sort it.", names=["Zebedee"])
    assert result.text == "[name] said [name] would sort it."


def test_never_names_extend_the_built_in_list():
    text = "My neighbour Kensington kept the noise down."
    assert redact(text).text == "My neighbour [name] kept the noise down."
    assert Redactor(never_names=["Kensington"]).redact(text).text == text


def test_helpline_and_emergency_numbers_are_kept():
    text = "I rang 999, then 101, then the helpline on 0808 2000 247."
    assert redact(text).spans == ()


def test_a_date_without_a_birth_cue_is_kept():
    assert redact("The hearing on 12/05/2023 was adjourned.").spans == ()
    assert redact("DOB 12/05/1990").text == "DOB [date of birth]"


def test_types_restrict_what_is_looked_for():
    result = Redactor(types=["phone"]).redact("Dave rang from 07700 900123.")
    assert result.text == "Dave rang from [phone]."


def test_unknown_type_is_rejected():
    with pytest.raises(ValueError, match="unknown redaction types"):
        Redactor(types=["passport"])


def test_overlapping_candidates_keep_the_higher_priority_type():
    # The e-mail address contains a domain that the URL rule would also match.
    result = redact("write to dave.smith@example.com today")
    assert [s.type for s in result.spans] == ["email"]
