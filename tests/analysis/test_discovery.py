"""Tests for analysis.discovery: NMF candidate themes, determinism, redacted exemplars."""

import pytest

from analysis.discovery import discover_themes, uncoded_segments
from analysis.records import Coding, Segment


def answers():
    """Three clear clusters of 'other' answers: parking, the website, and a named neighbour."""
    parking = [
        f"Parking outside the station is impossible, I paid for parking {i} times" for i in range(8)
    ]
    website = [
        f"The website form crashed and the website lost my answers on page {i}" for i in range(8)
    ]
    noise = [
        f"My neighbour Dave plays loud music every night, music until {i} am" for i in range(8)
    ]
    texts = parking + website + noise
    return [Segment(f"s{i}", text, None) for i, text in enumerate(texts)]


def test_candidates_separate_distinct_topics():
    candidates = discover_themes(answers(), n_topics=3)
    tops = [set(c.top_terms[:3]) for c in candidates]
    assert any("parking" in t for t in tops)
    assert any("website" in t for t in tops)
    assert any("music" in t for t in tops)
    assert sorted(c.size for c in candidates) == [8, 8, 8]


def test_same_seed_gives_the_same_candidates():
    assert discover_themes(answers(), n_topics=3, random_state=7) == discover_themes(
        answers(), n_topics=3, random_state=7
    )


def test_exemplar_quotes_are_redacted():
    candidates = discover_themes(answers(), n_topics=3, n_exemplars=2)
    quotes = [e.quote for c in candidates for e in c.exemplars]
    music = [q for q in quotes if "music" in q]
    assert music and all("Dave" not in q and "[name]" in q for q in music)


def test_too_few_texts_is_an_error():
    with pytest.raises(ValueError, match="at least 5"):
        discover_themes(["one", "two", ""], n_topics=5)


def test_uncoded_segments_keeps_uncoded_and_other_only():
    segments = [Segment("a", "x"), Segment("b", "y"), Segment("c", "z")]
    codings = [
        Coding("a", "kept_informed", "person:x"),
        Coding("b", "other", "person:x"),
    ]
    assert [s.id for s in uncoded_segments(segments, codings)] == ["b", "c"]


def test_terms_are_counted_from_redacted_text_so_no_name_is_listed():
    # Issue 16: a worker's full name topped the terms while the quotes beside it were redacted.
    worker = [
        f"Kelly Hargreaves from Victim Support rang me, Kelly Hargreaves was great {i}"
        for i in range(8)
    ]
    parking = [f"Parking at the station is awful, parking cost me {i} pounds" for i in range(8)]
    candidates = discover_themes(worker + parking, n_topics=2)
    terms = " ".join(term for c in candidates for term in c.top_terms)
    quotes = " ".join(e.quote for c in candidates for e in c.exemplars)
    assert "kelly" not in terms and "hargreaves" not in terms
    assert "name" not in terms.split()  # the placeholder is not counted as a word either
    assert "Kelly" not in quotes and "[name]" in quotes


def test_status_placeholders_are_not_counted_as_answers():
    placeholders = ["skipped", "Prefer not to say", "prefer-not-to-say", "Illegible"] * 4
    parking = [f"Parking at the station is awful, parking cost me {i} pounds" for i in range(6)]
    website = [f"The website crashed and the website lost my answers {i}" for i in range(6)]
    candidates = discover_themes(placeholders + parking + website, n_topics=2)
    terms = {term for c in candidates for term in c.top_terms}
    assert not terms & {"skipped", "prefer", "say", "illegible"}
    assert sorted(c.size for c in candidates) == [6, 6]
