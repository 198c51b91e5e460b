"""Comparing authorities: grouping, rates per 100, bootstrap intervals, tied rankings, grade correlation."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import pipeline
from pipeline.report.compare import bootstrap_share, group_labels, rank_tiers, spearman_bootstrap
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


def graded_run():
    """Four authorities, one report each: the worse the grade, the more improvement."""
    shares = {"Ashby": (18, 2, "Outstanding"), "Brill": (14, 6, "Good"), "Crewe": (8, 12, "Adequate"),
              "Dent": (3, 17, "Inadequate")}
    records, meta = [], {}
    for name, (s, i, grade) in shares.items():
        rid = name.lower() + "-00000000"
        records.append(para(rid, 7, mix(s, i, 2), authority=name))
        records.append(para(rid, 9, mix(5, 5), authority=name, paragraph=2))
        meta[rid] = {"title": f"Report on {name}", "grades": {"Overall effectiveness": grade}}
    return records, meta


def test_bootstrap_equals_resampling_sentences():
    # the binomial shortcut must have the distribution of resampling the sentences themselves
    k, n, b = 7, 20, 4000
    lo, hi = bootstrap_share(k, n, resamples=b, seed=1)
    rng = np.random.default_rng(2)
    values = np.array([1] * k + [0] * (n - k))
    literal = values[rng.integers(0, n, size=(b, n))].mean(axis=1)
    assert abs(lo - np.quantile(literal, 0.025)) <= 0.05 and abs(hi - np.quantile(literal, 0.975)) <= 0.05


def test_bootstrap_interval_properties():
    lo, hi = bootstrap_share(30, 100, seed=0)
    assert lo < 0.3 < hi
    wide = bootstrap_share(3, 10, seed=0)
    assert wide[1] - wide[0] > hi - lo  # fewer sentences, wider interval
    assert bootstrap_share(30, 100, seed=0) == (lo, hi)  # seeded: the same every time
    assert all(np.isnan(bootstrap_share(0, 0)))
    assert bootstrap_share(5, 5) == (1.0, 1.0)  # all one kind: the bootstrap sees no spread (hence min_judged)


def test_groups_fall_back_to_report_id_and_honour_mappings():
    records = [para("a-1", 7, ["strength"], authority="Ashby"), para("b-2", 7, ["strength"]),
               para("c-3", 7, ["strength"], authority="")]
    sentences = sentence_table(records)
    assert list(group_labels(sentences, "authority")) == ["Ashby", "b-2", "c-3"]
    assert list(group_labels(sentences, "authority", {"b-2": {"authority": "Brill"}})) == ["Ashby", "Brill", "c-3"]
    assert list(group_labels(sentences, "report")) == ["a-1", "b-2", "c-3"]
    assert list(group_labels(sentences, {"a-1": "North", "b-2": "North"})) == ["North", "North", "c-3"]
    with pytest.raises(ValueError, match="by must be one of"):
        pipeline.compare(records, by="county")


def test_counts_pooled_rates_per_report():
    # One authority, a long and a short report: per 100 is each report's rate, averaged, so the
    # long report does not outweigh the short one; counts and shares are pooled.
    records = [para("short", 7, mix(5, 5), authority="Ashby"),
               para("long", 7, mix(5, 5), authority="Ashby"), para("long", 4, mix(45, 45), authority="Ashby")]
    cmp = pipeline.compare(records, resamples=100)
    row = cmp.table.set_index("outcome").loc["7"]
    assert (row["strength"], row["improvement"], row["judged"], row["reports"]) == (10, 10, 20, 2)
    assert row["total_per_100"] == pytest.approx((100 + 10) / 2)  # pooled would be 20/110 = 18
    assert row["improvement_per_100"] == pytest.approx((50 + 5) / 2)
    assert row["regulation"] == 11 and row["title"].startswith("Safeguarding")
    four = cmp.table.set_index("outcome").loc["4"]
    assert four["total_per_100"] == pytest.approx(90 / 2) and four["reports"] == 1
    g = cmp.groups.iloc[0]
    assert g["reports"] == 2 and g["report_ids"] == "long; short" and g["total"] == 110


def test_intervals_are_per_cell_and_seeded():
    records, meta = graded_run()
    a = pipeline.compare(records, meta, resamples=300, seed=3)
    b = pipeline.compare(records[:4], meta, resamples=300, seed=3)  # two authorities fewer
    cols = ["group", "outcome", "share_lo", "share_hi"]
    merged = a.table[cols].merge(b.table[cols], on=["group", "outcome"])
    assert len(merged) == 4
    assert (merged["share_lo_x"] == merged["share_lo_y"]).all() and (merged["share_hi_x"] == merged["share_hi_y"]).all()
    c = pipeline.compare(records, meta, resamples=300, seed=4)
    assert not a.table["share_lo"].equals(c.table["share_lo"])
    assert ((a.table["share_lo"] <= a.table["improvement_share"])
            & (a.table["improvement_share"] <= a.table["share_hi"])).all()


def test_rank_tiers_anchor_on_the_first_of_a_tier():
    shares = pd.Series([0.1, 0.4, 0.6, 0.9], index=list("abcd"))
    lo = pd.Series([0.0, 0.25, 0.45, 0.85], index=list("abcd"))
    hi = pd.Series([0.3, 0.55, 0.75, 0.95], index=list("abcd"))
    t = rank_tiers(shares, lo, hi)
    assert list(t["rank"]) == [1, 2, 3, 4]
    # b overlaps a: tied. c overlaps b but not a: it starts tier 2. d overlaps nothing.
    assert list(t["tier"]) == [1, 1, 2, 3] and list(t["tier_size"]) == [2, 2, 1, 1]


def test_ranking_ties_noise_and_separates_real_differences():
    records, meta = graded_run()
    records.append(para("tiny-1", 7, mix(0, 3), authority="Tiny"))
    cmp = pipeline.compare(records, meta, resamples=500)
    seven = cmp.ranking[cmp.ranking["outcome"] == "7"]
    assert list(seven["group"]) == ["Ashby", "Brill", "Crewe", "Dent"]  # Tiny has 3 judged < min_judged
    assert seven["tier"].iloc[0] < seven["tier"].iloc[-1]  # 10% and 85% improvement are told apart
    nine = cmp.ranking[cmp.ranking["outcome"] == "9"]
    assert nine["tier"].nunique() == 1 and (nine["tier_size"] == 4).all()  # identical 50% shares tie
    assert nine["regulation"].iloc[0] == 13
    assert "Tiny" in set(pipeline.compare(records, meta, resamples=50, min_judged=3).ranking["group"])


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
    ungraded = pipeline.compare(records, resamples=50)
    assert ungraded.groups["grade_score"].isna().all() and ungraded.correlation["rho"].isna().all()


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
    assert list(m.columns) == ["7", "9"] and list(m.index) == ["Ashby", "Brill", "Crewe", "Dent"]
    assert m.loc["Dent", "7"] == pytest.approx(17 / 20)


def test_bad_settings_and_empty_runs():
    with pytest.raises(ValueError, match="resamples"):
        pipeline.compare([], resamples=0)
    with pytest.raises(ValueError, match="level"):
        pipeline.compare([], level=1.5)
    empty = pipeline.compare([])
    assert empty.table.empty and empty.ranking.empty and empty.groups.empty
