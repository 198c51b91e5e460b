"""Stage 5, report: tagged records → summaries per report, authorities compared, rendered files.

Takes records (a run folder or a DataFrame); gives :class:`Summary`, :class:`Comparison` and
Markdown, CSV, Parquet, figures and one self-contained HTML page.
"""

from .compare import Comparison, compare
from .render import write_report
from .summarize import Summary, sentence_table, summarize

__all__ = ["summarize", "Summary", "sentence_table", "compare", "Comparison", "write_report"]
