"""The fast mode's n-gram features weigh the terms scikit-learn's TfidfVectorizer would."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.model import ngrams
from pipeline.model.ngrams import CharNgrams, WordNgrams

TEXTS = [
    "staff know people well and record their care needs",
    "care plan be not review since march and staff be unaware of the change",
    "the registered manager audit medicine record every month",
    "people tell we staff be kind , patient and know they well",
    "medicine be not store safely and the fridge temperature be not record",
    "a new care plan be in place for each person ; covid-19 test be record",
    "",
]


def _same(ours, theirs, texts):
    a = ours.fit_transform(texts)
    b = theirs.fit_transform(texts)
    names, their_names = list(ours.get_feature_names_out()), list(theirs.get_feature_names_out())
    assert sorted(names) == sorted(their_names)
    order = [names.index(t) for t in their_names]
    assert np.abs(a[:, order] - b).max() < 1e-6
    assert np.abs(ours.transform(texts)[:, order] - theirs.transform(texts)).max() < 1e-6


@pytest.mark.parametrize("ngram_range,min_df,max_df", [((1, 1), 1, 1.0), ((1, 2), 1, 0.5), ((1, 3), 2, 1.0)])
def test_word_ngrams_match_tfidf_vectorizer(ngram_range, min_df, max_df):
    _same(WordNgrams(ngram_range=ngram_range, min_df=min_df, max_df=max_df),
          TfidfVectorizer(ngram_range=ngram_range, min_df=min_df, max_df=max_df, sublinear_tf=True), TEXTS)


def test_char_ngrams_match_char_wb_tfidf():
    texts = [t.upper() if i % 2 else t for i, t in enumerate(TEXTS)] + ["I", "a ok"]
    _same(CharNgrams(ngram_range=(3, 5), min_df=1),
          TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True), texts)


def test_unseen_words_and_empty_rows_give_empty_rows():
    model = WordNgrams(ngram_range=(1, 2)).fit(TEXTS)
    m = model.transform(["entirely unfamiliar words", "", "staff know"])
    assert m.shape == (3, len(model.keys_))
    assert m[0].nnz == 0 and m[1].nnz == 0 and m[2].nnz == 3


def test_max_features_keeps_the_most_frequent_terms():
    model = WordNgrams(max_features=3).fit(TEXTS)
    assert set(model.get_feature_names_out()) == {"be", "record", "and"}


def test_the_word_cache_can_be_emptied_mid_stream():
    model = CharNgrams(ngram_range=(3, 4)).fit(TEXTS)
    expected = model.transform(TEXTS[::-1]).toarray()
    table = model._table()
    limit = table.limit
    try:
        table.limit = 2  # every call now starts from an empty cache
        assert np.allclose(model.transform(TEXTS[::-1]).toarray(), expected)
    finally:
        table.limit = limit
        table.clear()


def test_terms_are_the_same_columns_in_every_process():
    # a saved model must read the same columns in another process: the keys may not depend on
    # Python's per-process string hashing
    code = ("from pipeline.model.ngrams import WordNgrams; import sys; "
            f"print(WordNgrams(ngram_range=(1, 2)).fit({TEXTS!r}).keys_[:5].tolist())")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2")}
    assert len(seen) == 1
    assert seen.pop().strip() == str(WordNgrams(ngram_range=(1, 2)).fit(TEXTS).keys_[:5].tolist())
