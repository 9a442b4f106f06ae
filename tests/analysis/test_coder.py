"""Tests for ThemeCoder: scikit-learn conventions, single- and multi-label coding, quality."""

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC
from sklearn.utils import estimator_checks

from analysis import ThemeCoder
from analysis.coder import (
    _SEP,
    _best_prior_shift,
    _find,
    _hash_table,
    _lookup,
    _slots_of,
    _token_ids,
)
from analysis.synthetic import make_survey_answers
from analysis.text import _FAST_TOKEN, normalize


def single_label_data(n=240, seed=1):
    texts, y, _ = make_survey_answers(
        n, seed=seed, themes=["believed", "kept_informed", "fear_of_reprisal", "counselling"]
    )
    return texts, np.asarray(y)


def multi_label_data(n=240, seed=2):
    texts, y, themes = make_survey_answers(
        n, multilabel=True, seed=seed, themes=["believed", "kept_informed", "counselling"]
    )
    return texts, y, themes


@pytest.mark.parametrize(
    "check",
    [
        estimator_checks.check_parameters_default_constructible,
        estimator_checks.check_no_attributes_set_in_init,
        estimator_checks.check_get_params_invariance,
        estimator_checks.check_set_params,
        estimator_checks.check_estimator_cloneable,
        estimator_checks.check_estimator_repr,
        estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
        estimator_checks.check_mixin_order,
    ],
)
def test_follows_scikit_learn_estimator_checks(check):
    check("ThemeCoder", ThemeCoder())


def test_clone_keeps_parameters_and_drops_fitted_state():
    texts, y = single_label_data()
    coder = ThemeCoder(C=0.7, min_df=2).fit(texts, y)
    copy = clone(coder)
    assert copy.get_params() == coder.get_params()
    assert not hasattr(copy, "coef_")


def test_set_params_changes_the_parameter():
    coder = ThemeCoder().set_params(char_weight=0.5)
    assert coder.get_params()["char_weight"] == 0.5


def test_fit_returns_self_and_sets_trailing_underscore_attributes():
    texts, y = single_label_data()
    coder = ThemeCoder()
    assert coder.fit(texts, y) is coder
    assert list(coder.classes_) == sorted(set(y))
    assert coder.coef_.shape == (4, coder.n_features_)


