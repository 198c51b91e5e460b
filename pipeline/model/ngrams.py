"""TF-IDF over word and character n-grams, counted with NumPy.

:class:`WordNgrams` and :class:`CharNgrams` do the job of scikit-learn's
``TfidfVectorizer`` for the fast mode without its pure-Python analyzers,
which rebuilt every n-gram as a string for every token of every text
(39% of the fast mode's time).  Here a text is split on whitespace (in C),
each distinct word is turned into the 64-bit keys of its n-grams once per
process (:class:`_Types`), and everything after that is array work: a
word n-gram's key is combined from its words' keys, counts come from
sorting keys, and the fitted vocabulary is a sorted array of keys found
with ``searchsorted``.  The keys are a stable hash (BLAKE2b), so a saved
model reads the same columns in every process.

Fitting keeps the terms ``TfidfVectorizer`` would (``min_df``, ``max_df``,
``max_features`` by corpus frequency) and the same weights (smoothed idf,
sublinear tf, L2-normalised rows), and stores each kept term's text for
explanations.  Collisions between two 64-bit keys are possible in principle
and negligible in practice (about one in 10¹⁰ for a million terms).
"""

from __future__ import annotations

import hashlib
import re
from itertools import repeat

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

__all__ = ["WordNgrams", "CharNgrams"]

# odd 64-bit multiplier (golden ratio): combining keys this way keeps word order
_MIX = np.uint64(0x9E3779B97F4A7C15)
# sklearn's default token pattern: runs of two or more word characters
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def _key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _word_grams(word: str) -> list[str]:
    return _TOKEN.findall(word)


def _char_wb_grams(word: str, low: int, high: int) -> list[str]:
    # the n-grams scikit-learn's char_wb analyzer takes from one whitespace-separated word
    padded = f" {word} "
    out = []
    for n in range(low, high + 1):
        if len(padded) <= n:  # a short word counts once, whole
            out.append(padded)
            break
        out.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return out


