"""The Python API for notebooks and scripts: DataFrames in, DataFrames out."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .model.persist import Model, load_model
from .report.compare import Comparison, compare as _compare
from .report.summarize import Summary, summarize as _summarize

__all__ = ["tag", "sentences", "summarize", "explain", "load_model", "compare", "front_matter", "Comparison",
           "verdicts", "coverage", "left_out"]


def _paths(paths) -> list[str]:
    from .run.batch import expand_inputs
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return expand_inputs(str(p) for p in paths)


def _reports(paths, errors: str):
    """Read and segment each path; ``errors="skip"`` passes over unreadable files."""
    from .read.reader import ReadError, read
    from .segment.segmenter import segment
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors must be 'raise' or 'skip', got {errors!r}")
    for p in _paths(paths):
        try:
            yield segment(read(p))
        except ReadError:
            if errors == "raise":
                raise


def tag(paths: str | Path | Iterable[str | Path], model: Model | str | Path | None = None, explain: int = 0,
        nlp=None, errors: str = "raise") -> pd.DataFrame:
    """Tag reports; one row per finding paragraph with the columns of the output contract.

    ``errors="raise"`` raises :class:`pipeline.read.ReadError` for an unreadable
    file; ``"skip"`` leaves it out.  ``explain=k`` adds the top k terms.
    """
    from .model.nlp import build_nlp
    from .run.tagging import tag_report

    model = model if isinstance(model, Model) else load_model(model)
    nlp = nlp or build_nlp()
    rows: list[dict] = []
    for report in _reports(paths, errors):
        rows.extend(tag_report(report, model, nlp, explain_terms=explain))
    return pd.DataFrame(rows)


def sentences(tagged: pd.DataFrame) -> pd.DataFrame:
    """One row per sentence of tagged paragraphs."""
    from .report.summarize import sentence_table
    return sentence_table(tagged)


def summarize(tagged: pd.DataFrame | Iterable[dict], evidence_per_kind: int = 3, meta=None) -> Summary:
    """Grouped results (``.counts``, ``.evidence``, ``.recommendations``, ``.disagreements``; ``.grades``
    where ``meta``, e.g. :func:`front_matter`, is given)."""
    return _summarize(tagged, evidence_per_kind, meta)


def compare(tagged: pd.DataFrame | Iterable[dict], meta=None, by="authority", resamples: int = 1000,
            seed: int = 0, level: float = 0.95, min_judged: int = 5, evidence_per_kind: int = 3,
            model: Model | str | Path | None = None, verdicts: list[dict] | None = None,
            framework: str | None = None) -> Comparison:
    """Authorities (or ``by`` provider, location, area, report, a front-matter field, or a ``{report:
    group}`` mapping) compared outcome by outcome: ``.table``, ``.ranking``, ``.groups``, ``.reports``,
    ``.validity``, ``.grades``, ``.correlation``, ``.evidence``, ``.matrix()``, ``.heatmap()``,
    ``.forest(outcome)``.  ``meta`` (e.g. :func:`front_matter`) supplies titles, sources and graded
    judgements; ``model`` (the one that tagged, default the shipped one) its measured error, for the
    corrected shares; ``verdicts`` the regulator's met / not-met per report and outcome.  ``framework="2014"``
    or ``"key-question"`` compares by the 2014 fundamental standard or CQC key question each outcome maps to
    (the crosswalk in :mod:`pipeline.standards`) instead of by outcome.  ``tagged`` may also be a run
    folder of ``esq tag``: it is then read from its Parquet parts without loading every paragraph (meta and
    verdicts default to the run's manifest and verdicts)."""
    from .report.correct import error_model_from_card
    if isinstance(tagged, (str, Path)) and Path(tagged).is_dir():
        import json
        from .report.columnar import read_run
        from .report.validity import read_verdicts
        run_dir = Path(tagged)
        manifest = [json.loads(l) for l in (run_dir / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
                    if l.strip()]
        tagged = read_run(run_dir, manifest, evidence_per_kind)
        meta = manifest if meta is None else meta
        verdicts = read_verdicts(run_dir) if verdicts is None else verdicts
    if model is None or isinstance(model, (str, Path)):
        import json
        from .model.persist import DEFAULT_MODEL
        card_path = Path(model or DEFAULT_MODEL) / "card.json"
        try:
            card = json.loads(card_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            card, card_path = {}, f"{card_path} ({exc})"
    else:
        card, card_path = model.card, "the model's card"
    error, why = error_model_from_card(card, str(card_path))
    return _compare(tagged, meta, by=by, resamples=resamples, seed=seed, level=level, min_judged=min_judged,
                    evidence_per_kind=evidence_per_kind, error=error, error_note=why, verdicts=verdicts,
                    framework=framework)


def front_matter(paths: str | Path | Iterable[str | Path], errors: str = "raise") -> pd.DataFrame:
    """Each report's front matter without tagging it: ``report`` (the same id :func:`tag` gives),
    ``source``, ``title``, ``authority`` and ``grades`` (judgement → grade)."""
    rows = []
    for report in _reports(paths, errors):
        rows.append({"report": report.id, "source": report.source, "title": report.meta.get("title"),
                     "authority": report.meta.get("authority"), "grades": report.meta.get("grades") or {}})
    return pd.DataFrame(rows, columns=["report", "source", "title", "authority", "grades"])


def verdicts(paths: str | Path | Iterable[str | Path], errors: str = "raise") -> pd.DataFrame:
    """The regulator's verdicts read from provider reports, one row per verdict (the columns of a run's
    ``verdicts.jsonl``: ``report``, ``path``, ``outcome``, ``verdict``, ``action``, ``impact``, ``source``
    (``summary-table`` or ``judgement``), ``start``, ``end``, ``text``); no rows for reports of other kinds."""
    from .segment.records import verdict_records
    rows = [row for report in _reports(paths, errors) for row in verdict_records(report)]
    return pd.DataFrame(rows, columns=["report", "path", "outcome", "verdict", "action", "impact", "source", "start",
                                       "end", "text"])


def coverage(paths: str | Path | Iterable[str | Path], errors: str = "raise") -> pd.DataFrame:
    """Where each report's text went: non-blank characters in ``findings``, ``recommendations``,
    ``front_matter`` and ``left_out`` (reason → characters), of ``chars``, with the ``warning`` a run
    would give; ``pipeline.left_out(paths)`` lists the spans left out."""
    from .segment.coverage import coverage as _coverage, warning
    rows = []
    for report in _reports(paths, errors):
        cov = _coverage(report)
        rows.append({"report": report.id, "source": report.source, **cov, "warning": warning(cov)})
    return pd.DataFrame(rows, columns=["report", "source", "chars", "findings", "recommendations", "front_matter",
                                       "left_out", "warning"])


def left_out(paths: str | Path | Iterable[str | Path], errors: str = "raise") -> pd.DataFrame:
    """Every span left out of the findings, with its reason (the columns of a run's ``skipped.jsonl``)."""
    from .segment.records import skipped_records
    rows = [row for report in _reports(paths, errors) for row in skipped_records(report)]
    return pd.DataFrame(rows, columns=["report", "source", "start", "end", "reason", "detail", "text"])


def explain(tagged: pd.DataFrame) -> pd.DataFrame:
    """The terms behind each paragraph's outcome (requires ``tag(..., explain=k)``)."""
    if "explanation" not in tagged:
        raise ValueError("no explanations in this frame: call pipeline.tag(paths, explain=5)")
    return tagged[["report", "paragraph", "predicted_outcome", "explanation"]]