def test_single_label_predicts_labels_and_probabilities_that_sum_to_one():
    texts, y = single_label_data()
    coder = ThemeCoder().fit(texts, y)
    predicted = coder.predict(["Nobody ever told me what was happening with the case"])
    assert predicted.tolist() == ["kept_informed"]
    proba = coder.predict_proba(texts[:10])
    assert proba.shape == (10, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert (coder.classes_[proba.argmax(axis=1)] == coder.predict(texts[:10])).all()


def test_confidence_is_calibrated_roughly_on_held_out_answers():
    texts, y = single_label_data(n=400, seed=3)
    coder = ThemeCoder().fit(texts[:300], y[:300])
    proba = coder.predict_proba(texts[300:])
    correct = coder.classes_[proba.argmax(axis=1)] == y[300:]
    assert abs(proba.max(axis=1).mean() - correct.mean()) < 0.15


def test_two_themes_work():
    texts, y = single_label_data()
    keep = np.isin(y, ["believed", "counselling"])
    coder = ThemeCoder().fit(np.asarray(texts)[keep].tolist(), y[keep])
    assert coder.predict(["the counsellor helped with my anxiety"]).tolist() == ["counselling"]
    assert coder.predict_proba(["x"]).shape == (1, 2)


def test_multi_label_returns_indicator_matrix_and_independent_probabilities():
    texts, y, _ = multi_label_data()
    coder = ThemeCoder().fit(texts, y)
    answer = "I felt the officer did not believe me. Counselling really helped me cope though."
    predicted = coder.predict([answer])
    assert predicted.shape == (1, 3)
    assert predicted[0].tolist() == [1, 0, 1]
    proba = coder.predict_proba([answer])
    assert proba.shape == (1, 3) and ((proba >= 0) & (proba <= 1)).all()
    assert coder.thresholds_.shape == (3,)


def test_multi_label_gives_at_least_one_theme_by_default():
    texts, y, _ = multi_label_data()
    coder = ThemeCoder().fit(texts, y)
    assert coder.predict(["zzz qqq"]).sum() == 1
    coder_none = ThemeCoder(at_least_one=False).fit(texts, y)
    assert coder_none.predict(["zzz qqq"]).sum() <= 1


def test_round_trips_through_pickle_with_identical_predictions():
    texts, y = single_label_data()
    coder = ThemeCoder().fit(texts, y)
    restored = pickle.loads(pickle.dumps(coder))  # noqa: S301 - our own object
    np.testing.assert_array_equal(restored.predict_proba(texts), coder.predict_proba(texts))


def test_explain_names_the_words_that_pushed_the_decision():
    texts, y = single_label_data()
    coder = ThemeCoder().fit(texts, y)
    terms = [
        term for term, _ in coder.explain("I was scared he would come after me", "fear_of_reprisal")
    ]
    assert len(terms) == 5
    assert any(term.startswith(("scare", "come after", "after")) for term in terms)


def test_explain_rejects_an_unknown_label():
    texts, y = single_label_data()
    with pytest.raises(ValueError, match="unknown label"):
        ThemeCoder().fit(texts, y).explain("text", "no_such_theme")


def test_predict_before_fit_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ThemeCoder().predict(["text"])


def test_fit_rejects_one_theme_and_a_bare_string():
    with pytest.raises(ValueError, match="at least 2 themes"):
        ThemeCoder().fit(["a b", "c d"], ["x", "x"])
    with pytest.raises(ValueError, match="sequence of strings"):
        ThemeCoder().fit("just one string", ["x"])


def test_rare_theme_with_one_example_still_fits():
    texts, y = single_label_data(n=60)
    y = y.copy()
    y[0] = "rare"
    coder = ThemeCoder().fit(texts, y)
    assert "rare" in coder.classes_


def test_is_not_worse_than_plain_tfidf_linear_svc_on_noisy_survey_answers():
    texts, y, _ = make_survey_answers(500, seed=11, label_noise=0.1, typo_rate=0.1)
    y = np.asarray(y)
    train, test = slice(0, 350), slice(350, None)
    baseline = make_pipeline(TfidfVectorizer(), LinearSVC()).fit(texts[train], y[train])
    coder = ThemeCoder(cv=2).fit(texts[train], y[train])
    ours = f1_score(y[test], coder.predict(texts[test]), average="macro")
    theirs = f1_score(y[test], baseline.predict(texts[test]), average="macro")
    assert ours >= theirs


def test_explain_batch_gives_each_text_the_same_terms_as_explaining_it_alone():
    texts, y = single_label_data()
    coder = ThemeCoder().fit(texts, y)
    batch = ["I was scared he would come after me", "", "Nobody told me anything, ever."]
    labels = [["fear_of_reprisal", "believed"], ["counselling"], ["kept_informed"]]
    together = coder.explain_batch(batch, labels)
    alone = [
        [coder.explain_batch([t], [[label]])[0][0] for label in ls]
        for t, ls in zip(batch, labels, strict=True)
    ]
    assert together == alone
    assert together[1] == [[]]
    assert together[0][0] != together[0][1]


def test_explain_batch_rejects_an_unknown_label():
    texts, y = single_label_data()
    with pytest.raises(ValueError, match="unknown label"):
        ThemeCoder().fit(texts, y).explain_batch(["text"], [["no_such_theme"]])


def test_one_thread_fits_are_reproducible_and_two_threads_agree_with_them():
    texts, y, _ = multi_label_data()
    one = ThemeCoder(n_jobs=1).fit(texts, y)
    np.testing.assert_array_equal(ThemeCoder(n_jobs=1).fit(texts, y).coef_, one.coef_)
    two = ThemeCoder(n_jobs=2).fit(texts, y)
    np.testing.assert_allclose(two.coef_, one.coef_, atol=5e-3)
    assert (two.predict(texts) == one.predict(texts)).mean() > 0.98


FOUR_THEMES = ["believed", "kept_informed", "fear_of_reprisal", "counselling"]


def test_estimates_each_themes_share_of_wrong_codes_and_weights_those_themes_less():
    texts, y, _, truth = make_survey_answers(
        800, seed=7, label_noise=0.2, themes=FOUR_THEMES, return_true_codes=True
    )
    y, truth = np.asarray(y), np.asarray(truth)
    coder = ThemeCoder().fit(texts, y)
    true_rate = np.array([np.mean(truth[y == theme] != theme) for theme in coder.classes_])
    estimated = coder.wrong_code_rate_
    assert np.abs(estimated - true_rate).max() < 0.15
    assert list(np.argsort(estimated)) == list(np.argsort(true_rate))
    counts = np.array([np.sum(y == theme) for theme in coder.classes_])
    balanced = len(y) / (len(counts) * counts)
    weights = np.array([coder.class_weight_[j] for j in range(len(counts))])
    # Each weight moves from the balanced one towards 1 (unweighted), more for noisier themes.
    assert (np.abs(np.log(weights)) < np.abs(np.log(balanced))).all()
    assert ((weights - 1) * (balanced - 1) > 0).all()


def test_clean_codes_keep_fully_balanced_weights():
    texts, y, _ = make_survey_answers(800, seed=7, label_noise=0.0, themes=FOUR_THEMES)
    coder = ThemeCoder().fit(texts, y)
    assert not coder.wrong_code_rate_.any()
    assert coder.class_weight_ == "balanced"


def test_themes_with_few_codes_keep_full_weight_however_noisy():
    texts, y, _ = make_survey_answers(120, seed=7, label_noise=0.3, themes=FOUR_THEMES)
    y = np.asarray(y)
    coder = ThemeCoder().fit(texts, y)
    counts = np.array([np.sum(y == theme) for theme in coder.classes_])
    assert (counts < 30).any() and (counts >= 30).any()
    assert not coder.wrong_code_rate_[counts < 30].any()
    assert coder.wrong_code_rate_[counts >= 30].any()


def test_explicit_or_multi_label_weights_are_not_corrected():
    texts, y = single_label_data()
    balanced = ThemeCoder(class_weight="balanced").fit(texts, y)
    assert balanced.class_weight_ == "balanced" and balanced.wrong_code_rate_ is None
    texts, Y, _ = multi_label_data()
    multi = ThemeCoder().fit(texts, Y)
    assert multi.class_weight_ is None and multi.wrong_code_rate_ is None


def no_theme_data(n, seed):
    """Multi-label answers of which about a third speak of none of the three themes."""
    return make_survey_answers(
        n,
        multilabel=True,
        seed=seed,
        themes=["believed", "kept_informed", "counselling"],
        no_theme=1 / 3,
        return_true_codes=True,
    )


def test_learns_from_the_codes_that_many_texts_carry_no_theme_and_predicts_none():
    texts, y, _, _ = no_theme_data(300, seed=21)
    test_texts, test_y, _, truth = no_theme_data(600, seed=22)
    coder = ThemeCoder().fit(texts, y)
    assert 0.25 < coder.none_rate_ < 0.4
    predicted = coder.predict(test_texts)
    none = truth.sum(axis=1) == 0
    # Most answers about none of the themes get none; answers with a theme keep getting one.
    assert (predicted[none].sum(axis=1) == 0).mean() > 0.85
    assert (predicted[~none].sum(axis=1) > 0).mean() > 0.95
    forced = ThemeCoder(at_least_one=True).fit(texts, y).predict(test_texts)
    assert (forced.sum(axis=1) > 0).all()
    ours = f1_score(test_y, predicted, average="macro")
    assert ours > f1_score(test_y, forced, average="macro") + 0.05
    baseline = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        OneVsRestClassifier(LinearSVC(class_weight="balanced")),
    )
    assert ours >= f1_score(test_y, baseline.fit(texts, y).predict(test_texts), average="macro")


