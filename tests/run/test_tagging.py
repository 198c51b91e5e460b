"""The output contract of ``esq tag`` and the Python API."""

import json

import pandas as pd

import pipeline
from pipeline.cli import main
from pipeline.standards import OUTCOME_LABELS, SENTIMENTS

CONTRACT = {"report", "source", "paragraph", "kind", "heading", "heading_outcome", "predicted_outcome",
            "outcome_confidence", "review", "outcome", "sentiment", "start", "end", "text", "sentences"}


def test_api_tag_returns_the_contract(joint_file, model, nlp):
    df = pipeline.tag(joint_file, model=model, nlp=nlp)
    assert isinstance(df, pd.DataFrame)
    assert CONTRACT <= set(df.columns)
    assert list(df["kind"]) == ["finding"] * 3 + ["recommendation"] * 2
    text = joint_file.read_text(encoding="utf-8")
    for _, row in df.iterrows():
        assert text[row["start"]:row["end"]] == row["text"]
        assert row["predicted_outcome"] in OUTCOME_LABELS
        assert 0 < row["outcome_confidence"] <= 1
        for s in row["sentences"]:
            assert text[s["start"]:s["end"]] == s["text"]
            assert s["sentiment"] in SENTIMENTS
        # the heading wins where present, and a disagreement is flagged
        if row["heading_outcome"] is not None:
            assert row["outcome"] == row["heading_outcome"]
            assert row["disagreement"] == (row["heading_outcome"] != row["predicted_outcome"])
    assert all(s["sentiment"] == "improvement" for s in df.iloc[3]["sentences"])


def test_outcome_classifier_never_sees_the_heading(tmp_path, model, nlp):
    body = "Medicines were stored in a locked trolley and MAR charts were complete for every resident."
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text(f"Outcome 09: Management of medicines\n\n{body}\n", encoding="utf-8")
    b.write_text(f"Outcome 17: Complaints\n\n{body}\n", encoding="utf-8")
    ra, rb = (pipeline.tag(p, model=model, nlp=nlp).iloc[0] for p in (a, b))
    assert ra["predicted_outcome"] == rb["predicted_outcome"] == 9
    assert ra["outcome_confidence"] == rb["outcome_confidence"]
    assert (ra["outcome"], rb["outcome"]) == (9, 17) and rb["disagreement"]


def test_sentiment_reads_contrast(tmp_path, model, nlp):
    p = tmp_path / "r.txt"
    p.write_text("Staff were caring and people spoke highly of them. However, care plans were not consistently "
                 "reviewed and several were out of date. We looked at eight care plans.\n", encoding="utf-8")
    sents = pipeline.tag(p, model=model, nlp=nlp).iloc[0]["sentences"]
    assert [s["sentiment"] for s in sents] == ["strength", "improvement", "neutral"]


def test_explanations_name_terms(joint_file, model, nlp):
    df = pipeline.tag(joint_file, model=model, nlp=nlp, explain=3)
    terms = df.iloc[1]["explanation"]
    assert 0 < len(terms) <= 3 and all(t["weight"] > 0 for t in terms)
    assert any("medicine" in t["term"] or "mar" in t["term"] for t in terms)


