"""Summaries and comparisons aggregated from a run's Parquet parts equal those of its JSONL records."""

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.report.columnar import has_parquet, read_run
from pipeline.report.compare import compare
from pipeline.report.correct import load_error_model
from pipeline.report.summarize import summarize
from pipeline.report.validity import read_verdicts
from pipeline.run.batch import run

ROOT = Path(__file__).resolve().parents[2]
REPORTS = [ROOT / "corpus" / "reports" / name for name in (
    "h4_narrative_fenwick_vale.md", "h6_provider_harbourview_ambulance.md", "h1_provider_quayside_dental.md",
    "h3_joint_dunmorrow.md", "r2_provider_birchgrove.md")]
# A heading that names one outcome over paragraphs about another: the model disagrees with it.
MISFILED = """Inspection report for Elmstead House

Outcome 4: Care and welfare

1. Medicines were stored securely in a locked trolley and the medication administration records were complete.

2. Controlled drugs were checked by two staff at every handover and the register was accurate.
"""


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    base = tmp_path_factory.mktemp("columnar")
    (base / "misfiled.txt").write_text(MISFILED, encoding="utf-8")
    inputs = [str(p) for p in REPORTS if p.exists()] + [str(base / "misfiled.txt")]
    out = base / "run"
    run(inputs, out, jobs=1, batch=2)  # several parts
    manifest = [json.loads(l) for l in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    records = [json.loads(l) for l in (out / "paragraphs.jsonl").read_text(encoding="utf-8").splitlines()]
    return out, manifest, records


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    if "paragraph" in a:  # Parquet holds paragraph numbers as text
        a = a.assign(paragraph=a["paragraph"].astype(str))
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("framework", [None, "2014"])
def test_parquet_gives_the_same_summary_and_comparison_as_the_records(tagged, framework):
    out, manifest, records = tagged
    assert has_parquet(out) and len(list((out / "parquet" / "sentences").glob("*.parquet"))) >= 3
    columns = read_run(out, manifest, per_kind=3)
    assert len(columns) == len(records)
    assert len(columns.counts) < sum(len(r["sentences"]) for r in records)  # counts, not sentences
    if framework:
        columns = columns.regrouped(framework)
        from pipeline.report.frameworks import regroup
        records = regroup(records, framework)
    a, b = summarize(records, 3, meta=manifest), summarize(columns, 3, meta=manifest)
    for name in ("counts", "evidence", "recommendations", "disagreements", "grades"):
        same(getattr(a, name), getattr(b, name))
    assert len(b.disagreements) and len(b.recommendations)
    error, _ = load_error_model(out)
    verdicts = read_verdicts(out)
    ca = compare(records, manifest, error=error, verdicts=verdicts, resamples=200)
    cb = compare(columns, manifest, error=error, verdicts=verdicts, resamples=200)
    for name in ("table", "ranking", "groups", "reports", "report_totals", "grades", "correlation", "validity",
                 "evidence"):
        same(getattr(ca, name), getattr(cb, name))
    with pytest.raises(ValueError, match="per_kind=5"):
        compare(columns, manifest, evidence_per_kind=5)


def test_esq_report_reads_a_run_without_paragraphs_jsonl(tagged, tmp_path, capsys):
    # an archive-sized run writes Parquet only; its report is the one a run of JSONL records gives
    out, _, _ = tagged
    runs = {}
    for kind, files in (("jsonl", ["paragraphs.jsonl"]), ("parquet", [])):
        folder = runs[kind] = tmp_path / kind
        folder.mkdir()
        for name in ["manifest.jsonl", "run.json", "verdicts.jsonl", "skipped.jsonl", *files]:
            (folder / name).write_bytes((out / name).read_bytes())
    (runs["parquet"] / "parquet").symlink_to(out / "parquet")
    assert not has_parquet(runs["jsonl"]) and has_parquet(runs["parquet"])
    for folder in runs.values():
        assert main(["report", str(folder), "--resamples", "100"]) == 0
    written = sorted(p.name for p in (runs["jsonl"] / "report").glob("*.csv"))
    assert {"compare_table.csv", "compare_evidence.csv", "counts.csv", "recommendations.csv"} <= set(written)
    for name in written:
        jsonl, parquet = ((runs[k] / "report" / name).read_text(encoding="utf-8") for k in ("jsonl", "parquet"))
        assert jsonl.replace(str(runs["jsonl"]), "RUN") == parquet.replace(str(runs["parquet"]), "RUN"), name
    capsys.readouterr()


def test_pipeline_compare_takes_a_run_folder(tagged):
    import pipeline
    out, manifest, records = tagged
    cmp = pipeline.compare(out, resamples=100)
    expected = pipeline.compare(records, manifest, verdicts=read_verdicts(out), resamples=100)
    same(expected.table, cmp.table)
