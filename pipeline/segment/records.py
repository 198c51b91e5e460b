"""A :class:`~pipeline.segment.Report`'s left-out spans and verdicts as the JSON lines a run folder keeps.

``skipped.jsonl``: one line per span left out of the findings (report id,
source, start, end, reason, detail, the first 200 characters of its text);
``verdicts.jsonl``: one line per verdict of the regulator (README, "Output
schema").  In a verdict's line ``path`` is the input and ``source`` where
in the report the verdict was read.
"""

from __future__ import annotations

from .segmenter import Report

__all__ = ["skipped_records", "verdict_records"]


def skipped_records(report: Report) -> list[dict]:
    """One ``skipped.jsonl`` line per span left out of the findings."""
    return [{"report": report.id, "source": report.source, "start": s.start, "end": s.end, "reason": s.reason,
             "detail": s.detail, "text": s.text[:200]} for s in report.skipped]


def verdict_records(report: Report) -> list[dict]:
    """One ``verdicts.jsonl`` line per verdict; ``path`` is the input, ``source`` where the verdict was read."""
    return [{"report": report.id, "path": report.source, "outcome": v.outcome, "verdict": v.verdict,
             "action": v.action, "impact": v.impact, "source": v.source, "start": v.start, "end": v.end,
             "text": v.text} for v in report.verdicts]
