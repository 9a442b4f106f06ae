"""Subprocess tests for ``python -m analysis evaluate``: figures printed, one-line errors."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from analysis.synthetic import make_survey_answers

ROOT = Path(__file__).parents[2]
THEMES = ["believed", "kept_informed", "counselling"]


def run(*args):
    """Run ``python -m analysis`` in a fresh process from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_labelled_csv(path, n=90, multilabel=False, seed=0):
    """A small labelled CSV of survey answers (labels joined with ";" when multi-label)."""
    texts, y, names = make_survey_answers(n, multilabel=multilabel, themes=THEMES, seed=seed)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "answer", "theme"])
        for i, (text, label) in enumerate(zip(texts, y, strict=True)):
            cell = ";".join(names[j] for j in label.nonzero()[0]) if multilabel else label
            writer.writerow([i, text, cell])
    return path


def test_evaluate_prints_json_with_the_contract_keys(tmp_path):
    path = write_labelled_csv(tmp_path / "coded.csv")
    result = run(
        "evaluate",
        path,
        "--text-column",
        "answer",
        "--label-column",
        "theme",
        "--folds",
        "3",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert set(figures) == {
        "macro_f1",
        "micro_f1",
        "n_documents",
        "n_labels",
        "fit_seconds",
        "predict_seconds",
        "per_label",
        "calibration",
        "baseline",
        "macro_f1_vs_baseline",
    }
    assert figures["n_documents"] == 90 and figures["n_labels"] == 3
    assert set(figures["baseline"]) == {"macro_f1", "micro_f1", "fit_seconds", "predict_seconds"}
    assert figures["macro_f1_vs_baseline"] == round(
        figures["macro_f1"] - figures["baseline"]["macro_f1"], 4
    )
    ece = figures["calibration"]["expected_calibration_error"]
    assert 0 <= ece < 0.3
    assert sum(b["count"] for b in figures["calibration"]["reliability"]) == 90
    accept = figures["calibration"]["accept_above"]
    assert [a["cutoff"] for a in accept] == [0.5, 0.7, 0.8, 0.9]
    assert accept[0]["count"] >= accept[-1]["count"] and accept[0]["count"] <= 90
    assert figures["macro_f1"] > 0.6
    assert set(figures["per_label"]["believed"]) == {"precision", "recall", "f1", "support"}
    assert sum(m["support"] for m in figures["per_label"].values()) == 90


def test_evaluate_prints_a_readable_table(tmp_path):
    path = write_labelled_csv(tmp_path / "coded.csv")
    result = run(
        "evaluate", path, "--text-column", "answer", "--label-column", "theme", "--folds", "2"
    )
    assert result.returncode == 0, result.stderr
    assert "macro-F1" in result.stdout and "micro-F1" in result.stdout
    assert "kept_informed" in result.stdout and "fit" in result.stdout
    assert "baseline" in result.stdout and "expected calibration error" in result.stdout
    assert "accept all suggestions above X" in result.stdout


def test_evaluate_handles_several_labels_per_row_with_a_separator(tmp_path):
    path = write_labelled_csv(tmp_path / "multi.csv", multilabel=True)
    result = run(
        "evaluate",
        path,
        "--text-column",
        "answer",
        "--label-column",
        "theme",
        "--separator",
        ";",
        "--folds",
        "2",
        "--seed",
        "1",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["n_labels"] == 3
    assert figures["micro_f1"] > 0.5
    assert figures["n_no_theme"] == 0 and "macro_f1" in figures["baseline"]
    # Multi-label calibration: every (text, theme) probability is counted.
    assert sum(b["count"] for b in figures["calibration"]["reliability"]) == 90 * 3


def test_missing_file_is_one_line_exit_2(tmp_path):
    result = run("evaluate", tmp_path / "nope.csv", "--text-column", "a", "--label-column", "b")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "file not found" in result.stderr and "Traceback" not in result.stderr


def test_missing_column_lists_the_columns_there_are(tmp_path):
    path = write_labelled_csv(tmp_path / "coded.csv")
    result = run("evaluate", path, "--text-column", "text", "--label-column", "theme")
    assert result.returncode == 2
    assert "'text' not found" in result.stderr and "id, answer, theme" in result.stderr
    assert "Traceback" not in result.stderr


def test_too_few_examples_names_the_label_and_its_count(tmp_path):
    path = write_labelled_csv(tmp_path / "coded.csv", n=40)
    with open(path, "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow([999, "I lost my job and nobody helped", "practical_help"])
    result = run("evaluate", path, "--text-column", "answer", "--label-column", "theme")
    assert result.returncode == 2
    assert "'practical_help' has 1" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_empty_text_column_is_reported(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("answer,theme\n,believed\n ,counselling\n", encoding="utf-8")
    result = run("evaluate", path, "--text-column", "answer", "--label-column", "theme")
    assert result.returncode == 2
    assert "text column 'answer'" in result.stderr and "empty" in result.stderr


def test_calibration_error_and_reliability_curve():
    from analysis.evaluate import calibration

    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7]])
    result = calibration(proba, np.array([0, 1, 0, 1]))
    # Bins: 0.6 (right), 0.7 (right), 0.8 (wrong), 0.9 (right).
    assert result["expected_calibration_error"] == round((0.4 + 0.3 + 0.8 + 0.1) / 4, 4)
    assert [b["count"] for b in result["reliability"]] == [1, 1, 1, 1]
    perfect = calibration(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1, 0], [0, 1]]), True)
    assert perfect["expected_calibration_error"] == 0.0


def test_rows_coded_with_the_no_theme_label_are_evaluated_as_having_no_theme(tmp_path):
    texts, y, names = make_survey_answers(
        150, multilabel=True, themes=THEMES, no_theme=1 / 3, seed=2
    )
    path = tmp_path / "none.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["answer", "theme"])
        for text, row in zip(texts, y, strict=True):
            writer.writerow([text, ";".join(names[j] for j in row.nonzero()[0]) or "none"])
    args = ["--text-column", "answer", "--label-column", "theme", "--separator", ";"]
    result = run("evaluate", path, *args, "--no-theme", "none", "--folds", "3", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["n_labels"] == 3 and "none" not in figures["per_label"]
    assert figures["n_no_theme"] == int((y.sum(axis=1) == 0).sum()) > 30
    assert figures["macro_f1"] > 0.7


def test_accept_above_counts_the_suggestions_at_or_above_each_cut_off_and_how_many_are_right():
    from analysis.evaluate import accept_above

    proba = np.array([[0.95, 0.05], [0.2, 0.8], [0.6, 0.4], [0.45, 0.55]])
    truth = np.array([0, 0, 0, 1])
    single = accept_above(proba, np.array([0, 1, 0, 1]), truth, cutoffs=(0.5, 0.9))
    assert single == [
        {"cutoff": 0.5, "accepted": 1.0, "count": 4, "right": 0.75},
        {"cutoff": 0.9, "accepted": 0.25, "count": 1, "right": 1.0},
    ]
    given = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    codes = np.array([[1, 0], [1, 0], [1, 0], [0, 1]])
    multi = accept_above(proba, given, codes, multilabel=True, cutoffs=(0.7, 0.99))
    # Suggestions: 0.95 (right), 0.8 (wrong), 0.6 (right), 0.4 (wrong).
    assert multi[0] == {"cutoff": 0.7, "accepted": 0.5, "count": 2, "right": 0.5}
    assert multi[1] == {"cutoff": 0.99, "accepted": 0.0, "count": 0, "right": None}
