"""The built survey answers: seeded, with wrong codings whose true themes are known."""

from analysis.synthetic import make_survey_answers


def test_true_codes_differ_from_the_codes_on_about_the_wrongly_coded_share():
    texts, codes, themes, truth = make_survey_answers(2000, seed=5, return_true_codes=True)
    wrong = sum(code != true for code, true in zip(codes, truth, strict=True))
    assert 0.035 * 2000 < wrong < 0.065 * 2000  # label_noise=0.05
    assert set(truth) <= set(themes)
    # Asking for the truth changes nothing else: same texts and codes for the same seed.
    assert (texts, codes, themes) == make_survey_answers(2000, seed=5)


def test_without_wrong_codings_the_codes_are_the_truth():
    _, codes, _, truth = make_survey_answers(300, seed=6, label_noise=0.0, return_true_codes=True)
    assert codes == truth


def test_multilabel_truth_is_an_indicator_matrix_like_the_codes():
    _, codes, themes, truth = make_survey_answers(
        1000, multilabel=True, seed=7, label_noise=0.1, return_true_codes=True
    )
    assert truth.shape == codes.shape == (1000, len(themes))
    assert truth.sum(axis=1).min() >= 1
    differs = (codes != truth).any(axis=1).sum()
    assert 0.06 * 1000 < differs < 0.14 * 1000


def test_no_theme_gives_a_share_of_answers_an_empty_row():
    texts, y, names, truth = make_survey_answers(
        900,
        multilabel=True,
        themes=["believed", "counselling", "court_process"],
        no_theme=1 / 3,
        label_noise=0.0,
        seed=4,
        return_true_codes=True,
    )
    empty = y.sum(axis=1) == 0
    assert 0.28 < empty.mean() < 0.39
    assert (truth == y).all() and len(texts) == 900
    assert names == ["believed", "counselling", "court_process"]


def test_no_theme_zero_leaves_the_answers_unchanged():
    plain = make_survey_answers(50, multilabel=True, seed=5)
    zero = make_survey_answers(50, multilabel=True, seed=5, no_theme=0.0)
    assert plain[0] == zero[0] and (plain[1] == zero[1]).all()
