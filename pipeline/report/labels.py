"""How figures and outcomes are written in every rendered table: shares, intervals, outcome headings."""

from __future__ import annotations

import pandas as pd

from ..standards import outcome_title
from .summarize import regulation

__all__ = ["pct", "interval", "outcome_heading"]


def pct(value) -> str:
    """A share as a whole percentage; ``-`` where it is missing."""
    return "-" if pd.isna(value) else f"{value:.0%}"


def interval(lo, hi) -> str:
    return "" if pd.isna(lo) else f"{lo:.0%}–{hi:.0%}"


def outcome_heading(outcome: str) -> str:
    """``9: Management of medicines (Regulation 13)``."""
    reg = regulation(outcome)
    return f"{outcome}: {outcome_title(outcome)}" + (f" (Regulation {reg})" if reg else "")
