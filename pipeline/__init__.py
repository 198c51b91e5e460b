"""esq: tag inspection-report findings with CQC Essential Standards outcomes and sentiment.

Public API::

    import pipeline
    df = pipeline.tag(["report.txt"])          # one row per finding paragraph
    summary = pipeline.summarize(df)           # counts per report and outcome
    cmp = pipeline.compare(df, pipeline.front_matter(paths))  # authorities compared outcome by outcome
    model = pipeline.load_model()              # the shipped default model
    v = pipeline.verdicts(paths)               # the regulator's verdicts in provider reports
    cov = pipeline.coverage(paths)             # where each report's text went; pipeline.left_out: what and why
"""

from ._version import __version__

__all__ = ["tag", "sentences", "summarize", "compare", "front_matter", "Comparison", "explain", "load_model",
           "verdicts", "coverage", "left_out", "__version__"]


def __getattr__(name: str):
    # The public API is imported on first use, not with the package: ``import pipeline.read`` (or the
    # command line's help) then costs no scikit-learn, pandas or model code.
    if name in __all__:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