def test_cli_tag_and_report(tmp_path, joint_file):
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    out = tmp_path / "run"
    code = main(["tag", str(joint_file), str(bad), str(tmp_path / "missing.txt"), "--out", str(out),
                 "--jobs", "1", "--quiet"])
    assert code == 1
    manifest = [json.loads(l) for l in (out / "manifest.jsonl").read_text().splitlines()]
    assert [m["status"] for m in manifest] == ["ok", "empty", "missing"]
    assert all({"path", "sha256", "status", "message"} <= set(m) for m in manifest)
    assert "empty.txt" in manifest[1]["message"]
    rows = [json.loads(l) for l in (out / "paragraphs.jsonl").read_text().splitlines()]
    assert len(rows) == 5 and CONTRACT <= set(rows[0])
    run = json.loads((out / "run.json").read_text())
    assert run["model"].startswith("esq-fast") and "scikit-learn" in run["versions"]
    # a second run skips what is done and gives the same output
    before = (out / "paragraphs.jsonl").read_text()
    assert main(["tag", str(joint_file), "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    assert (out / "paragraphs.jsonl").read_text() == before

    assert main(["report", str(out)]) == 0
    counts = pd.read_csv(out / "report" / "counts.csv")
    assert {"report", "outcome", "regulation", "strength", "improvement", "neutral", "improvement_share"} <= set(counts)
    recs = pd.read_csv(out / "report" / "recommendations.csv")
    assert len(recs) == 2 and recs["timescale"].str.startswith("Within 3 months").all()
    md = next((out / "report").glob("fernhollow-*.md")).read_text()
    assert "Being Healthy" in md and "## Recommendations" in md


def test_duplicate_content_is_tagged_once(tmp_path, joint_file):
    copy = tmp_path / "copy.txt"
    copy.write_bytes(joint_file.read_bytes())
    out = tmp_path / "run"
    assert main(["tag", str(joint_file), str(copy), "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    manifest = [json.loads(l) for l in (out / "manifest.jsonl").read_text().splitlines()]
    assert manifest[1]["duplicate_of"] == str(joint_file)
    assert len((out / "paragraphs.jsonl").read_text().splitlines()) == 5


def test_seed_report_is_tagged(seed_path, model, nlp):
    df = pipeline.tag(seed_path, model=model, nlp=nlp)
    assert (df["kind"] == "finding").sum() == 41 and (df["kind"] == "recommendation").sum() == 12
    findings = df[df["kind"] == "finding"]
    accuracy = (findings["predicted_outcome"].astype(str) == findings["heading_outcome"].astype(str)).mean()
    # well above the keyword search (about 0.4 on this report) but a real, unseen report
    assert accuracy >= 0.5


def test_review_flags_follow_the_cards_calibration(joint_file, model, nlp):
    from pipeline.read.reader import read
    from pipeline.run.tagging import tag_report
    from pipeline.segment.segmenter import segment
    cal = model.card["calibration"]
    records = tag_report(segment(read(joint_file)), model, nlp)
    for r in records:
        assert r["review"] == (r["outcome_confidence"] < cal["outcome"]["review_below"])
        for s in r["sentences"]:
            assert s["review"] == (s["confidence"] < cal["sentiment"]["review_below"])
    # a card without calibration gives no flags rather than made-up ones
    import dataclasses
    bare = dataclasses.replace(model, card={k: v for k, v in model.card.items() if k != "calibration"})
    plain = tag_report(segment(read(joint_file)), bare, nlp)
    assert all(r["review"] is None for r in plain)


def test_invisible_characters_inside_words_change_nothing_but_offsets(joint_file, model, nlp):
    # PDF and web exports leave zero-width spaces and soft hyphens inside words
    from pipeline.read.reader import read
    from pipeline.run.tagging import tag_report
    from pipeline.segment.segmenter import segment
    plain = joint_file.read_text(encoding="utf-8")
    marked = joint_file.with_name("marked.txt")
    marked.write_text(plain.replace("Medicines", "Medi\u200bcines").replace("safeguarding", "safe\u00adguarding")
                      .replace("recording", "rec\u200dording").replace("leadership", "leader\u2060ship"), encoding="utf-8")
    assert marked.read_text(encoding="utf-8") != plain
    text = read(marked).text
    before = tag_report(segment(read(joint_file)), model, nlp)
    after = tag_report(segment(read(marked)), model, nlp)
    assert [r["predicted_outcome"] for r in after] == [r["predicted_outcome"] for r in before]
    assert [r["outcome_confidence"] for r in after] == [r["outcome_confidence"] for r in before]
    for b, a in zip(before, after):
        assert [s["sentiment"] for s in a["sentences"]] == [s["sentiment"] for s in b["sentences"]]
        assert [s["confidence"] for s in a["sentences"]] == [s["confidence"] for s in b["sentences"]]
        # offsets and texts stay the file's own
        assert all(text[s["start"]:s["end"]] == s["text"] for s in a["sentences"])
