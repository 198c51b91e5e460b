"""How figures and outcomes are written in every rendered table: shares, intervals, outcome headings.

Nothing here writes ``nan``: a missing value is ``-``.
"""

from __future__ import annotations

import re

import pandas as pd

from ..standards import outcome_short_title, outcome_title
from .summarize import regulation

__all__ = ["pct", "interval", "outcome_heading", "outcome_short", "text", "number", "missing", "report_file",
           "share_note", "what"]


def missing(value) -> bool:
    """None, NaN, NA and empty strings are missing."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip() or value.strip().lower() in {"nan", "none", "<na>"}
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text(value, default: str = "-") -> str:
    """A value as text; ``default`` where it is missing."""
    return default if missing(value) else str(value)


def number(value, fmt: str = "{:.1f}", default: str = "-") -> str:
    return default if missing(value) else fmt.format(value)


def pct(value) -> str:
    """A share as a whole percentage; ``-`` where it is missing."""
    return "-" if missing(value) else f"{value:.0%}"


def interval(lo, hi) -> str:
    """``12%–40%``; ``-`` where there is no interval."""
    return "-" if missing(lo) or missing(hi) else f"{lo:.0%}–{hi:.0%}"


def outcome_heading(outcome: str) -> str:
    """``9: Management of medicines (Regulation 13)``."""
    reg = regulation(outcome)
    return f"{outcome}: {outcome_title(outcome)}" + (f" (Regulation {reg})" if reg else "")


def outcome_short(outcome: str) -> str:
    """``9 Medicines``; ``General`` for general."""
    short = outcome_short_title(outcome)
    return short if str(outcome) == "general" else f"{outcome} {short}".rstrip()  # a key question has no short title


def report_file(report: str) -> str:
    """The file name of a report's own page or summary: its id, with anything but letters, digits, ``.``,
    ``-`` and ``_`` replaced (ids come from file names)."""
    return re.sub(r"[^\w.-]", "_", report)


def what(cmp) -> str:
    return {"authority": "authority or provider", "report": "report", "group": "the study's groups"}.get(cmp.by, cmp.by)


def share_note(cmp) -> str:
    level = f"{cmp.level:.0%}"
    note = (f"Improvement share = improvement / (strength + improvement) sentences; recommendation bullets count "
            f"as improvement. Intervals: {level} percentile bootstrap over paragraphs ({cmp.resamples} resamples, "
            f"seed {cmp.seed}); cells of one paragraph have none.")
    if cmp.corrected:
        note += (f" Corrected: the share corrected for the sentence classifier's cross-validated error by "
                 f"{cmp.correction}; its interval also draws the error matrix from its posterior in every "
                 "resample.")
    else:
        note += f" Corrected share unavailable: {cmp.correction}."
    return note