def test_every_text_coded_means_the_best_theme_is_always_given():
    texts, y, _ = multi_label_data()
    coder = ThemeCoder().fit(texts, y)
    assert coder.none_rate_ == 0 and coder.none_cutoff_ == 0.0
    assert ThemeCoder(at_least_one=False).fit(texts, y).none_cutoff_ == 1.0


def test_at_least_one_must_be_true_false_or_auto():
    texts, y, _ = multi_label_data(n=60)
    with pytest.raises(ValueError, match="at_least_one"):
        ThemeCoder(at_least_one="sometimes").fit(texts, y)


def test_review_flags_texts_whose_best_theme_is_uncertain():
    texts, y, _, _ = no_theme_data(300, seed=21)
    coder = ThemeCoder().fit(texts, y)
    answers = [
        "Counselling helped me so much and they believed me straight away.",
        "Thank you for asking.",
        "I sort of felt they maybe believed me, I think, not sure.",
    ]
    flags = coder.review_flags(answers)
    assert flags.dtype == bool and flags.shape == (3,)
    assert not flags[0]  # clear themes
    ratio = coder.predict_proba(answers) / coder.thresholds_
    expected = (ratio < 1).all(axis=1) & (ratio.max(axis=1) >= 0.5)
    np.testing.assert_array_equal(flags, expected)
    single_texts, single_y = single_label_data()
    single = ThemeCoder().fit(single_texts, single_y)
    np.testing.assert_array_equal(
        single.review_flags(answers), single.predict_proba(answers).max(axis=1) < 0.5
    )