class _Types:
    """Each distinct word's n-gram keys, computed once and looked up by position.

    A process-wide cache, not fitted state: the keys of a word never change.  It is emptied when
    it holds more than ``limit`` words, so a stream of many reports stays within bounds: the 95
    corpus reports hold 14,000 distinct words (280,000 character n-grams), an archive's names and
    numbers keep adding more, and every estimator keeps a column per key beside it.  Emptying
    costs the next reports the keying of their words again (a fraction of a second).  The
    n-grams' texts are not kept (only fitting names terms): :meth:`texts` makes them again.
    """

    def __init__(self, grams, limit: int = 20_000):
        self.grams = grams
        self.limit = limit
        self.clear()

    def clear(self) -> None:
        self.generation = getattr(self, "generation", -1) + 1
        self.index: dict[str, int] = {}
        self.words: list[str] = []
        self._pending: list[np.ndarray] = []
        self._keys = np.zeros(0, np.uint64)
        self._starts = np.zeros(0, np.int64)
        self._lengths = np.zeros(0, np.int64)

    def _add(self, word: str) -> int:
        grams = self.grams(word)
        self.index[word] = len(self.words)
        self.words.append(word)
        self._pending.append(np.fromiter((_key(g) for g in grams), np.uint64, len(grams)))
        return self.index[word]

    def ids(self, words: list[str]) -> np.ndarray:
        """The type number of each word (new words are added)."""
        if len(self.index) > self.limit:  # between calls, never within one: positions stay valid
            self.clear()
        index = self.index
        out = np.fromiter(map(index.get, words, repeat(-1)), np.int64, len(words))
        for i in np.flatnonzero(out < 0).tolist():
            w = words[i]
            out[i] = index[w] if w in index else self._add(w)
        return out

    def texts(self, t: int) -> list[str]:
        """The n-grams of type ``t``, in the order of its keys."""
        return self.grams(self.words[t])

    def _arrays(self):
        if self._pending:
            lengths = np.array([len(a) for a in self._pending], np.int64)
            self._starts = np.concatenate([self._starts, len(self._keys) + np.cumsum(lengths) - lengths])
            self._lengths = np.concatenate([self._lengths, lengths])
            self._keys = np.concatenate([self._keys, *self._pending])
            self._pending = []
        return self._keys, self._starts, self._lengths

    def keys(self, types: np.ndarray, values: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The keys of every type in ``types``, in order, and the position in ``types`` each came from;
        with ``values`` (one per key of the table), those instead of the keys."""
        keys, starts, lengths = self._arrays()
        if values is not None:
            keys = values
        counts = lengths[types]
        total = int(counts.sum())
        ends = np.cumsum(counts)
        owner = np.repeat(np.arange(len(types)), counts)
        at = np.arange(total) - np.repeat(ends - counts, counts) + np.repeat(starts[types], counts)
        return keys[at], owner


class _NgramTfidf(TransformerMixin, BaseEstimator):
    """Shared fitting and weighting; subclasses say how a column becomes (row, key) pairs."""

    def _pairs(self, texts: list[str], names: bool = False):
        """(row, key) of every term occurrence, and with ``names`` a function naming keys."""
        raise NotImplementedError

    def _cells(self, texts: list[str]):
        """(row, column) of every term occurrence, -1 for terms outside the vocabulary."""
        rows, keys, _ = self._pairs(texts)
        return rows, self._columns(keys)

    @staticmethod
    def _texts(X) -> list[str]:
        column = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else (X if isinstance(X, pd.Series) else
                                                                   pd.Series(np.asarray(X).ravel()))
        return ["" if t is None else str(t) for t in column]

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        texts = self._texts(X)
        rows, keys, name_of = self._pairs(texts, names=True)
        n = len(texts)
        order = np.lexsort((rows, keys))
        k, r = keys[order], rows[order]
        first = np.ones(len(k), bool)
        first[1:] = (k[1:] != k[:-1]) | (r[1:] != r[:-1])
        terms, df = np.unique(k[first], return_counts=True)
        _, tf = np.unique(k, return_counts=True)  # same terms, same order
        max_df = self.max_df if isinstance(self.max_df, (int, np.integer)) else self.max_df * n
        keep = (df >= self.min_df) & (df <= max_df)
        if self.max_features is not None and keep.sum() > self.max_features:
            kept = np.flatnonzero(keep)
            best = kept[np.lexsort((terms[kept], -tf[kept]))[:self.max_features]]
            keep = np.zeros(len(terms), bool)
            keep[best] = True
        if not keep.any():
            raise ValueError("no terms remain after pruning; lower min_df or raise max_df")
        self.keys_ = terms[keep]
        self.idf_ = (np.log((1 + n) / (1 + df[keep])) + 1).astype(np.float32)
        self.names_ = np.array(name_of(self.keys_), dtype=object).astype(str)
        self.n_features_in_ = 1
        self.__dict__.pop("_cached", None)
        return self._weigh(rows, self._columns(keys), n)

    def _columns(self, keys: np.ndarray) -> np.ndarray:
        """Each key's column in the vocabulary, -1 for a key not in it."""
        vocab = self.keys_
        col = np.searchsorted(vocab, keys)
        col[col == len(vocab)] = 0
        return np.where(vocab[col] == keys, col, -1)

    def _table_columns(self, table: _Types) -> np.ndarray:
        """:meth:`_columns` of every key in ``table``: each word's n-grams are looked up once."""
        keys = table._arrays()[0]
        generation, done = getattr(self, "_cached", (None, None))
        if generation != (table, table.generation):
            done = np.zeros(0, np.int64)
        if len(done) < len(keys):
            done = np.concatenate([done, self._columns(keys[len(done):])])
        self._cached = ((table, table.generation), done)
        return done

    def _weigh(self, rows: np.ndarray, cols: np.ndarray, n: int):
        hit = cols >= 0
        m = sparse.csr_matrix((np.ones(int(hit.sum()), np.float32), (rows[hit], cols[hit])),
                              shape=(n, len(self.keys_)))
        m.sum_duplicates()
        if self.sublinear_tf:
            np.log(m.data, out=m.data)
            m.data += 1
        m.data *= self.idf_[m.indices]
        return normalize(m, copy=False)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_cached", None)
        return state

    def transform(self, X):
        check_is_fitted(self, "keys_")
        texts = self._texts(X)
        rows, cols = self._cells(texts)
        return self._weigh(rows, cols, len(texts))

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "names_")
        return self.names_


_WORDS = _Types(_word_grams)
_BREAK = "\x00"  # between rows in one joined string; never inside a row


