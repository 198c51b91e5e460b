"""Stage 4, run: segmented reports and a model → tagged records; batch runs over many inputs.

Takes inputs (files, folders, globs) and a model; gives a run folder (paragraphs.jsonl, manifest.jsonl,
run.json) that never loses an input, with progress, worker processes and resumption.
"""

import importlib

__all__ = ["tag_report", "tag_reports", "run", "expand_inputs", "Entry", "RunFolderBusy", "default_jobs",
           "read_jsonl"]

_HOMES = {"tag_report": "tagging", "tag_reports": "tagging"}


def __getattr__(name: str):
    # Imported on first use: spaCy imports ``pipeline.run.component`` (esq's factory entry point)
    # whenever any pipeline is built, and that must not bring scikit-learn and the model code with it.
    if name in __all__:
        return getattr(importlib.import_module(f".{_HOMES.get(name, 'batch')}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
