"""The accurate mode's encodings are remembered across calls, within bounds."""

import numpy as np
import pytest

from pipeline.model import embed


@pytest.fixture
def empty_cache(monkeypatch):
    monkeypatch.setattr(embed, "_CACHE", type(embed._CACHE)())
    monkeypatch.setattr(embed, "_CACHE_MAX", 10)
    return embed


def _counting():
    calls = []

    def encode_new(texts):
        calls.append(list(texts))
        return np.array([[len(t), i] + [0.0] * 382 for i, t in enumerate(texts)], np.float32)
    return calls, encode_new


def test_each_distinct_text_is_encoded_once_and_rows_follow_the_texts(empty_cache):
    calls, encode_new = _counting()
    out = embed.cached("k", ["aa", "b", "aa"], encode_new)
    assert calls == [["aa", "b"]]
    assert out.shape == (3, 384) and out.dtype == np.float32
    assert out[:, 0].tolist() == [2, 1, 2]
    embed.cached("k", ["b"], encode_new)
    embed.cached("other", ["b"], encode_new)  # another encoder: its own vectors
    assert calls == [["aa", "b"], ["b"]]


def test_a_call_larger_than_the_bound_is_answered_whole_and_the_cache_stays_bounded(empty_cache):
    texts = [f"t{i}" for i in range(25)]
    _, encode_new = _counting()
    out = embed.cached("k", texts, encode_new)
    assert out[:, 0].tolist() == [len(t) for t in texts]
    assert len(embed._CACHE) == 10


def test_cross_validation_remembers_more_inside_the_block_and_keeps_it_after(empty_cache):
    texts = [f"t{i}" for i in range(25)]
    calls, encode_new = _counting()
    with embed.cache_limit(100):
        embed.cached("k", texts, encode_new)
        embed.cached("k", texts, encode_new)  # the next fold: nothing encoded again
    assert len(calls) == 1 and len(embed._CACHE) == 25 and embed._CACHE_MAX == 10
    embed.cached("k", ["new"], encode_new)  # tagging afterwards: back within the default bound
    assert len(embed._CACHE) == 10
