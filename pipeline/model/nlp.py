"""The spaCy stage: one ``nlp`` built in one place; sentences, lemmas and judgement cues.

By default esq uses a blank English pipeline with spaCy's rule-based
sentencizer and the lookup lemmatizer from ``spacy-lookups-data``: both come
with ``pip install`` and need no download.  A user may name an installed
trained pipeline (``en_core_web_sm``) instead; it must set sentence
boundaries.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import re
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .._imports import import_spacy

spacy = import_spacy()  # before spaCy is imported any other way: see pipeline/_imports.py

from spacy.language import Language  # noqa: E402

from ..segment.layout import ZERO_WIDTH

__all__ = ["build_nlp", "Sentence", "Analysed", "analyse", "visible", "CUES", "cue_counts", "cue_vector"]

_INVISIBLE = {ord(ch): None for ch in ZERO_WIDTH}
_ANY_INVISIBLE = re.compile("[" + re.escape("".join(ZERO_WIDTH)) + "]")


def visible(text: str) -> str:
    """``text`` without the characters that take no space (zero-width spaces and joiners, soft
    hyphens, byte-order marks): PDF and web exports put them inside words, where they would
    hide the word from the lemmatizer and the features."""
    # translate() looks every character up in a dict; most texts have nothing to drop
    return text.translate(_INVISIBLE) if _ANY_INVISIBLE.search(text) else text


def _without_invisible(text: str) -> tuple[str, list[int] | None]:
    """The visible text and, where anything was dropped, each kept character's offset in ``text``."""
    clean = visible(text)
    if len(clean) == len(text):
        return text, None
    return clean, [i for i, ch in enumerate(text) if ord(ch) not in _INVISIBLE]

#: The cues inspection prose carries its judgement in, by kind.  Each is a
#: regex over lower-cased text; features count matches.
CUES: dict[str, str] = {
    "contrast": r"\b(however|but|although|though|whilst|while|despite|nevertheless|yet|notwithstanding)\b",
    "negation": r"\b(not|no|never|none|nor|cannot|n't|lack(?:ed|ing|s)?|absence|absent|without|unable|fail(?:ed|s|ure)?)\b",
    "hedge": r"\b(not (?:yet|always|consistently|all|fully|routinely|sufficiently|clear)|limited|insufficient|some gaps|"
             r"gaps?|variable|inconsisten\w*|patchy|delay(?:s|ed)?|shortfalls?|backlogs?|below|poor(?:ly)?|weak(?:ness|nesses)?|"
             r"concerns?|risks?|out of date|overdue|incomplete|inadequate(?:ly)?)\b",
    "call_for_change": r"\b(would benefit from|needs? to|should|must|requires? (?:further )?(?:review|improvement|attention)|"
                       r"ensure|recommend\w*|action plan|compliance action|warning notice|breach\w*|"
                       r"not meeting|non-?complian\w*|improvements? (?:is|are|were) (?:needed|required))\b",
    "positive": r"\b(good|well|effective(?:ly)?|strong|robust|positive(?:ly)?|excellent|outstanding|appropriate(?:ly)?|"
                r"timely|valued|comprehensive|clear(?:ly)?|improv(?:ed|ement in)|praised?|complimentary|kind|caring|"
                r"compliant|meeting (?:this|the) standard|in place|confirmed|consistently)\b",
    "evidence": r"\b(we (?:spoke|looked|reviewed|examined|observed|visited|met|saw|read|checked|talked|used|asked)|"
                r"inspectors (?:spoke|looked|reviewed|examined|met|visited)|interview\w*|focus groups?|"
                r"records (?:we )?(?:looked at|reviewed|examined)|during (?:our|the) (?:visit|inspection))\b",
    "quotation": r"[\"“”]",
    "figure": r"\b\d+(?:\.\d+)?\s*(?:%|per ?cent)",
}
_CUE_RES = {name: re.compile(pattern) for name, pattern in CUES.items()}


@functools.lru_cache(maxsize=8192)
def cue_vector(text: str) -> tuple[int, ...]:
    """Cue counts of ``text`` in the order of :data:`CUES`."""
    # Memoised: the sentence classifier reads each sentence's cues twice (as itself and as the
    # next sentence's context), both within one report; a longer memory only holds a stream's
    # past sentences (65,536 of them held 25 MB over 1,000 reports).
    low = text.lower()
    return tuple(len(rx.findall(low)) for rx in _CUE_RES.values())


def cue_counts(text: str) -> dict[str, int]:
    """How many times each cue kind occurs in ``text``."""
    return dict(zip(_CUE_RES, cue_vector(text)))


def build_nlp(model: str | None = None) -> Language:
    """The spaCy pipeline esq uses, built without any download.

    ``model`` names an installed spaCy pipeline; None gives the default blank
    English pipeline with sentencizer and lookup lemmatizer.
    """
    if model:
        try:
            nlp = spacy.load(model, exclude=["ner"])
        except OSError as exc:
            raise ValueError(f"spaCy pipeline {model!r} is not installed ({exc}); "
                             "install it with pip or omit --spacy-model to use the built-in one") from None
        if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
            nlp.add_pipe("sentencizer")
        return nlp
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data, locally
    return nlp


