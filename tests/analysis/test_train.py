"""``python -m analysis train`` then ``code --model``: the command-line path from a coded sample
to suggestions for the rest."""

import csv
import hashlib
import pickle

import numpy as np

from analysis.synthetic import make_survey_answers
from tests.analysis.test_cli_evaluate import THEMES, run, write_labelled_csv


def write_uncoded_csv(path, texts):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "answer"])
        writer.writerows(enumerate(texts))
    return path


def read_output(path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_trained_model_codes_new_answers_with_its_themes(tmp_path):
    coded = write_labelled_csv(tmp_path / "coded.csv", n=150, seed=1)
    model = tmp_path / "model.pkl"
    result = run("train", coded, "--text-column", "answer", "--label-column", "theme",
                 "--output", model)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "single-label" in result.stdout and "150 texts and 3 themes" in result.stdout
    with open(model, "rb") as fh:
        saved = pickle.load(fh)  # noqa: S301 - written by the test
    assert sorted(saved["labels"]) == sorted(THEMES)

    texts, truth, _ = make_survey_answers(60, themes=THEMES, seed=2)
    source = write_uncoded_csv(tmp_path / "new.csv", texts)
    out = tmp_path / "out.csv"
    result = run("code", source, "--text-column", "answer", "--model", model, "--output", out)
    assert result.returncode == 0, result.stderr
    rows = read_output(out)
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:8]
    assert all(row["coder"] == f"model:model.pkl@{digest}" for row in rows)
    predicted = np.array([row["themes"] for row in rows])
    assert (predicted == np.asarray(truth)).mean() > 0.8
    assert all(0 < float(row["confidence"]) <= 1 for row in rows)
    assert sum(bool(row["matched"]) for row in rows) > 50  # explained by its words


def test_several_labels_per_cell_train_a_multi_label_model(tmp_path):
    coded = write_labelled_csv(tmp_path / "coded.csv", n=150, multilabel=True, seed=1)
    model = tmp_path / "multi.pkl"
    result = run("train", coded, "--text-column", "answer", "--label-column", "theme",
                 "--separator", ";", "--output", model)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "multi-label" in result.stdout
    texts, Y, names = make_survey_answers(40, multilabel=True, themes=THEMES, seed=2)
    source = write_uncoded_csv(tmp_path / "new.csv", texts)
    out = tmp_path / "out.csv"
    result = run("code", source, "--text-column", "answer", "--model", model, "--output", out)
    assert result.returncode == 0, result.stderr
    rows = read_output(out)
    found = [set(row["themes"].split(";")) for row in rows]
    expected = [{names[j] for j in np.flatnonzero(y)} for y in Y]
    assert np.mean([f == e for f, e in zip(found, expected, strict=True)]) > 0.6
    assert all(set(f) <= set(THEMES) for f in found)


def test_themes_with_few_codes_are_named(tmp_path):
    coded = write_labelled_csv(tmp_path / "coded.csv", n=40, seed=3)
    result = run("train", coded, "--text-column", "answer", "--label-column", "theme",
                 "--output", tmp_path / "m.pkl")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "fewer than 20 codes" in result.stdout


def test_train_errors_are_one_line_with_exit_2(tmp_path):
    path = tmp_path / "rare.csv"
    path.write_text(
        "answer,theme\nnobody told me,kept_informed\nnobody called,kept_informed\n"
        "they did not believe me,believed;kept_informed\n",
        encoding="utf-8",
    )
    result = run("train", path, "--text-column", "answer", "--label-column", "theme",
                 "--output", tmp_path / "m.pkl")  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "'believed;kept_informed' has 1" in line and "--separator" in line
    assert not (tmp_path / "m.pkl").exists()

    coded = write_labelled_csv(tmp_path / "coded.csv", n=30)
    result = run("train", coded, "--text-column", "answer", "--label-column", "theme",
                 "--output", tmp_path / "no" / "such" / "m.pkl")  # fmt: skip
    assert result.returncode == 2
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr
