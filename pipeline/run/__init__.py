"""Stage 4, run: segmented reports and a model → tagged records; batch runs over many inputs.

Takes inputs (files, folders, globs) and a model; gives a run folder (paragraphs.jsonl, manifest.jsonl,
run.json) that never loses an input, with progress, worker processes and resumption.
"""

from .batch import Entry, RunFolderBusy, default_jobs, expand_inputs, read_jsonl, run
from .tagging import tag_report, tag_reports

__all__ = ["tag_report", "tag_reports", "run", "expand_inputs", "Entry", "RunFolderBusy", "default_jobs",
           "read_jsonl"]
