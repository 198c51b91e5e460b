"""esq as a spaCy pipeline component: ``nlp.add_pipe("esq")``.

Each ``Doc`` is one finding paragraph (a blank one is passed through untouched).  The component tags it with the same
model and the same code as ``esq tag`` (:func:`pipeline.run.tagging.tag_report`,
each paragraph scored as a report of that one paragraph would be) and sets:

* ``doc.cats``: the probability of every outcome label (``"general"``,
  ``"1"`` … ``"28"``), as ``esq tag`` writes them (4 decimals; below 0.01 → 0);
* ``doc._.esq_outcome`` (``"general"`` or an int) and ``doc._.esq_confidence``;
  ``doc._.esq_sentiment``, the paragraph's sentiment; ``doc._.esq_record``,
  the whole record ``esq tag`` would write for the paragraph;
* ``doc.spans["esq"]``: one span per sentence, each with ``span._.esq_sentiment``
  and ``span._.esq_confidence`` (the same values on ``doc.sents`` spans of the same
  extent).  Where nothing has set sentence boundaries yet, esq's become the
  doc's, so ``doc.sents`` yields them.

Configuration: ``model`` (a model directory; default the shipped model),
``trust_pickle`` (read a ``model.joblib``, see :mod:`pipeline.model.persist`),
``spacy_model`` (the pipeline esq analyses text with, as ``--spacy-model``),
``batch_size``.  Registered through the ``spacy_factories`` entry point, so
``spacy.blank("en").add_pipe("esq")`` works wherever esq is installed.
"""

from collections.abc import Iterable, Iterator
from typing import Optional

from .._imports import import_spacy

import_spacy()  # imported directly (not through spaCy's entry points): see pipeline/_imports.py

from spacy.language import Language  # noqa: E402
from spacy.tokens import Doc, Span  # noqa: E402
from spacy.util import minibatch  # noqa: E402

__all__ = ["EsqComponent", "make_esq"]

_DOC_ATTRS = ("esq_outcome", "esq_confidence", "esq_sentiment", "esq_record")
_SPAN_ATTRS = ("esq_sentiment", "esq_confidence")


def _register() -> None:
    for name in _DOC_ATTRS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    for name in _SPAN_ATTRS:
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)


class EsqComponent:
    """Tags each Doc (one paragraph) with its outcome and each sentence with its sentiment."""

    def __init__(self, nlp: Language, name: str = "esq", model: Optional[str] = None, trust_pickle: bool = False,
                 spacy_model: Optional[str] = None, batch_size: int = 64):
        from ..model.nlp import build_nlp
        from ..model.persist import load_model
        _register()
        self.name = name
        self.batch_size = batch_size
        # Loaded now, so a missing or untrusted model fails at add_pipe, not at the first document.
        self.model = load_model(model, trust_pickle=trust_pickle)
        # esq's own analysis pipeline (sentences, lemmas), the one `esq tag` uses: the host pipeline's
        # tokenizer or sentence splitter would give other features and other sentences.
        self.analyser = build_nlp(spacy_model)

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: Optional[int] = None) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size or self.batch_size):
            # A blank document is no paragraph: `esq tag` never tags one, so it is left as it came.
            texts = [doc for doc in batch if doc.text.strip()]
            records = dict(zip(map(id, texts), self._records(texts))) if texts else {}
            for doc in batch:
                if id(doc) in records:
                    self._set(doc, records[id(doc)])
                yield doc

    def _records(self, docs: list[Doc]) -> list[dict]:
        from ..segment.segmenter import Paragraph, Report
        from .tagging import tag_report
        paragraphs = [Paragraph(ordinal=k + 1, number=None, kind="finding", heading=None, heading_outcome=None,
                                timescale=None, start=0, end=len(doc.text), text=doc.text)
                      for k, doc in enumerate(docs)]
        report = Report(id="spacy", source="<spacy>", text="", sha256="", paragraphs=paragraphs)
        return tag_report(report, self.model, self.analyser, neighbours=False)

    def _set(self, doc: Doc, record: dict) -> None:
        from ..model.classify import OUTCOME_KEYS
        probabilities = record["outcome_probabilities"]
        doc.cats = {key: float(probabilities.get(key, 0.0)) for key in OUTCOME_KEYS}
        doc._.esq_outcome = record["predicted_outcome"]
        doc._.esq_confidence = record["outcome_confidence"]
        doc._.esq_sentiment = record["sentiment"]
        doc._.esq_record = {k: v for k, v in record.items() if k not in ("report", "source", "authority")}
        spans = []
        for s in record["sentences"]:
            span = doc.char_span(s["start"], s["end"], alignment_mode="expand")
            if span is None:
                continue
            span._.esq_sentiment = s["sentiment"]
            span._.esq_confidence = s["confidence"]
            spans.append(span)
        doc.spans["esq"] = spans
        if spans and not doc.has_annotation("SENT_START"):
            for token in doc:
                token.is_sent_start = token.i == 0
            for span in spans:
                span[0].is_sent_start = True


@Language.factory("esq", default_config={"model": None, "trust_pickle": False, "spacy_model": None,
                                         "batch_size": 64},
                  assigns=["doc.cats", "doc.spans", "token.is_sent_start"])
def make_esq(nlp: Language, name: str, model: Optional[str], trust_pickle: bool, spacy_model: Optional[str],
             batch_size: int) -> EsqComponent:
    """The ``esq`` factory: ``nlp.add_pipe("esq", config={"model": "models/esq-accurate"})``."""
    return EsqComponent(nlp, name, model=model, trust_pickle=trust_pickle, spacy_model=spacy_model,
                        batch_size=batch_size)
