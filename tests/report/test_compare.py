"""Comparing authorities: grouping, rates per 100, paragraph-bootstrap intervals, rankings, grade correlation."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import pipeline
from pipeline.report.compare import compare, group_labels, spearman_bootstrap
from pipeline.report.summarize import sentence_table


def para(report, outcome, sentiments, authority=None, kind="finding", paragraph=1):
    """A tagged record whose sentences have the given sentiments (confidence falling with position)."""
    sents = [{"start": 10 * i, "end": 10 * i + 9, "text": f"{report} s{i}.", "sentiment": s,
              "confidence": round(0.99 - 0.01 * i, 2)} for i, s in enumerate(sentiments)]
    return {"report": report, "source": f"{report}.txt", "authority": authority, "paragraph": paragraph,
            "kind": kind, "heading": None, "heading_outcome": None, "predicted_outcome": outcome,
            "outcome_confidence": 0.9, "outcome": outcome, "disagreement": False, "timescale": None,
            "sentiment": "mixed", "start": 0, "end": 10 * len(sents), "page": None, "text": "",
            "sentences": sents}


def mix(strength, improvement, neutral=0):
    return ["strength"] * strength + ["improvement"] * improvement + ["neutral"] * neutral


def paras(report, outcome, sentiments, authority, first=1, size=4):
    """The sentences spread over paragraphs of ``size`` sentences, numbered from ``first``."""
    return [para(report, outcome, sentiments[i:i + size], authority, paragraph=first + i // size)
            for i in range(0, len(sentiments), size)]


def graded_run():
    """Four authorities, one report each: the worse the grade, the more improvement."""
    shares = {"Ashby": (18, 2, "Outstanding"), "Brill": (14, 6, "Good"), "Crewe": (8, 12, "Adequate"),
              "Dent": (3, 17, "Inadequate")}
    records, meta = [], {}
    for name, (s, i, grade) in shares.items():
        rid = name.lower() + "-00000000"
        sents = mix(s, i, 2)
        np.random.default_rng(len(name)).shuffle(sents)
        records += paras(rid, 7, list(sents), name)
        records += paras(rid, 9, mix(5, 5), name, first=10)
        meta[rid] = {"title": f"Report on {name}", "grades": {"Overall effectiveness": grade}}
    return records, meta


def test_groups_fall_back_to_the_record_then_the_report_id_and_honour_mappings():
    records = [para("a-1", 7, ["strength"], authority="Ashby"), para("b-2", 7, ["strength"]),
               para("c-3", 7, ["strength"], authority="")]
    sentences = sentence_table(records)
    assert list(group_labels(sentences, "authority")) == ["Ashby", "b-2", "c-3"]
    assert list(group_labels(sentences, "authority", {"b-2": {"authority": "Brill"}})) == ["Ashby", "Brill", "c-3"]
    assert list(group_labels(sentences, "report")) == ["a-1", "b-2", "c-3"]
    mapped = group_labels(sentences, {"a-1": "North", "b-2.txt": "North"}, {"b-2": {"source": "x/b-2.txt"}})
    assert list(mapped[:2]) == ["North", "North"] and pd.isna(mapped[2])  # unmapped: left out
    cmp = pipeline.compare(records, by={"a-1": "North"}, resamples=20)
    assert list(cmp.groups["group"]) == ["North"] and cmp.left_out == ["b-2", "c-3"]


def test_counts_pooled_rates_per_report():
    # One authority, a long and a short report: per 100 is each report's rate, averaged, so the
    # long report does not outweigh the short one; counts and shares are pooled.
    records = [para("short", 7, mix(5, 5), authority="Ashby"),
               para("long", 7, mix(5, 5), authority="Ashby"), para("long", 4, mix(45, 45), authority="Ashby",
                                                                   paragraph=2)]
    cmp = pipeline.compare(records, resamples=100)
    row = cmp.table.set_index("outcome").loc["7"]
    assert (row["strength"], row["improvement"], row["judged"], row["reports"]) == (10, 10, 20, 2)
    assert row["paragraphs"] == 2
    assert row["total_per_100"] == pytest.approx((100 + 10) / 2)  # pooled would be 20/110 = 18
    assert row["improvement_per_100"] == pytest.approx((50 + 5) / 2)
    assert row["regulation"] == 11 and row["title"].startswith("Safeguarding")
    four = cmp.table.set_index("outcome").loc["4"]
    assert four["total_per_100"] == pytest.approx(90 / 2) and four["reports"] == 1
    assert np.isnan(four["share_lo"])  # one paragraph: no interval
    g = cmp.groups.iloc[0]
    assert g["reports"] == 2 and g["report_ids"] == "long; short" and g["total"] == 110


def test_intervals_resample_paragraphs_and_are_seeded_per_cell():
    records, meta = graded_run()
    a = pipeline.compare(records, meta, resamples=300, seed=3)
    b = pipeline.compare(records[:len(records) // 2], meta, resamples=300, seed=3)  # two authorities fewer
    cols = ["group", "outcome", "share_lo", "share_hi"]
    merged = a.table[cols].merge(b.table[cols], on=["group", "outcome"])
    assert len(merged) == 4
    assert (merged["share_lo_x"] == merged["share_lo_y"]).all() and (merged["share_hi_x"] == merged["share_hi_y"]).all()
    c = pipeline.compare(records, meta, resamples=300, seed=4)
    assert not a.table["share_lo"].equals(c.table["share_lo"])
    assert ((a.table["share_lo"] <= a.table["improvement_share"])
            & (a.table["improvement_share"] <= a.table["share_hi"])).all()
    # Sentences of one paragraph move together: the same sentences in two paragraphs of ten vary more
    # than in ten paragraphs of two.
    s = mix(10, 10)
    clustered = [para("x", 7, mix(10, 0), "X", paragraph=1), para("x", 7, mix(0, 10), "X", paragraph=2)]
    spread = paras("x", 7, [v for pair in zip(s[:10], s[10:]) for v in pair], "X", size=2)
    wide, narrow = (pipeline.compare(r, resamples=400).table.iloc[0] for r in (clustered, spread))
    assert wide["share_hi"] - wide["share_lo"] > 2 * (narrow["share_hi"] - narrow["share_lo"])


def test_ranking_is_the_forest_plot_data():
    records, meta = graded_run()
    records += paras("tiny-1", 7, mix(0, 3), "Tiny")
    cmp = pipeline.compare(records, meta, resamples=300)
    seven = cmp.ranking[cmp.ranking["outcome"] == "7"]
    assert list(seven["group"]) == ["Ashby", "Brill", "Crewe", "Dent"]  # Tiny has 3 judged < min_judged
    assert list(seven["rank"]) == [1, 2, 3, 4]
    assert seven["share_hi"].iloc[0] < seven["share_lo"].iloc[-1]  # 10% and 85% are told apart
    nine = cmp.ranking[cmp.ranking["outcome"] == "9"]
    assert (nine["rank"] == 1).all() and nine["regulation"].iloc[0] == 13  # identical shares share a rank
    assert {"corrected_share", "corrected_lo", "corrected_hi", "paragraphs"} <= set(cmp.ranking)
    # one paragraph of 3 judged sentences: no interval, so never ranked, whatever min_judged
    assert "Tiny" not in set(pipeline.compare(records, meta, resamples=50, min_judged=3).ranking["group"])


def test_spearman_bootstrap():
    x = [1, 2, 3, 4, 5, 6]
    r = spearman_bootstrap(x, [0.9, 0.8, 0.6, 0.5, 0.3, 0.1], resamples=200)
    assert r["rho"] == -1 and r["lo"] == -1 and r["hi"] == -1 and r["n"] == 6
    y = [0.2, 0.1, 0.5, 0.3, 0.6, 0.4]
    r = spearman_bootstrap(x, y, resamples=500, seed=1)
    assert r["rho"] == pytest.approx(stats.spearmanr(x, y).statistic)
    assert r["lo"] <= r["rho"] <= r["hi"] and 0 < r["valid_resamples"] <= 500
    assert np.isnan(spearman_bootstrap([1, 2], [2, 1])["rho"])
    assert np.isnan(spearman_bootstrap([1, 1, 1], [1, 2, 3])["rho"])
    assert spearman_bootstrap([1, 2, 3, np.nan], [3, 2, 1, 0])["n"] == 3  # ungraded groups drop out


def test_grades_correlate_with_improvement_share():
    records, meta = graded_run()
    cmp = pipeline.compare(records, meta, resamples=300)
    g = cmp.groups.set_index("group")
    assert g.loc["Ashby", "grade_score"] == 4 and g.loc["Dent", "grade_score"] == 1
    assert g.loc["Dent", "graded_reports"] == 1
    corr = cmp.correlation.set_index("measure").loc["improvement_share"]
    assert corr["n"] == 4 and corr["rho"] == -1
    assert list(cmp.grades.columns[:2]) == ["report", "group"] and set(cmp.grades["group"]) == set(g.index)
    grades = cmp.validity[cmp.validity["against"] == "grades"].set_index("share")
    assert grades.loc["raw", "auc"] == 1 and grades.loc["raw", "reports"] == 4
    ungraded = pipeline.compare(records, resamples=50)
    assert ungraded.groups["grade_score"].isna().all() and ungraded.correlation["rho"].isna().all()
    assert ungraded.validity.empty


def test_evidence_per_group_and_outcome():
    records, meta = graded_run()
    cmp = pipeline.compare(records, meta, resamples=50, evidence_per_kind=2)
    cell = cmp.evidence[(cmp.evidence["group"] == "Dent") & (cmp.evidence["outcome"] == "7")]
    assert list(cell["sentiment"]) == ["strength", "strength", "improvement", "improvement", "neutral", "neutral"]
    assert {"report", "paragraph", "start", "end", "confidence", "text"} <= set(cell)


def test_dataframe_input_and_matrix():
    records, meta = graded_run()
    a = pipeline.compare(records, meta, resamples=50)
    b = pipeline.compare(pd.DataFrame(records), pd.DataFrame([{"report": k, **v} for k, v in meta.items()]),
                         resamples=50)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.groups, b.groups)
    m = a.matrix()
    # groups from the lowest overall share up
    assert list(m.columns) == ["7", "9"] and list(m.index) == ["Ashby", "Brill", "Crewe", "Dent"]
    assert m.loc["Dent", "7"] == pytest.approx(17 / 20)


def test_the_api_takes_the_error_from_the_model_card(tmp_path):
    import json
    records, meta = graded_run()
    (tmp_path / "card.json").write_text(json.dumps({"evaluation": {"sentiment": {"confusion": {
        "labels": ["strength", "improvement", "neutral"], "matrix": [[90, 5, 5], [20, 75, 5], [20, 5, 75]]}}}}))
    cmp = pipeline.compare(records, meta, resamples=50, model=tmp_path)
    assert cmp.corrected and cmp.table["corrected_share"].notna().all()
    (tmp_path / "card.json").write_text(json.dumps({"evaluation": {"sentiment": {}}}))
    cmp = pipeline.compare(records, meta, resamples=50, model=tmp_path)
    assert not cmp.corrected and "no cross-validated confusion matrix" in cmp.correction


def test_bad_settings_and_empty_runs():
    with pytest.raises(ValueError, match="resamples"):
        compare([], resamples=0)
    with pytest.raises(ValueError, match="level"):
        compare([], level=1.5)
    empty = compare([])
    assert empty.table.empty and empty.ranking.empty and empty.groups.empty
