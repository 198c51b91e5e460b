"""Tagged records (or verdicts) regrouped under a later framework before they are counted.

The 2010 outcome of each record becomes the group it falls under in the
2014 fundamental standards (``"reg12"``, or ``"other"`` outside regulations
9-20A) or among CQC's five key questions (``"safe"`` …), by the crosswalk in
:mod:`pipeline.standards`.  Summaries and comparisons then group by those
labels as they group by outcomes; the 2010 label stays in ``outcome_2010``.
"""

from __future__ import annotations

from ..standards import framework_label

__all__ = ["regroup"]


def regroup(items, framework: str) -> list[dict]:
    """Copies of ``items`` (dicts with an ``outcome``) with the outcome replaced by its ``framework``
    group (``"2014"`` or ``"key-question"``).  Each outcome falls under its primary mapping, so every
    sentence is counted once.  A verdict keeps its own value: where several outcomes of one report fall
    under one group, the comparison counts the group as not met if any of them is."""
    out = []
    for item in items:
        label = framework_label(item["outcome"], framework)
        out.append({**item, "outcome": label, "outcome_2010": item.get("outcome_2010", item["outcome"])})
    return out
