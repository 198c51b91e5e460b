"""The annotation loop: esq review → Label Studio / Prodigy → esq corpus import → esq corpus check → esq train."""

import copy
import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline import corpus
from pipeline.cli import main
from pipeline.corpus.importer import import_reviewed
from pipeline.corpus.store import CorpusError

def _joint_report() -> str:
    # the suite's sample joint report, from tests/conftest.py (loaded by path: other conftest modules share its name)
    import importlib.util
    spec = importlib.util.spec_from_file_location("esq_tests_root_conftest",
                                                  Path(__file__).resolve().parents[1] / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.JOINT


JOINT = _joint_report()


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """A report tagged and exported for review in both tools' import formats."""
    root = tmp_path_factory.mktemp("loop")
    report = root / "fernhollow.txt"
    report.write_text(JOINT, encoding="utf-8")
    assert main(["tag", str(report), "--out", str(root / "run"), "--jobs", "1", "--quiet"]) == 0
    assert main(["review", str(root / "run"), "--out", str(root / "tasks.json")]) == 0
    assert main(["review", str(root / "run"), "--out", str(root / "tasks.jsonl")]) == 0
    ls = json.loads((root / "tasks.json").read_text())
    prodigy = [json.loads(l) for l in (root / "tasks.jsonl").read_text().splitlines()]
    return {"root": root, "report": report, "labelstudio": ls, "prodigy": prodigy}


def _by_paragraph(tasks, key):
    return {str(t[key]["paragraph"]): t for t in tasks}


def _label_studio_export(tasks):
    """Label Studio's JSON export after an annotator corrected the pre-filled predictions."""
    out = []
    for n, task in enumerate(tasks, 1):
        result = copy.deepcopy(task["predictions"][0]["result"])
        paragraph = str(task["data"]["paragraph"])
        annotations = [{"id": 100 + n, "result": copy.deepcopy(result), "was_cancelled": False,
                        "created_at": "2026-03-01T09:00:00Z", "updated_at": "2026-03-01T09:00:00Z"}]
        if paragraph == "2.1":
            result[0]["value"]["choices"] = ["13"]  # the annotator disagrees with the outcome
            result[1]["value"]["labels"] = ["improvement"]
        if paragraph == "2.2":
            result = [r for r in result if r["type"] != "labels"]  # the sentence left unlabelled
        if paragraph == "4":
            annotations[0]["was_cancelled"] = True  # skipped in the tool
        else:
            annotations.append({"id": 200 + n, "result": result, "was_cancelled": False,
                                "created_at": "2026-03-02T09:00:00Z", "updated_at": "2026-03-02T09:00:00Z"})
        if paragraph == "5":
            annotations = []  # never annotated
        out.append({"id": n, "data": task["data"], "annotations": annotations,
                    "predictions": task["predictions"], "project": 1})
    return out


def test_label_studio_round_trip(reviewed, tmp_path, capsys):
    export = tmp_path / "project-1-at-2026-03-02.json"
    export.write_text(json.dumps(_label_studio_export(reviewed["labelstudio"])), encoding="utf-8")
    out = tmp_path / "mine"
    assert main(["corpus", "import", str(export), "--tool", "labelstudio", "--out", str(out)]) == 0
    assert "imported 3 paragraphs" in capsys.readouterr().err
    assert main(["corpus", "check", str(out)]) == 0
    rep, = corpus.load(out)
    text = reviewed["report"].read_text(encoding="utf-8")
    assert rep.text == text and rep.kind == "joint" and rep.area == "Fernhollow"
    paras = {str(p.paragraph): p for p in rep.paragraphs}
    assert set(paras) == {"1.1", "2.1", "2.2"}  # 4 was cancelled, 5 never annotated
    assert paras["2.1"].outcome == 13 and paras["2.1"].sentences[0].sentiment == "improvement"
    assert paras["2.2"].outcome == 9 and [s.sentiment for s in paras["2.2"].sentences] == [None]
    assert paras["1.1"].outcome == "general"
    for p in rep.paragraphs:
        assert text[p.start:p.end] == p.text
        assert all(text[s.start:s.end] == s.text for s in p.sentences)


def _tokens(text):
    return [{"text": m.group(), "start": m.start(), "end": m.end(), "id": i, "ws": True}
            for i, m in enumerate(re.finditer(r"\S+", text))]


def _prodigy_db_out(tasks):
    """`prodigy db-out` of two datasets: textcat.manual (choice) and spans.manual over the same tasks."""
    lines = []
    for task in tasks:
        paragraph = str(task["meta"]["paragraph"])
        choice = {**copy.deepcopy(task), "_input_hash": 1, "_task_hash": 2, "_view_id": "choice",
                  "answer": "accept", "_session_id": "esq-alice", "_timestamp": 1770000000}
        if paragraph == "1.1":
            choice["accept"] = ["16"]
        for s in choice["spans"]:
            s["label"] = "strength"  # passed through untouched by the choice interface: not a judgement
        spans = {**copy.deepcopy(task), "_view_id": "spans_manual", "answer": "accept", "tokens": _tokens(task["text"])}
        for s in spans["spans"]:
            starts = [t["id"] for t in spans["tokens"] if t["start"] >= s["start"]]
            ends = [t["id"] for t in spans["tokens"] if t["end"] <= s["end"]]
            s["token_start"], s["token_end"] = starts[0], ends[-1]
        if paragraph == "2.1":
            spans["spans"][1]["label"] = "neutral"
        if paragraph == "4":
            choice["answer"] = spans["answer"] = "reject"
        lines += [choice, spans]
    return lines


def test_prodigy_round_trip(reviewed, tmp_path):
    export = tmp_path / "db-out.jsonl"
    export.write_text("".join(json.dumps(l) + "\n" for l in _prodigy_db_out(reviewed["prodigy"])), encoding="utf-8")
    out = tmp_path / "mine"
    res = import_reviewed(export, "prodigy", out)
    assert res["reports"] == 1 and res["paragraphs"] == 4 and not res["skipped"]
    assert corpus.check(out) == []
    rep, = corpus.load(out)
    paras = {str(p.paragraph): p for p in rep.paragraphs}
    assert set(paras) == {"1.1", "2.1", "2.2", "5"}  # 4 rejected
    assert paras["1.1"].outcome == 16
    predicted = {str(t["meta"]["paragraph"]): [s["label"] for s in t["spans"]] for t in reviewed["prodigy"]}
    assert [s.sentiment for s in paras["2.1"].sentences] == [predicted["2.1"][0], "neutral"]
    assert [s.sentiment for s in paras["5"].sentences] == ["improvement"]
    assert paras["5"].kind == "recommendation"


def test_import_extends_a_corpus_and_trains_with_the_project_corpus(reviewed, tmp_path):
    from pipeline.training.train import train
    export = tmp_path / "db-out.jsonl"
    export.write_text("".join(json.dumps(l) + "\n" for l in _prodigy_db_out(reviewed["prodigy"])), encoding="utf-8")
    out = tmp_path / "mine"
    import_reviewed(export, "prodigy", out)
    import_reviewed(export, "prodigy", out)  # importing again replaces, never duplicates
    assert corpus.stats(out)["paragraphs"] == 4
    # a slice of the project corpus stands in for all of it: the same code path, seconds not minutes
    project = tmp_path / "project"
    (project / "reports").mkdir(parents=True)
    (project / "annotations").mkdir()
    entries = [json.loads(l) for l in (corpus.DEFAULT_CORPUS / "catalogue.jsonl").read_text().splitlines()[:2]]
    for e in entries:
        shutil.copy(corpus.DEFAULT_CORPUS / e["file"], project / e["file"])
        shutil.copy(corpus.DEFAULT_CORPUS / "annotations" / f"{e['report']}.jsonl", project / "annotations")
    (project / "catalogue.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    model = train([project, out], out=tmp_path / "model", folds=2)
    assert model.card["corpus"]["reports"] == 3 and str(out) in model.card["corpus"]["folders"]
    assert (tmp_path / "model" / "model.skops").exists()


def test_errors_name_the_file_and_the_problem(reviewed, tmp_path, capsys):
    export = tmp_path / "db-out.jsonl"
    lines = _prodigy_db_out(reviewed["prodigy"])
    export.write_text("".join(json.dumps(l) + "\n" for l in lines), encoding="utf-8")
    # the report moved: found again by name under --sources
    moved = tmp_path / "moved"
    moved.mkdir()
    for l in lines:
        l["meta"]["source"] = str(tmp_path / "gone" / reviewed["report"].name)
    export.write_text("".join(json.dumps(l) + "\n" for l in lines), encoding="utf-8")
    assert main(["corpus", "import", str(export), "--tool", "prodigy", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert "--sources" in err and str(export) in err and len(err.strip().splitlines()) == 1
    shutil.copy(reviewed["report"], moved)
    assert main(["corpus", "import", str(export), "--tool", "prodigy", "--out", str(tmp_path / "a"),
                 "--sources", str(moved)]) == 0
    # the report changed after it was tagged: its offsets no longer hold
    (moved / reviewed["report"].name).write_text(JOINT.replace("strong", "robust"), encoding="utf-8")
    with pytest.raises(CorpusError, match="changed"):
        import_reviewed(export, "prodigy", tmp_path / "b", sources=moved)
    # not an export of esq review's tasks; a label that is not one
    (tmp_path / "other.jsonl").write_text('{"text": "hello", "answer": "accept"}\n')
    with pytest.raises(CorpusError, match="task 1: no esq_id"):
        import_reviewed(tmp_path / "other.jsonl", "prodigy", tmp_path / "c")
    lines[0]["accept"] = ["99"]
    export.write_text("".join(json.dumps(l) + "\n" for l in lines), encoding="utf-8")
    with pytest.raises(CorpusError, match="task 1: unknown outcome label"):
        import_reviewed(export, "prodigy", tmp_path / "d", sources=moved)
