"""esq: tag inspection-report findings with CQC Essential Standards outcomes and sentiment.

Public API::

    import pipeline
    df = pipeline.tag(["report.txt"])          # one row per finding paragraph
    summary = pipeline.summarize(df)           # counts per report and outcome
    cmp = pipeline.compare(df, pipeline.front_matter(paths))  # authorities compared outcome by outcome
    model = pipeline.load_model()              # the shipped default model
"""

from ._version import __version__

from .api import Comparison, compare, explain, front_matter, load_model, sentences, summarize, tag  # noqa: E402

__all__ = ["tag", "sentences", "summarize", "compare", "front_matter", "Comparison", "explain", "load_model",
           "__version__"]