def test_models_saved_before_none_cutoff_existed_still_predict():
    texts, y, _ = multi_label_data(n=120)
    coder = ThemeCoder().fit(texts, y)
    expected = coder.predict(texts)
    del coder.none_cutoff_
    coder.at_least_one = True  # what every model saved before issue 15 had
    np.testing.assert_array_equal(coder.predict(texts), expected)


def test_scores_of_the_two_blocks_equal_the_stacked_features_times_the_weights():
    texts, y = single_label_data(n=120)
    coder = ThemeCoder().fit(texts, y)
    stacked = coder.vectorizer_.transform(texts) @ coder.coef_.T + coder.intercept_
    np.testing.assert_allclose(coder.decision_function(texts), stacked, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("multilabel", [False, True])
def test_coding_predicts_as_the_stacked_features_times_the_weights(multilabel):
    if multilabel:
        texts, y, _ = multi_label_data(n=160)
    else:
        texts, y = single_label_data(n=160)
    coder = ThemeCoder().fit(texts, y)
    new, _, _ = make_survey_answers(600, multilabel=multilabel, seed=9)
    stacked = coder.vectorizer_.transform(new) @ coder.coef_.T + coder.intercept_
    proba = coder._proba_from_scores(np.asarray(stacked))
    if multilabel:
        expected = coder._with_best_theme((proba >= coder.thresholds_).astype(int), proba)
    else:
        expected = coder.classes_[np.argmax(coder._shifted(proba), axis=1)]
    np.testing.assert_array_equal(coder.predict(new), expected)
    np.testing.assert_allclose(coder.predict_proba(new), proba, rtol=1e-4, atol=1e-5)


def test_predictions_match_those_recorded_before_coding_was_made_faster():
    """Speed work must not change a prediction. The file holds the predictions the coder
    made before issue 15's multi-label speed-up (training on 800 built answers, seed 11,
    coding 4,000, seed 12); change it only with a change meant to change predictions."""
    recorded = np.load(Path(__file__).parent / "data" / "coder_predictions.npz")
    for multilabel, key in ((False, "single_label"), (True, "multi_label")):
        texts, y, _ = make_survey_answers(800, multilabel=multilabel, seed=11)
        new, _, _ = make_survey_answers(4000, multilabel=multilabel, seed=12)
        predicted = ThemeCoder().fit(texts, y).predict(new)
        np.testing.assert_array_equal(predicted, recorded[key], err_msg=key)


def test_the_hash_table_finds_the_same_columns_as_a_binary_search():
    rng = np.random.default_rng(3)
    for n_keys in (0, 1, 7, 5000):
        keys = np.unique(rng.integers(0, 10**12, n_keys))
        codes = np.concatenate([keys, rng.integers(0, 10**12, 3000), keys + 1, keys[::-1]])
        rng.shuffle(codes)
        table = _hash_table(keys)
        if n_keys == 5000:  # some keys had to move on from a taken slot
            slot_keys, _, bits = table
            home = _slots_of(keys, bits)
            assert (slot_keys[home] != keys).sum() > 100
        found, columns = _find(table, codes)
        expected_found, expected_columns = _lookup(keys, codes)
        np.testing.assert_array_equal(found, expected_found)
        np.testing.assert_array_equal(columns, expected_columns)


def test_a_batch_is_tokenised_as_each_of_its_texts_alone():
    texts = [
        "I didn't know – nobody told me.",
        "",
        "They can’t have cannot gonna wanna",
        "Follow-up on 3,000 o'neill e.g. U.S.A. ok?!",
        "tabs\tand\nnew lines\x1e record separators \x00 and nulls",
        "didn't didn't DIDN'T",
    ]
    types, ids = _token_ids(texts)
    joined = [types[i] for i in ids]
    expected = []
    for k, text in enumerate(texts):
        if k:
            expected.append(_SEP)
        expected.extend(_FAST_TOKEN.findall(normalize(text.replace(_SEP, " ")).lower()))
    assert joined == expected
    assert len(types) == len(set(types))


def test_coding_remembers_words_between_batches_without_saving_them():
    texts, y = single_label_data(n=120)
    coder = ThemeCoder().fit(texts, y)
    first = coder.decision_function(texts)
    assert coder.vectorizer_.__dict__.get("_grams_cache")  # words remembered
    np.testing.assert_array_equal(coder.decision_function(texts), first)
    saved = pickle.loads(pickle.dumps(coder))  # noqa: S301 - our own bytes
    assert "_grams_cache" not in saved.vectorizer_.__dict__
    assert "_tables" not in saved.vectorizer_.__dict__
    np.testing.assert_array_equal(saved.decision_function(texts), first)
    # Refitting forgets the words of the old vocabulary.
    other, other_y = single_label_data(n=120, seed=5)
    coder.fit(other, other_y)
    np.testing.assert_array_equal(
        coder.decision_function(texts), ThemeCoder().fit(other, other_y).decision_function(texts)
    )


def test_clause_punctuation_is_a_term():
    texts, y = single_label_data(n=120)
    names = set(ThemeCoder().fit([*texts, "Why? Why not!"], [*y, y[0]]).feature_names_out())
    assert {"?", "!"} <= names


def test_prior_shift_favours_a_rare_theme_only_when_that_raises_macro_f1():
    y = np.array([0] * 90 + [1] * 10)
    prior = np.bincount(y) / len(y)
    logits = np.zeros((100, 2))
    logits[:, 1] = np.where(y == 1, -0.5, -2.0)  # the rare theme always loses narrowly
    assert _best_prior_shift(logits, y, prior) == 0.25
    logits[:, 1] = np.where(y == 1, 1.0, -2.0)  # already right: no shift
    assert _best_prior_shift(logits, y, prior) == 0.0


def test_predictions_follow_the_prior_shift_and_probabilities_do_not():
    texts, y = single_label_data()
    coder = ThemeCoder().fit(texts, y)
    assert coder.prior_.sum() == pytest.approx(1.0)
    proba = coder.predict_proba(texts)
    coder.prior_shift_ = 1.0
    shifted = np.log(proba) - np.log(coder.prior_)
    np.testing.assert_array_equal(coder.predict(texts), coder.classes_[shifted.argmax(axis=1)])
    np.testing.assert_array_equal(coder.predict_proba(texts), proba)
    del coder.prior_shift_  # a model saved before prior_shift_ existed
    np.testing.assert_array_equal(coder.predict(texts), coder.classes_[proba.argmax(axis=1)])


def test_min_df_auto_keeps_every_feature_when_a_theme_has_few_codes():
    texts, y, _ = make_survey_answers(300, seed=1)  # 16 themes, the rarest with a few codes
    assert np.bincount(np.unique(y, return_inverse=True)[1]).min() < 10
    coder = ThemeCoder().fit(texts, y)
    assert [(m, w) for m, w, _ in coder.feature_quality_] == [(1, 1.5)]
    assert (coder.min_df_, coder.char_weight_) == (1, 1.5)


def test_min_df_auto_compares_pruned_features_out_of_fold_and_keeps_the_better():
    texts, y = single_label_data(n=400)
    coder = ThemeCoder().fit(texts, y)
    (_, _, kept), (_, _, pruned) = coder.feature_quality_
    expected = (2, 1.0) if pruned > kept + 0.005 else (1, 1.5)
    assert (coder.min_df_, coder.char_weight_) == expected
    assert coder.vectorizer_.min_df == coder.min_df_
    fixed = ThemeCoder(min_df=coder.min_df_, char_weight=coder.char_weight_).fit(texts, y)
    assert np.array_equal(fixed.predict(texts[:50]), coder.predict(texts[:50]))


def test_explicit_min_df_and_char_weight_are_used_as_given():
    texts, y = single_label_data(n=400)
    coder = ThemeCoder(min_df=2, char_weight=0.5).fit(texts, y)
    assert [(m, w) for m, w, _ in coder.feature_quality_] == [(2, 0.5)]
    assert ThemeCoder(min_df=3).fit(texts, y).char_weight_ == 1.0


def test_bad_min_df_is_refused():
    texts, y = single_label_data()
    with pytest.raises(ValueError, match="min_df"):
        ThemeCoder(min_df=0).fit(texts, y)
