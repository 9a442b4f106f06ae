"""``codes_to_check`` and ``python -m analysis check-codes``: human codes that look wrong."""

import csv
from itertools import pairwise

import numpy as np

from analysis.check_codes import codes_to_check
from analysis.synthetic import make_survey_answers
from tests.analysis.test_cli_evaluate import run


def built(n=600, seed=3, label_noise=0.1, themes=None):
    texts, codes, _, truth = make_survey_answers(
        n, seed=seed, label_noise=label_noise, themes=themes, return_true_codes=True
    )
    return texts, np.asarray(codes), np.asarray(truth)


def test_lists_mostly_wrong_codes_and_suggests_the_right_theme():
    texts, codes, truth = built()
    suspects, share = codes_to_check(texts, codes)
    wrong = codes != truth
    flagged = np.array([s.index for s in suspects])
    precision = wrong[flagged].mean()
    recall = wrong[flagged].sum() / wrong.sum()
    right_suggestion = np.mean([truth[s.index] == s.suggested for s in suspects])
    print(f"precision {precision:.2f}, recall {recall:.2f}, suggestions {right_suggestion:.2f}")
    assert precision >= 0.9 and recall >= 0.6 and right_suggestion >= 0.9
    assert all(s.code == codes[s.index] and s.text == texts[s.index] for s in suspects)
    assert all(s.suggested_confidence > s.code_confidence for s in suspects)
    margins = [s.suggested_confidence - s.code_confidence for s in suspects]
    assert all(a >= b - 0.002 for a, b in pairwise(margins)), "not most confident first"
    assert sum(n for n, _ in share.values()) == len(texts)
    assert sum(flagged for _, flagged in share.values()) == len(suspects)


def test_clean_codes_give_almost_nothing_to_check():
    texts, codes, _ = built(label_noise=0.0)
    suspects, _ = codes_to_check(texts, codes)
    assert len(suspects) <= len(texts) // 100


def write_coded_csv(path, texts, codes):
    """A coded CSV with an uncoded row in the middle (skipped, but counted in line numbers)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["answer", "theme"])
        for i, (text, code) in enumerate(zip(texts, codes, strict=True)):
            writer.writerow([text, code])
            if i == 10:
                writer.writerow(["an answer nobody has coded yet", ""])
    return path


def test_command_prints_the_share_per_code_and_writes_every_suspect_with_its_line(tmp_path):
    texts, codes, _ = built()
    path = write_coded_csv(tmp_path / "coded.csv", texts, codes)
    out = tmp_path / "check.csv"
    result = run(
        "check-codes", path, "--text-column", "answer", "--label-column", "theme",
        "--output", out, "--limit", "3",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "codes look wrong" in result.stdout and "... and" in result.stdout
    assert "believed" in result.stdout.split("line")[0]  # the per-code table
    with open(path, newline="", encoding="utf-8") as fh:
        lines = {n: row for n, row in enumerate(csv.reader(fh), start=1)}
    with open(out, newline="", encoding="utf-8-sig") as fh:
        listed = list(csv.DictReader(fh))
    assert len(listed) > 3
    for item in listed:
        assert lines[int(item["line"])] == [item["text"], item["code"]]
        assert item["suggested"] != item["code"]


def test_command_output_opens_in_a_spreadsheet_without_running_formulas(tmp_path):
    texts, codes, _ = built()
    suspects, _ = codes_to_check(texts, codes)
    texts = list(texts)
    listed_first = suspects[0].index
    texts[listed_first] = "=" + texts[listed_first]  # a sign, not a word: still listed
    path = write_coded_csv(tmp_path / "coded.csv", texts, codes)
    out = tmp_path / "check.csv"
    result = run(
        "check-codes", path, "--text-column", "answer", "--label-column", "theme", "--output", out
    )
    assert result.returncode == 0, result.stderr
    with open(out, newline="", encoding="utf-8-sig") as fh:
        listed = {item["text"]: item for item in csv.DictReader(fh)}
    assert "'" + texts[listed_first] in listed
    assert not any(text.startswith("=") for text in listed)


def test_command_errors_are_one_line_with_exit_2(tmp_path):
    texts, codes, _ = built(n=60, themes=["believed", "kept_informed", "counselling"])
    one_code = write_coded_csv(tmp_path / "one.csv", texts, ["believed"] * len(texts))
    single = write_coded_csv(tmp_path / "single.csv", texts, [*codes[:-1], "only_once"])
    cases = {
        one_code: ("need at least 2 different labels", []),
        single: ("'only_once'", []),
        write_coded_csv(tmp_path / "multi.csv", texts, [*codes[:-1], "believed;counselling"]): (
            "several codes in one cell?",
            [],
        ),
        tmp_path / "missing.csv": ("file not found", []),
        write_coded_csv(tmp_path / "ok.csv", texts, codes): (
            "cannot write",
            ["--output", tmp_path / "no-such-folder" / "out.csv"],
        ),
    }
    for path, (message, extra) in cases.items():
        result = run(
            "check-codes", path, "--text-column", "answer", "--label-column", "theme", *extra
        )
        assert result.returncode == 2, result.stdout
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
