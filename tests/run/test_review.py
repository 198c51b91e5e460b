"""esq review: the least certain paragraphs as Label Studio and Prodigy tasks."""

import json

import pytest

from pipeline.cli import main
from pipeline.run.review import META_KEYS, label_studio_config, select, tasks
from pipeline.standards import OUTCOME_LABELS, SENTIMENTS


def _record(n, outcome, confidence, sentence_confidences=(0.99,), heading=None, kind="finding"):
    text = " ".join(f"Sentence {k} of paragraph {n}." for k in range(len(sentence_confidences)))
    sentences, at = [], 100 * n
    for k, c in enumerate(sentence_confidences):
        piece = f"Sentence {k} of paragraph {n}."
        sentences.append({"start": at, "end": at + len(piece), "text": piece, "sentiment": "neutral",
                          "confidence": c})
        at += len(piece) + 1
    return {"report": "r-0000", "source": "r.txt", "paragraph": n, "kind": kind, "start": 100 * n,
            "end": 100 * n + len(text), "text": text, "heading_outcome": heading, "outcome": heading or outcome,
            "predicted_outcome": outcome, "outcome_confidence": confidence, "sentences": sentences}


def test_least_sure_first_and_spread_across_outcomes():
    records = ([_record(n, 9, 0.30 + n / 100) for n in range(10)]       # many unsure medicines paragraphs
               + [_record(20, 7, 0.80), _record(21, 13, 0.95)]
               + [_record(22, 4, 0.99, (0.99, 0.41))]                   # a sure outcome, an unsure sentence
               + [_record(23, 4, 0.2, (0.99,), heading=17)]             # a heading fixes the outcome
               + [_record(24, 5, 1.0, (1.0,))])                        # nothing to correct
    chosen = select(records, limit=6)
    assert [r["paragraph"] for r in chosen] == [0, 22, 20, 21, 23, 1]  # every outcome once, then again
    assert 24 not in [r["paragraph"] for r in select(records, limit=100)]


def test_recommendation_sentences_are_not_what_is_unsure():
    rec = _record(1, 9, 0.97, (0.1,), kind="recommendation")  # their sentiment is fixed by rule
    assert select([rec, _record(2, 4, 0.5)])[0]["paragraph"] == 2


def test_task_formats_carry_suggestions_and_the_way_back():
    r = _record(3, 9, 0.6, (0.9, 0.55))
    ls, = tasks([r], "labelstudio", model="esq-fast-x")
    assert ls["data"]["text"] == r["text"] and set(META_KEYS) <= set(ls["data"])
    result = ls["predictions"][0]["result"]
    assert result[0]["value"] == {"choices": ["9"]} and result[0]["from_name"] == "outcome"
    spans = [x["value"] for x in result[1:]]
    assert [(v["start"], v["end"]) for v in spans] == [(0, 26), (27, 53)]
    assert all(r["text"][v["start"]:v["end"]] == v["text"] and v["labels"] == ["neutral"] for v in spans)
    assert ls["predictions"][0]["score"] == 0.55 and ls["predictions"][0]["model_version"] == "esq-fast-x"
    pd, = tasks([r], "prodigy")
    assert pd["accept"] == ["9"] and [o["id"] for o in pd["options"]] == [str(l) for l in OUTCOME_LABELS]
    assert pd["spans"] == [{"start": 0, "end": 26, "label": "neutral"}, {"start": 27, "end": 53, "label": "neutral"}]
    assert pd["meta"]["esq_id"] == "r-0000#3@300" and pd["meta"]["sentences"] == [[0, 26], [27, 53]]


def test_label_studio_config_names_every_label():
    import xml.etree.ElementTree as ET
    root = ET.fromstring(label_studio_config())
    assert [c.get("value") for c in root.iter("Choice")] == [str(l) for l in OUTCOME_LABELS]
    assert [c.get("value") for c in root.iter("Label")] == list(SENTIMENTS)
    assert {e.get("name") for e in root if e.get("name")} == {"text", "outcome", "sentiment"}


def test_cli_review(joint_file, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["tag", str(joint_file), "--out", str(run), "--jobs", "1", "--quiet"]) == 0
    assert main(["review", str(run), "--out", str(tmp_path / "t.json"), "--limit", "3"]) == 0
    assert "3 labelstudio tasks" in capsys.readouterr().err
    items = json.loads((tmp_path / "t.json").read_text())
    assert len(items) == 3 and (tmp_path / "t.xml").exists()
    scores = [t["predictions"][0]["score"] for t in items]
    assert scores[0] == min(scores)
    assert main(["review", str(run), "--out", str(tmp_path / "t.jsonl")]) == 0
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    assert len(lines) == 5 and all(json.loads(l)["meta"]["report"] == items[0]["data"]["report"] for l in lines)
    capsys.readouterr()
    # Label Studio reads JSON lists only; a bad run folder is one clear line
    assert main(["review", str(run), "--out", str(tmp_path / "x.jsonl"), "--format", "labelstudio"]) == 2
    assert "JSON list" in capsys.readouterr().err
    assert main(["review", str(tmp_path), "--out", str(tmp_path / "y.json")]) == 2
    err = capsys.readouterr().err
    assert "not a tagged run" in err and len(err.strip().splitlines()) == 1
