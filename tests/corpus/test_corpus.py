"""The project's corpus meets its own bar, and the corpus tools behave."""

import json

import pytest

from pipeline import corpus
from pipeline.cli import main
from pipeline.standards import label_key


@pytest.fixture(scope="module")
def stats():
    return corpus.stats()


def test_project_corpus_is_valid():
    assert corpus.check() == []


def test_size_and_coverage(stats):
    assert stats["paragraphs"] >= 2000
    assert stats["sentences"] >= 8000
    for label in corpus.REQUIRED_LABELS:
        assert stats["outcomes"].get(label_key(label), 0) >= 60, label
    share = stats["sentiment_share"]
    assert share["strength"] >= 0.30 and share["improvement"] >= 0.30 and share["neutral"] >= 0.10
    for kind in ("joint", "provider", "narrative"):
        assert stats["by_kind"][kind]["reports"] >= 16


def test_no_near_duplicate_sentences():
    # exact repeats of the listed stock judgement lines are the one exception
    stock = corpus.stock_lines()
    texts = [s.text for r in corpus.load() for p in r.paragraphs for s in p.sentences if s.text.strip() not in stock]
    pairs = corpus.near_duplicates(texts)
    shown = [(texts[i], texts[j]) for i, j, _ in pairs[:5]]
    assert not pairs, f"{len(pairs)} near-duplicate pairs, e.g. {shown}"


def test_stock_lines_are_short_judgements_and_used():
    stock = corpus.stock_lines()
    assert stock and all(len(line.split()) <= 10 for line in stock)
    used = {s.text.strip() for r in corpus.load() for p in r.paragraphs for s in p.sentences}
    assert stock <= used


def test_near_duplicates_finds_reworded_copies():
    texts = ["Staff were kind and caring towards people at lunch.",
             "Staff were kind and caring towards people at lunch today.",
             "The kitchen had been deep cleaned in March."]
    assert [(i, j) for i, j, _ in corpus.near_duplicates(texts)] == [(0, 1)]


def _tiny_corpus(tmp_path):
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "r1.md").write_text("%% kind: provider\n\nOutcome 05: Meeting nutritional needs\n\n"
                                  "[[o:5]][[n]]We ate lunch with six people. [[s]]Meals were hot and plentiful.\n",
                                  encoding="utf-8")
    root = tmp_path / "c"
    corpus.build_from_drafts(drafts, root)
    return root


def test_check_names_file_line_and_problem(tmp_path):
    root = _tiny_corpus(tmp_path)
    assert corpus.check(root) == []
    ann = root / "annotations" / "r1.jsonl"
    obj = json.loads(ann.read_text())
    obj["sentences"][0]["sentiment"] = "happy"
    obj["end"] += 10_000
    ann.write_text(json.dumps(obj) + "\n")
    problems = corpus.check(root)
    assert any(f"{ann}:1: paragraph offsets" in p for p in problems)
    obj["end"] -= 10_000
    ann.write_text(json.dumps(obj) + "\n")
    assert any(f"{ann}:1: sentence 1 sentiment 'happy'" in p for p in corpus.check(root))


def test_cli_check_stats_export(tmp_path, capsys):
    root = _tiny_corpus(tmp_path)
    assert main(["corpus", "check", str(root)]) == 0
    assert main(["corpus", "stats", str(root), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert (s["paragraphs"], s["sentences"]) == (1, 2)
    out = tmp_path / "x.jsonl"
    assert main(["corpus", "export", str(root), "--out", str(out)]) == 0
    rec = json.loads(out.read_text())
    assert rec["report_kind"] == "provider" and rec["outcome"] == 5
    assert [s["sentiment"] for s in rec["sentences"]] == ["neutral", "strength"]


def test_cli_runs_on_project_corpus(capsys):
    assert main(["corpus", "check"]) == 0
    assert main(["corpus", "stats"]) == 0
    assert "paragraphs" in capsys.readouterr().out


def test_from_headings_makes_a_silver_corpus(tmp_path, joint_file):
    out = tmp_path / "silver"
    assert main(["corpus", "from-headings", str(joint_file), "--out", str(out)]) == 0
    assert corpus.check(out) == []
    recs = list(corpus.export_records(out))
    assert [r["outcome"] for r in recs] == ["general", 9, 9]
    assert all(s["sentiment"] is None for r in recs for s in r["sentences"])


def test_cli_agreement_reports_each_batch(capsys):
    assert main(["corpus", "agreement"]) == 0
    out = capsys.readouterr().out
    assert "round 1" in out and "all" in out and "sentiment kappa" in out
    pooled = corpus.agreement_batches()[-1]
    assert pooled["paragraphs"] >= 0.1 * corpus.stats()["paragraphs"] - 1
    assert pooled["outcome"]["kappa"] > 0.8 and pooled["sentiment"]["kappa"] > 0.8
