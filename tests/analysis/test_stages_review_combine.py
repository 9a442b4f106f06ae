"""Tests for stage suggestion, the active-learning review queue and combining codings."""

import numpy as np
import pytest

from analysis.coder import ThemeCoder
from analysis.combine import combine_codings, model_codings, model_ready_themes
from analysis.records import Coding, Segment
from analysis.review import review_queue, uncertainty
from analysis.stages import StageSuggester
from analysis.synthetic import THEMES, make_survey_answers


def staged_segments(n=300, seed=0):
    """Segments whose stage is the stage of their theme, as a questionnaire would give them."""
    texts, y, _ = make_survey_answers(n, seed=seed, label_noise=0.0, imbalance=0.0)
    return [
        Segment(f"s{i}", t, THEMES[theme][0])
        for i, (t, theme) in enumerate(zip(texts, y, strict=True))
    ]


def test_stage_suggester_suggests_the_stage_of_an_unstaged_answer():
    suggester = StageSuggester().fit(staged_segments())
    [suggestions] = suggester.suggest(["Counselling really helped me cope and I feel safer now"])
    assert suggestions[0].stage == "recovery"
    assert 0 < suggestions[0].confidence <= 1


def test_stage_suggester_gives_several_stages_to_an_answer_about_several():
    suggester = StageSuggester().fit(staged_segments())
    [suggestions] = suggester.suggest(
        ["I was scared my ex would come after me if I reported. Counselling really helped me cope."]
    )
    assert {"reporting", "recovery"} <= {s.stage for s in suggestions}


def test_fill_missing_only_suggests_for_segments_without_stage():
    suggester = StageSuggester().fit(staged_segments())
    segments = [
        Segment("a", "Nobody kept me updated about the case", None),
        Segment("b", "The officer was rude", "reporting"),
    ]
    filled = suggester.fill_missing(segments)
    assert list(filled) == ["a"]
    assert filled["a"][0].stage == "engagement"


def test_stage_suggester_needs_two_stages():
    with pytest.raises(ValueError, match="at least 2 stages"):
        StageSuggester().fit([Segment("a", "text", "reporting"), Segment("b", "more", None)])


def test_uncertainty_is_highest_for_a_tie_single_label():
    proba = np.array([[0.9, 0.05, 0.05], [0.45, 0.45, 0.1], [0.6, 0.3, 0.1]])
    assert np.argsort(-uncertainty(proba)).tolist() == [1, 2, 0]


def test_uncertainty_multilabel_looks_at_the_theme_closest_to_its_cutoff():
    proba = np.array([[0.99, 0.01], [0.02, 0.31]])
    scores = uncertainty(proba, multilabel=True, thresholds=np.array([0.5, 0.3]))
    assert scores[1] > 0.9 and scores[0] < 0.1


def test_review_queue_puts_ambiguous_answers_first():
    texts, y, _ = make_survey_answers(200, seed=3, themes=["believed", "counselling"])
    model = ThemeCoder(cv=2).fit(texts, y)
    queue = review_queue(
        model,
        ["counselling really helped me cope", "nobody believed me but counselling helped"],
        ids=["clear", "mixed"],
    )
    assert [i for i, _ in queue] == ["mixed", "clear"]


def test_model_ready_themes_counts_distinct_human_segments():
    human = [Coding(f"s{i}", "believed", "person:ann") for i in range(3)] + [
        Coding("s0", "believed", "person:bob"),
        Coding("s9", "counselling", "person:ann"),
    ]
    assert model_ready_themes(human, min_examples=3) == {"believed"}


def test_combine_uses_rules_until_a_theme_has_enough_human_codings():
    segments = [Segment("new", "text")]
    rules = [
        Coding("new", "believed", "rules:cb1", 0.6),
        Coding("new", "counselling", "rules:cb1", 0.5),
    ]
    model = [
        Coding("new", "believed", "model:v1", 0.9),
        Coding("new", "counselling", "model:v1", 0.8),
    ]
    human = [Coding(f"s{i}", "believed", "person:ann") for i in range(20)]
    combined = combine_codings(segments, human, rules, model, min_examples=20)
    assert [(c.theme_id, c.coder) for c in combined] == [
        ("believed", "model:v1"),
        ("counselling", "rules:cb1"),
    ]


def test_human_decisions_override_machine_codings():
    segments = [Segment("s1", "text"), Segment("s2", "text")]
    human = [Coding("s1", "kept_informed", "person:ann", 1.0)]
    rules = [Coding("s1", "believed", "rules:cb1", 0.9), Coding("s2", "believed", "rules:cb1", 0.9)]
    combined = combine_codings(segments, human, rules)
    assert combined == [human[0], rules[1]]


def test_rejected_suggestions_are_not_offered_again():
    segments = [Segment("s1", "text")]
    rules = [Coding("s1", "believed", "rules:cb1", 0.9)]
    assert combine_codings(segments, rules=rules, rejected=[("s1", "believed")]) == []
    refusal = [Coding("s1", "believed", "person:ann", 0.0)]
    assert combine_codings(segments, human=refusal, rules=rules) == []


def test_model_codings_record_model_version_confidence_and_words():
    texts, y, _ = make_survey_answers(200, seed=4, themes=["believed", "counselling"])
    model = ThemeCoder(cv=2).fit(texts, y)
    [coding] = model_codings(model, [Segment("s1", "counselling really helped me")], "model:v7")
    assert coding.theme_id == "counselling" and coding.coder == "model:v7"
    assert 0.5 < coding.confidence <= 1
    assert coding.matched
