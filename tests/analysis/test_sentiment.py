"""Tests for analysis.sentiment: VADER scores, bands and summaries per stage and theme."""

import pytest

from analysis.records import Coding, Segment
from analysis.sentiment import (
    sentiment_band,
    sentiment_by_stage,
    sentiment_by_theme,
    sentiment_score,
    summarise_sentiment,
)


def segments():
    """Three segments of clear sentiment across two stages."""
    return [
        Segment("a", "The officer was wonderful and so kind.", "reporting"),
        Segment("b", "They were rude, useless and I felt awful.", "reporting"),
        Segment("c", "The letter arrived on Tuesday.", "engagement"),
    ]


def test_scores_follow_the_text():
    assert sentiment_score("The officer was wonderful and so kind.") > 0.5
    assert sentiment_score("They were rude, useless and I felt awful.") < -0.5
    assert sentiment_score("   ") == 0.0


@pytest.mark.parametrize(
    ("compound", "band"),
    [(0.05, "positive"), (0.0499, "neutral"), (-0.0499, "neutral"), (-0.05, "negative")],
)
def test_bands_use_the_standard_thresholds(compound, band):
    assert sentiment_band(compound) == band


def test_summary_counts_bands_and_averages():
    summary = summarise_sentiment([0.5, -0.5, 0.0, 0.2])
    assert (summary.n, summary.negative, summary.neutral, summary.positive) == (4, 1, 1, 2)
    assert summary.mean == pytest.approx(0.05)
    assert summarise_sentiment([]).mean == 0.0


def test_summary_per_stage():
    by_stage = sentiment_by_stage(segments())
    assert by_stage["reporting"].n == 2
    assert (by_stage["reporting"].positive, by_stage["reporting"].negative) == (1, 1)
    assert by_stage["engagement"].neutral == 1


def test_summary_per_theme_counts_each_segment_once():
    codings = [
        Coding("a", "officer_attitude", "person:x"),
        Coding("b", "officer_attitude", "person:x"),
        Coding("b", "officer_attitude", "rules:cb"),
        Coding("c", "kept_informed", "person:x"),
        Coding("zzz", "kept_informed", "person:x"),
    ]
    by_theme = sentiment_by_theme(segments(), codings, scores={"a": 0.8, "b": -0.6, "c": 0.0})
    assert by_theme["officer_attitude"].as_dict() == {
        "n": 2,
        "mean": 0.1,
        "negative": 1,
        "neutral": 0,
        "positive": 1,
    }
    assert by_theme["kept_informed"].n == 1
