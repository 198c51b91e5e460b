"""Stage 2, segment: a report's text → findings, front matter, what was left out and why, and the regulator's verdicts.

Takes :class:`pipeline.read.Text`; gives :class:`Report`: :class:`Paragraph`
findings and recommendations, the front matter's spans and fields,
:class:`Skipped` spans (each with a reason from :data:`REASONS`) and, for
provider reports, :class:`Verdict` s.  :func:`coverage` says how much of a
report's text went where; :mod:`.layout` reads every layout the same way.
"""

from .boilerplate import REASONS
from .coverage import coverage, placements, warning
from .records import skipped_records, verdict_records
from .segmenter import Paragraph, Report, Skipped, Span, Verdict, report_id, segment

__all__ = ["segment", "Report", "Paragraph", "Span", "Skipped", "Verdict", "REASONS", "report_id", "coverage",
           "placements", "warning", "skipped_records", "verdict_records"]
