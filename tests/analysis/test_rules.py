"""Tests for analysis.rules.RuleCoder: stems, phrases, negation, stages and explanations."""

from pathlib import Path

import pytest
import yaml

from analysis.codebook import codebook_from_dict, load_codebook
from analysis.records import Segment
from analysis.rules import RuleCoder, negation_flags

ROOT = Path(__file__).parents[2]
SHIPPED = ROOT / "questionnaires" / "codebooks" / "victims-services.yaml"
CASES = Path(__file__).parent / "data" / "rule_cases.yaml"


def tiny_codebook():
    """Two stages, a sub-theme, plain and negated indicators, and one shared word."""
    theme = {"definition": "d", "when_to_use": "w", "when_not_to_use": "n"}
    return codebook_from_dict(
        {
            "kind": "codebook",
            "name": "tiny",
            "stages": {
                "engagement": {
                    "themes": [
                        {
                            **theme,
                            "id": "kept_informed",
                            "label": "Kept informed",
                            "indicators": ["kept informed", "not kept informed", "update"],
                        },
                        {
                            **theme,
                            "id": "specialist",
                            "label": "Specialist",
                            "indicators": ["specialist"],
                            "subthemes": [
                                {**theme, "id": "idva", "label": "IDVA", "indicators": ["idva"]}
                            ],
                        },
                    ]
                },
                "recovery": {
                    "themes": [
                        {
                            **theme,
                            "id": "lack_of_updates",
                            "label": "Left in the dark",
                            "indicators": ["never updated", "update"],
                        }
                    ]
                },
            },
        }
    )


def matched_themes(coder, text, stage=None):
    """Theme id to matched indicators."""
    return {c.theme_id: c.matched for c in coder.code_text(text, stage)}


def test_stems_match_other_forms_of_a_word():
    coder = RuleCoder(tiny_codebook())
    assert "kept_informed" in matched_themes(coder, "They updated me weekly.", "engagement")


def test_phrase_matches_with_words_between_but_not_across_sentences():
    coder = RuleCoder(tiny_codebook())
    assert matched_themes(coder, "They kept me fully informed.", "engagement") == {
        "kept_informed": ("kept informed",)
    }
    assert matched_themes(coder, "They kept it. Informed me later.", "engagement") == {}


def test_plain_phrase_does_not_match_negated_text():
    coder = RuleCoder(tiny_codebook())
    found = matched_themes(coder, "I was not kept informed at all.", "engagement")
    assert found == {"kept_informed": ("not kept informed",)}


def test_negated_phrase_matches_any_negation_word_and_not_plain_text():
    coder = RuleCoder(tiny_codebook())
    for text in ("Nobody kept me informed.", "I was never kept informed."):
        assert matched_themes(coder, text, "engagement") == {
            "kept_informed": ("not kept informed",)
        }
    assert matched_themes(coder, "They kept me informed.", "engagement") == {
        "kept_informed": ("kept informed",)
    }


def test_theme_about_the_lack_of_something_matches_only_negated_text():
    coder = RuleCoder(tiny_codebook())
    assert "never updated" in matched_themes(coder, "I was never updated.", "recovery").get(
        "lack_of_updates", ()
    )
    assert "never updated" not in matched_themes(coder, "I was updated.", "recovery").get(
        "lack_of_updates", ()
    )


def test_negation_scope_ends_at_a_clause_join():
    flags = negation_flags(["did", "n't", "believe", "me", "and", "said", "domestic", "."])
    assert flags == [False, False, True, True, False, False, False, False]


def test_stage_restricts_themes():
    coder = RuleCoder(tiny_codebook())
    assert set(matched_themes(coder, "One update came", None)) == {
        "kept_informed",
        "lack_of_updates",
    }
    assert set(matched_themes(coder, "One update came", "recovery")) == {"lack_of_updates"}


def test_shared_words_count_for_less_than_specific_ones():
    coder = RuleCoder(tiny_codebook())
    shared = coder.code_text("One update came", "engagement")[0].confidence
    specific = coder.code_text("They kept me informed", "engagement")[0].confidence
    assert shared < specific


def test_sub_theme_match_also_codes_its_parent_and_says_why():
    coder = RuleCoder(tiny_codebook())
    codings = coder.code_text("My IDVA rang.", "engagement", segment_id="s1")
    assert {(c.theme_id, c.matched) for c in codings} == {
        ("specialist", ("idva",)),
        ("idva", ("idva",)),
    }
    assert all(c.segment_id == "s1" and c.coder == coder.coder_id for c in codings)
    assert coder.coder_id.startswith("rules:tiny-")


def test_more_evidence_gives_higher_confidence_below_one():
    coder = RuleCoder(tiny_codebook())
    one = coder.code_text("an update", "engagement")[0].confidence
    two = coder.code_text("an update and they kept me informed", "engagement")[0].confidence
    assert 0 < one < two <= 0.95


def test_min_confidence_drops_weak_codings():
    coder = RuleCoder(tiny_codebook(), min_confidence=0.5)
    assert coder.code_text("One update came", "engagement") == []


def test_code_uses_each_segments_stage():
    coder = RuleCoder(tiny_codebook())
    segments = [Segment("a", "One update", "recovery"), Segment("b", "One update", "engagement")]
    assert [(c.segment_id, c.theme_id) for c in coder.code(segments)] == [
        ("a", "lack_of_updates"),
        ("b", "kept_informed"),
    ]


def test_predict_proba_has_a_column_per_theme():
    coder = RuleCoder(tiny_codebook())
    proba = coder.predict_proba(["My IDVA rang", "nothing here"], ["engagement", None])
    assert proba.shape == (2, len(coder.theme_ids))
    assert proba[0, coder.theme_ids.index("idva")] > 0
    assert proba[1].sum() == 0


def test_unknown_tokenizer_is_rejected():
    with pytest.raises(ValueError, match="tokenizer"):
        RuleCoder(tiny_codebook(), tokenizer="spacy")


def test_shipped_codebook_suggests_the_right_theme_before_any_training():
    coder = RuleCoder(load_codebook(SHIPPED))
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]
    top1 = sum(
        bool(found) and found[0].theme_id == case["theme"]
        for case in cases
        for found in [coder.code_text(case["text"], case["stage"])]
    )
    print(f"\nrule coder top-1 accuracy on {len(cases)} answers: {top1 / len(cases):.3f}")
    assert top1 / len(cases) >= 0.8
