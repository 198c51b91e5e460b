"""The corpus: annotated reports on disk (drafting markup, load, check, stats, agreement) and their
feature frames.

Takes corpus folders or marked-up drafts; gives :class:`CorpusReport` objects and training frames.
"""

from .frames import training_frames
from .markup import MarkupError, parse_markup
from .store import (DEFAULT_CORPUS, REQUIRED_LABELS, CorpusError, CorpusParagraph, CorpusReport, CorpusSentence,
                    agreement, agreement_batches, build_from_drafts, check, corpus_hash, export_records,
                    from_headings, load, near_duplicates, stats, stock_lines)

__all__ = ["DEFAULT_CORPUS", "REQUIRED_LABELS", "CorpusError", "CorpusParagraph", "CorpusReport", "CorpusSentence",
           "agreement", "agreement_batches", "build_from_drafts", "check", "corpus_hash", "export_records",
           "from_headings", "load", "near_duplicates", "stats", "stock_lines", "training_frames", "MarkupError", "parse_markup"]
