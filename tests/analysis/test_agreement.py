"""Tests for analysis.agreement: kappa, Krippendorff's alpha on worked examples, disagreements."""

import csv
import json
import math

import pytest

from analysis.agreement import cohen_kappa, compare_coders, krippendorff_alpha_nominal
from analysis.records import Coding
from tests.analysis.test_cli_evaluate import run


def test_alpha_matches_krippendorffs_worked_binary_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section A:
    # two observers, ten units, binary values; alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha_nominal([a, b]) == pytest.approx(0.0952, abs=1e-4)


def test_alpha_matches_krippendorffs_worked_nominal_example_with_missing_values():
    # Same paper, section C: four observers, twelve units, missing data; nominal alpha = 0.743.
    n = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert krippendorff_alpha_nominal(data) == pytest.approx(0.743, abs=5e-4)


def test_alpha_is_one_for_perfect_agreement_and_nan_without_variation():
    assert krippendorff_alpha_nominal([[0, 1, 1], [0, 1, 1]]) == pytest.approx(1.0)
    assert math.isnan(krippendorff_alpha_nominal([[1, 1], [1, 1]]))


def test_cohen_kappa_on_a_textbook_table():
    # 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15 -> po 0.7, pe 0.5, kappa 0.4.
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_cohen_kappa_is_undefined_when_both_always_give_one_label():
    assert math.isnan(cohen_kappa([0, 0, 0], [0, 0, 0]))
    with pytest.raises(ValueError):
        cohen_kappa([0], [0, 1])


def person(segment, theme):
    """A person's coding."""
    return Coding(segment, theme, "person:ann")


def machine(segment, theme, confidence=0.9):
    """A model's coding."""
    return Coding(segment, theme, "rules:cb-1", confidence)


def test_compare_coders_reports_per_theme_overall_and_disagreements():
    a = [person("s1", "kept_informed"), person("s2", "kept_informed"), person("s2", "court")]
    b = [machine("s1", "kept_informed"), machine("s3", "court"), machine("s2", "court", 0.2)]
    report = compare_coders(a, b, segments=["s1", "s2", "s3", "s4"], min_confidence=0.5)
    assert report.n_segments == 4
    by_theme = {t.theme_id: t for t in report.themes}
    assert (by_theme["kept_informed"].a_count, by_theme["kept_informed"].b_count) == (2, 1)
    assert by_theme["kept_informed"].percent_agreement == pytest.approx(0.75)
    assert [(d.segment_id, d.theme_id, d.a_says, d.b_says) for d in report.disagreements] == [
        ("s2", "court", True, False),
        ("s2", "kept_informed", True, False),
        ("s3", "court", False, True),
    ]
    assert report.percent_agreement == pytest.approx(5 / 8)
    assert report.exact_match == pytest.approx(2 / 4)
    assert -1 <= report.alpha <= 1


def test_identical_coders_agree_perfectly():
    codings = [person("s1", "a"), person("s2", "b")]
    report = compare_coders(codings, codings, segments=["s1", "s2", "s3"])
    assert report.alpha == pytest.approx(1.0)
    assert report.percent_agreement == 1.0
    assert report.disagreements == ()
    assert all(t.kappa == pytest.approx(1.0) for t in report.themes)


def test_report_as_dict_turns_undefined_kappa_into_none():
    report = compare_coders([person("s1", "a")], [person("s1", "a")], segments=["s1"])
    assert report.as_dict()["themes"][0]["kappa"] is None


def write_two_coders(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["answer", "alice", "bob"])
        writer.writerows(rows)
    return path


TWO_CODERS = [
    ["nobody told me anything", "kept_informed", "kept_informed"],
    ["they did not believe me", "believed", "believed;officer_attitude"],
    ["the counsellor helped", "counselling", "counselling"],
    ["-I was scared he would find out", "fear_of_reprisal", ""],
    ["", "believed", "believed"],  # no text: not a segment
    ["it was fine", "", ""],  # both coders: no theme
]


def test_agreement_command_prints_the_figures_and_writes_the_disagreements(tmp_path):
    path = write_two_coders(tmp_path / "two.csv", TWO_CODERS)
    out = tmp_path / "disagreements.csv"
    result = run("agreement", path, "--text-column", "answer", "--a-column", "alice",
                 "--b-column", "bob", "--separator", ";", "--output", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "alice and bob on 5 texts" in result.stdout
    assert "2 disagreements" in result.stdout
    with open(out, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["line"], r["theme"], r["alice"], r["bob"]) for r in rows] == [
        ("3", "officer_attitude", "no", "yes"),
        ("5", "fear_of_reprisal", "yes", "no"),
    ]
    assert rows[1]["text"] == "'-I was scared he would find out"  # safe in a spreadsheet

    result = run("agreement", path, "--text-column", "answer", "--a-column", "alice",
                 "--b-column", "bob", "--separator", ";", "--json")  # fmt: skip
    report = json.loads(result.stdout)
    expected = compare_coders(
        [Coding("2", "kept_informed", "a"), Coding("3", "believed", "a"),
         Coding("4", "counselling", "a"), Coding("5", "fear_of_reprisal", "a")],
        [Coding("2", "kept_informed", "b"), Coding("3", "believed", "b"),
         Coding("3", "officer_attitude", "b"), Coding("4", "counselling", "b")],
        segments=["2", "3", "4", "5", "7"],
    ).as_dict()  # fmt: skip
    assert report == expected


def test_agreement_command_errors_are_one_line_with_exit_2(tmp_path):
    path = write_two_coders(tmp_path / "two.csv", [["some text", "believed", ""]])
    result = run("agreement", path, "--text-column", "answer", "--a-column", "alice",
                 "--b-column", "bob")  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().endswith("column 'bob' holds no codes")
    result = run("agreement", path, "--text-column", "answer", "--a-column", "alice",
                 "--b-column", "carol")  # fmt: skip
    assert result.returncode == 2 and "column 'carol' not found" in result.stderr


def test_agreement_command_writes_redacted_text_and_skips_status_placeholders(tmp_path):
    rows = [
        ["PC Walsh never rang me back, ring me on 07700 900123", "kept_informed", ""],
        ["skipped", "kept_informed", ""],  # a placeholder, not an answer: no segment
        ["the counsellor helped", "counselling", "counselling"],
    ]
    path = write_two_coders(tmp_path / "two.csv", rows)
    out = tmp_path / "disagreements.csv"
    result = run("agreement", path, "--text-column", "answer", "--a-column", "alice",
                 "--b-column", "bob", "--output", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "alice and bob on 2 texts" in result.stdout
    with open(out, newline="", encoding="utf-8-sig") as fh:
        written = list(csv.DictReader(fh))
    assert [r["text"] for r in written] == ["PC [name] never rang me back, ring me on [phone]"]
