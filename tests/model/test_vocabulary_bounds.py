"""A long stream of reports keeps the spaCy stage's memory bounded and its analysis unchanged."""

import random
import string

from pipeline.model import nlp as nlp_module
from pipeline.model import ngrams


def _texts(seed: int, n: int = 40) -> list[str]:
    rng = random.Random(seed)
    base = ("Staff told us that care plans were reviewed monthly, but two records had not been updated "
            "since March. People said they felt safe and were treated with dignity.")
    # names and codes nobody has seen before, as an archive's reports bring without end
    return [f"{base} {' '.join(''.join(rng.choices(string.ascii_lowercase, k=9)) for _ in range(5))}."
            for _ in range(n)]


def test_new_words_are_let_go_once_the_vocabulary_holds_the_common_ones(monkeypatch):
    plain = nlp_module.build_nlp()  # far below the vocabulary esq keeps: no zone
    expected = {seed: list(nlp_module.analyse(plain, _texts(seed))) for seed in range(1, 4)}
    zoned = nlp_module.build_nlp()
    list(nlp_module.analyse(zoned, _texts(0)))  # the common words, kept for good
    kept = len(zoned.vocab.strings)
    monkeypatch.setattr(nlp_module, "_VOCAB_KEPT", kept - 1)
    for seed in range(1, 4):
        assert list(nlp_module.analyse(zoned, _texts(seed))) == expected[seed]  # the same analysis
        assert len(zoned.vocab.strings) == kept
    assert len(plain.vocab.strings) > kept + 500


def test_word_tables_are_emptied_past_their_limit():
    table = ngrams._Types(lambda w: [w[:3], w[-3:]], limit=50)
    for seed in range(5):
        rng = random.Random(seed)
        words = ["".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(40)]
        ids = table.ids(words)
        keys, owner = table.keys(ids)
        assert len(table.index) <= 90 and owner.tolist() == sorted(owner.tolist())
        assert len(keys) == 2 * len(words)
