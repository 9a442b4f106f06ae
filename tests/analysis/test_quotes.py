"""Quotes: answers that say nothing, details left after redaction, representative choices."""

import pytest

from analysis.quotes import (
    QuoteCandidate,
    identifying_details,
    near_duplicate,
    pick_quotes,
    says_nothing,
)
from analysis.text import fast_tokenize


@pytest.mark.parametrize(
    "text", ["no", "No.", "N/A", "n/a", "NA", "none", "Nothing to add.", "nothing", "  ", "-", "?"]
)
def test_answers_that_say_nothing(text):
    assert says_nothing(text)


@pytest.mark.parametrize(
    "text", ["No one rang me back.", "Nothing was done about it", "None of them listened"]
)
def test_answers_that_start_like_nothing_but_say_something(text):
    assert not says_nothing(text)


def test_the_list_of_empty_answers_can_be_replaced():
    assert says_nothing("dunno", empty_answers=["dunno"])
    assert not says_nothing("no", empty_answers=["dunno"])


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("My case was dropped and Gwilym never rang me back.", "name"),
        ("Nobody from the station in Bootle rang me.", "place"),
        ("I was scared to go out in St Helens after that.", "place"),
        ("I heard nothing after the 14th March.", "date"),
        ("It happened in 2013 and I still think about it.", "date"),
        ("They came round on 03/05/2014 at night.", "date"),
        ("In May I finally felt safe again.", "date"),
    ],
)
def test_details_left_after_redaction_are_found(text, kind):
    assert kind in {k for k, _ in identifying_details(text)}


@pytest.mark.parametrize(
    "text",
    [
        "The police were great and Victim Support rang me every week.",
        "My IDVA was brilliant, I could not have done it without her.",
        "PC [name] came out the same day.",
        "May I say the officer was kind.",
        "I called 101 three times and nobody came.",
    ],
)
def test_ordinary_quotes_name_nobody(text):
    assert identifying_details(text) == []


def test_names_and_places_passed_in_are_found():
    assert identifying_details("we met at the Hub", places=["the Hub"]) == [("place", "the Hub")]
    assert ("name", "kez") in identifying_details("then kez shouted", names=["Kez"])


def test_near_duplicates_by_word_overlap():
    a = frozenset(fast_tokenize("They gave me a number but nobody answered it when I called."))
    b = frozenset(fast_tokenize("They gave me a number but nobody answered when I rang."))
    c = frozenset(fast_tokenize("The officer explained what would happen next."))
    assert near_duplicate(a, b)
    assert not near_duplicate(a, c)


def test_an_answer_inside_a_longer_one_is_a_near_duplicate():
    sentence = "Nobody from the police ever rang me back about what happened."
    longer = f"The support worker was kind and listened to me for hours. {sentence}"
    inner, outer = frozenset(fast_tokenize(sentence)), frozenset(fast_tokenize(longer))
    assert len(inner & outer) / len(inner | outer) < 0.6  # Jaccard alone would keep both
    assert near_duplicate(inner, outer) and near_duplicate(outer, inner)
    other = frozenset(fast_tokenize("The officer rang me back the next day and explained it."))
    assert not near_duplicate(other, outer)


def candidate(i, text, person=None, strength=1.0):
    return QuoteCandidate(f"s{i:02d}", text, person or f"p{i}", strength)


def test_pick_quotes_skips_identifying_duplicate_weak_and_refused_candidates():
    candidates = [
        candidate(0, "My case was dropped and Gwilym never rang me back about it."),
        candidate(1, "Nobody from the station in Bootle ever rang me back about my case."),
        candidate(2, "They gave me a number 07700 900123 but nobody answered it when I called."),
        candidate(3, "They gave me a number 07700 900456 but nobody answered it when I called."),
        candidate(4, "I had to chase them for months to find out the case was dropped.", "p2"),
        candidate(5, "The officer kept me updated every week and explained what happens next."),
        candidate(
            6, "A weak machine guess that would otherwise be a fine quote to show.", None, 0.5
        ),
        candidate(7, "Somebody refused by the caller for coming from a hidden cell of the table."),
        candidate(8, "The victim care worker helped me fill in the forms for compensation."),
    ]
    quotes = pick_quotes(candidates, 3, allowed=lambda c: c.segment_id != "s07")
    assert [q.segment_id for q in quotes] == ["s02", "s05", "s08"]
    assert quotes[0].text == "They gave me a number [phone] but nobody answered it when I called."


def test_pick_quotes_prefers_strong_codings_and_readable_lengths():
    candidates = [
        candidate(0, "Too short.", strength=1.0),
        candidate(1, "A machine suggestion that is long enough to read as a quote.", strength=0.8),
        candidate(2, "A person's own coding of an answer that reads well as a quote here."),
    ]
    assert [q.segment_id for q in pick_quotes(candidates, 2)] == ["s02", "s00"]
    assert pick_quotes(candidates, 0) == []
