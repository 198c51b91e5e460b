"""Stage 2, segment: a report's text → front matter, headings and finding paragraphs with offsets.

Takes :class:`pipeline.read.Text`; gives :class:`Report` (front matter and :class:`Paragraph` findings).
"""

from .segmenter import Paragraph, Report, report_id, segment

__all__ = ["segment", "Report", "Paragraph", "report_id"]