_LEMMA_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: strings spaCy's vocabulary keeps for good before each call's new ones are let go (the 95 corpus
#: reports bring 11,000)
_VOCAB_KEPT = 30_000
_UNSEEN = object()


@dataclass(frozen=True)
class Sentence:
    """A sentence as offsets into the text given to :func:`analyse`, with its lemmas."""

    start: int
    end: int
    text: str
    lemmas: str


@dataclass(frozen=True)
class Analysed:
    lemmas: str
    sentences: tuple[Sentence, ...]


def analyse(nlp: Language, texts: Iterable[str], spans: Iterable[list[tuple[int, int]] | None] | None = None,
            batch_size: int = 64) -> Iterator[Analysed]:
    """Stream texts through ``nlp.pipe``.

    Sentences come from spaCy, or, where ``spans`` gives (start, end) pairs for
    a text (gold sentences from the corpus), from those spans.  spaCy reads the
    text without invisible characters (:func:`visible`); sentence offsets and
    texts are always the given text's.
    """
    strings = nlp.vocab.strings
    # one lemma per (word, spaCy lemma), kept with the pipeline across calls: most words of a
    # report were seen in the reports before it
    cache = _LEMMA_CACHE.setdefault(nlp, {})
    if len(cache) > 20_000:  # bounded as the n-gram tables are (pipeline/model/ngrams.py)
        cache.clear()
    # The lookup lemmatizer walks Token objects in Python, one per token; its table gives the same
    # lemma looked up once per word type below, so that pipe sits out.
    lookup, disable = None, []
    if "lemmatizer" in nlp.pipe_names:
        pipe = nlp.get_pipe("lemmatizer")
        if getattr(pipe, "mode", None) == "lookup" and nlp.pipe_names[-1] == "lemmatizer":
            lookup, disable = pipe.lookups.get_table("lemma_lookup", {}), ["lemmatizer"]

    def lemma_of(key: tuple[int, int], punct: int, space: int) -> str | None:
        # punctuation and space are properties of the word (spaCy's lexeme), so the key is the word
        orth, lemma = key
        text = strings[orth]
        if space or (punct and text != "%"):
            out = None
        elif text.lower() in {"not", "n't", "no"}:
            out = "not"
        else:
            if not lemma and lookup is not None:
                found = lookup.get(text, text)
                base = found if isinstance(found, str) else found[0]
            else:
                base = strings[lemma] if lemma else text
            out = re.sub(r"\d", "#", base.lower())
        cache[key] = out
        return out

    spans_iter = iter(spans) if spans is not None else None
    cleaned = ((clean, (clean, text, kept)) for text in texts for clean, kept in [_without_invisible(text)])
    # spaCy keeps every new word's lexeme and string for the life of the pipeline, and an archive's
    # names and numbers are new words without end.  Once the vocabulary holds the common words
    # (kept for good, as is the tokenizer's cache, which spaCy does not fill inside a zone), each
    # call's new words are let go when it ends (spaCy 3.8's memory zones; no Doc leaves here).
    zone = contextlib.nullcontext()
    if len(nlp.vocab.strings) > _VOCAB_KEPT and hasattr(nlp, "memory_zone"):
        zone = nlp.memory_zone()
    with zone:
        yield from _analysed(nlp, cleaned, spans_iter, batch_size, disable, cache, lemma_of)


def _analysed(nlp, cleaned, spans_iter, batch_size, disable, cache, lemma_of):
    """:func:`analyse`'s work, one text at a time (inside a memory zone where it opened one)."""
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH, ORTH, SENT_START
    for doc, (clean, raw, kept) in nlp.pipe(cleaned, batch_size=batch_size, as_tuples=True, disable=disable):
        given = next(spans_iter) if spans_iter is not None else None
        if given is not None and kept is not None:
            given = [(bisect.bisect_left(kept, a), bisect.bisect_left(kept, b)) for a, b in given]
        rows = doc.to_array([ORTH, LEMMA, IS_PUNCT, IS_SPACE, SENT_START, IDX]).tolist()
        n = len(rows)
        # Token objects cost more than the rest of this stage: work on the arrays, a dict lookup a token
        keys = [(r[0], r[1]) for r in rows]
        lemmas = [cache.get(k, _UNSEEN) for k in keys]
        for i, lem in enumerate(lemmas):
            if lem is _UNSEEN:
                lemmas[i] = lemma_of(keys[i], rows[i][2], rows[i][3])
        # Doc.text and Doc[i] build Python objects token by token; the tokenizer keeps every
        # character, so the text spaCy read is the doc's text
        text = clean
        lengths = doc.to_array([LENGTH]).tolist() if n else []
        idx = [r[5] for r in rows]
        if given is None:
            # SENT_START is 1 for a sentence's first token (stored unsigned, so -1 reads as a huge number)
            firsts = [i for i in range(n) if i == 0 or rows[i][4] == 1]
            bounds = list(zip(firsts, firsts[1:] + [n]))
        else:
            bounds = [(bisect.bisect_right(idx, a) - 1 if a > 0 else 0, bisect.bisect_left(idx, b))
                      for a, b in given]
        out = []
        for k, (i, j) in enumerate(bounds):
            if given is None:
                if i >= j:
                    continue
                a = idx[i]
                b = idx[j - 1] + lengths[j - 1]
                if not text[a:b].strip():
                    continue
            else:
                a, b = given[k]
            if kept is not None:  # back to the given text's offsets
                a, b = (kept[a] if a < len(kept) else len(raw)), (kept[b - 1] + 1 if b > 0 else 0)
            out.append(Sentence(a, b, raw[a:b], " ".join(l for l in lemmas[max(i, 0):j] if l is not None)))
        yield Analysed(" ".join(l for l in lemmas if l is not None), tuple(out))
