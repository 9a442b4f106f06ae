"""Tests for analysis.text: NLTK tokens without data, fast tokenizer agreement, the analyzer."""

import pickle

import nltk
import pytest
from nltk.sentiment.util import mark_negation
from sklearn.feature_extraction.text import CountVectorizer

from analysis.text import (
    TextAnalyzer,
    _fast_negate,
    fast_tokenize,
    negate,
    sentences,
    stem,
    tokenize,
)


def survey_sentences():
    """Realistic answers with contractions, negations, curly quotes, numbers and hyphens."""
    return [
        "I wasn't believed when I first reported it.",
        "The officer didn’t take me seriously, and I couldn't get through on 101!",
        "I'm still waiting; nobody has called me back in three weeks.",
        "My ISVA was brilliant - she kept me informed at every step of the court process.",
        "They fitted new locks and a video doorbell, so I feel safer at home now.",
        "I won't report again. It's pointless, they'd never do anything.",
        "Counselling ended after 6 sessions which wasn't enough for me.",
        "The victim's family were not told about the follow-up appointment.",
        "I can't say the police were helpful: they weren't. It took 2,000 phone calls!",
        "Honestly? I didn't know where to go or who to ask.",
        "She said “don’t worry” but I did worry, I'd been threatened before.",
        "Support from Victim Support (the local team) helped me get back to work.",
        "I cannot fault the call handler. He was kind and listened.",
        "No one explained what would happen next, there was no single point of contact.",
    ]


def test_tokenize_lowercases_drops_punctuation_and_splits_contractions():
    assert tokenize("I wasn't believed, Officer!") == ["i", "was", "n't", "believed", "officer"]


def test_tokenize_keeps_clause_punctuation_when_asked():
    assert tokenize("Not helpful. Fine.", keep_punctuation=True) == [
        "not",
        "helpful",
        ".",
        "fine",
        ".",
    ]


def test_tokenize_treats_curly_apostrophes_like_straight_ones():
    assert tokenize("I didn’t feel safe") == tokenize("I didn't feel safe")


def test_sentences_splits_with_untrained_punkt():
    assert sentences("I reported it. Nothing happened! Why?  ") == [
        "I reported it.",
        "Nothing happened!",
        "Why?",
    ]


def test_sentences_of_blank_text_is_empty():
    assert sentences("   ") == []


def test_stem_reduces_inflections_to_one_stem():
    assert stem("believed") == stem("believe") == stem("believing")


def test_negate_marks_scope_until_clause_punctuation():
    tokens = tokenize("I was not believed. They listened.", keep_punctuation=True)
    assert negate(tokens) == ["i", "was", "not", "believed_NEG", ".", "they", "listened", "."]


def test_negate_does_not_modify_its_input():
    tokens = ["not", "safe"]
    negate(tokens)
    assert tokens == ["not", "safe"]


@pytest.mark.parametrize("text", survey_sentences())
def test_fast_tokenize_agrees_with_nltk_on_survey_prose(text):
    assert fast_tokenize(text) == tokenize(text)


@pytest.mark.parametrize("text", survey_sentences())
def test_fast_negation_agrees_with_nltk_mark_negation(text):
    tokens = tokenize(text, keep_punctuation=True)
    assert _fast_negate(tokens) == mark_negation(tokens)


def test_analyzer_stems_and_marks_negation():
    assert TextAnalyzer()("I wasn't believed.") == ["i", "was", "not", "believ_NEG"]


def test_analyzer_can_switch_off_stemming_and_negation():
    assert TextAnalyzer(stem=False, negation=False)("Not believed") == ["not", "believed"]


def test_analyzer_nltk_and_fast_tokenizers_give_the_same_features():
    fast, slow = TextAnalyzer(tokenizer="fast"), TextAnalyzer(tokenizer="nltk")
    for text in survey_sentences():
        assert fast(text) == slow(text)


def test_analyzer_adds_word_bigrams():
    assert TextAnalyzer(stem=False, ngram_range=(1, 2))("kept informed") == [
        "kept",
        "informed",
        "kept informed",
    ]


def test_analyzer_rejects_unknown_tokenizer():
    with pytest.raises(ValueError, match="tokenizer"):
        TextAnalyzer(tokenizer="spacy")("text")


def test_analyzer_works_inside_a_vectorizer_and_survives_pickle():
    vectorizer = CountVectorizer(analyzer=TextAnalyzer())
    vectorizer.fit(survey_sentences())
    restored = pickle.loads(pickle.dumps(vectorizer))  # noqa: S301 - our own object
    assert "believ_NEG" in restored.vocabulary_
    assert restored.transform(["not believed"]).sum() == 2


def test_analyzer_equality_follows_parameters():
    assert TextAnalyzer() == TextAnalyzer()
    assert TextAnalyzer(stem=False) != TextAnalyzer()


def test_nltk_data_path_is_empty_during_analysis_tests():
    with pytest.raises(LookupError):
        nltk.data.find("tokenizers/punkt_tab")