def _words(table: _Types, texts: list[str], lower: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The type number of every whitespace-separated word of ``texts`` and the row it is in."""
    if any(_BREAK in t for t in texts):
        texts = [t.replace(_BREAK, " ") for t in texts]
    joined = f" {_BREAK} ".join(texts)
    # one split and one lookup pass over all rows: per-row calls cost more than the words
    types = table.ids((joined.lower() if lower else joined).split() + [_BREAK])
    breaks = types == table.index[_BREAK]
    rows = np.cumsum(breaks)[~breaks]
    return types[~breaks], rows


class WordNgrams(_NgramTfidf):
    """TF-IDF over word 1..n-grams of a space-separated column (esq's lemmas).

    Words are what ``TfidfVectorizer``'s default token pattern takes (runs of two or more word
    characters), so a fitted model weighs the terms it did.

    Parameters
    ----------
    ngram_range : (int, int)
        Shortest and longest n-gram.
    min_df : int
        Keep terms in at least this many rows.
    max_df : float or int
        Drop terms in more than this share (float) or number (int) of rows.
    max_features : int or None
        Keep at most this many terms, the most frequent in the training rows.
    sublinear_tf : bool
        Count c weighs 1 + log c.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 1), min_df: int = 1, max_df: float = 1.0,
                 max_features: int | None = None, sublinear_tf: bool = True):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf

    def _tokens(self, texts):
        types, word_rows = _words(_WORDS, texts)
        keys, owner = _WORDS.keys(types)  # a word holds 0 or more tokens ("covid-19": covid)
        return types, owner, keys, word_rows[owner]

    def _grams(self, keys: np.ndarray, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Keys of the n-grams starting at each token whose n tokens lie in one row, and their positions."""
        m = len(keys) - n + 1
        if m <= 0:
            return np.zeros(0, np.uint64), np.zeros(0, np.int64)
        k = keys[:m].copy()
        same = np.ones(m, bool)
        for j in range(1, n):
            k = k * _MIX + keys[j:m + j]
            same &= rows[j:m + j] == rows[:m]
        return k[same], np.flatnonzero(same)

    def _pairs(self, texts, names=False):
        types, owner, keys, rows = self._tokens(texts)
        low, high = self.ngram_range
        parts = [self._grams(keys, rows, n) + (n,) for n in range(low, high + 1)]
        rows_out = np.concatenate([rows[at] for _, at, _ in parts])
        keys_out = np.concatenate([k for k, _, _ in parts])
        if not names:
            return rows_out, keys_out, None
        token_text = [g for t in types.tolist() for g in _WORDS.texts(t)]
        where = np.concatenate([np.stack([at, np.full(len(at), n)], axis=1) for _, at, n in parts])

        def name_of(vocab):
            uniq, first = np.unique(keys_out, return_index=True)
            found = where[first[np.searchsorted(uniq, vocab)]]
            return [" ".join(token_text[i:i + n]) for i, n in found.tolist()]

        return rows_out, keys_out, name_of

    def _cells(self, texts):
        types, owner, keys, rows = self._tokens(texts)
        low, high = self.ngram_range
        out_rows, out_cols = [], []
        for n in range(low, high + 1):
            if n == 1:  # a word's column is looked up once per process, not once per occurrence
                cols, _ = _WORDS.keys(types, self._table_columns(_WORDS))
                out_rows.append(rows)
                out_cols.append(cols)
            else:
                k, at = self._grams(keys, rows, n)
                out_rows.append(rows[at])
                out_cols.append(self._columns(k))
        return np.concatenate(out_rows), np.concatenate(out_cols)


_CHARS: dict[tuple[int, int], _Types] = {}


class CharNgrams(_NgramTfidf):
    """TF-IDF over character n-grams inside word boundaries of a text column, lower-cased
    (``TfidfVectorizer(analyzer="char_wb")``'s terms).

    Parameters are :class:`WordNgrams`'s; ``ngram_range`` counts characters.
    """

    def __init__(self, ngram_range: tuple[int, int] = (3, 5), min_df: int = 1, max_df: float = 1.0,
                 max_features: int | None = None, sublinear_tf: bool = True):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf

    def _table(self) -> _Types:
        low, high = self.ngram_range
        if (low, high) not in _CHARS:
            _CHARS[(low, high)] = _Types(lambda w: [] if w == _BREAK else _char_wb_grams(w, low, high))
        return _CHARS[(low, high)]

    def _pairs(self, texts, names=False):
        table = self._table()
        types, word_rows = _words(table, texts, lower=True)
        keys, owner = table.keys(types)
        rows = word_rows[owner]
        if not names:
            return rows, keys, None
        text_of = {}
        for t in np.unique(types).tolist():
            for g in table.texts(t):
                text_of.setdefault(_key(g), g)

        def name_of(vocab):
            return [text_of[k] for k in vocab.tolist()]

        return rows, keys, name_of

    def _cells(self, texts):
        table = self._table()
        types, word_rows = _words(table, texts, lower=True)
        cols, owner = table.keys(types, self._table_columns(table))
        return word_rows[owner], cols
