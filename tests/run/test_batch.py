"""Run folders: inputs, bad files, duplicates, resumption after a kill, jobs, progress, exit codes."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.run.batch import expand_inputs, run
from pipeline.cli import main
from pipeline.run.progress import Progress
from pipeline.read.reader import STATUSES
from pipeline.segment.boilerplate import REASONS
from pipeline.run.workers import in_processes
from documents import make_docx, make_pdf, make_report_pdf

ROOT = Path(__file__).resolve().parents[2]

SENTENCES = ["Staff were kind and caring towards people who use the service.",
             "However, care plans were not consistently reviewed and several were out of date.",
             "Medicines were stored securely and the records were complete.",
             "The manager should ensure that all staff complete safeguarding training.",
             "People told us they felt safe and well supported.",
             "We looked at eight care plans during the inspection.",
             "There were not always enough staff on duty at night."]


def report_text(i: int, paragraphs: int = 6) -> str:
    """A small numbered report; ``i`` makes its content (and so its sha256) unique."""
    body = [f"Inspection report for Place {i}", "", "Outcome 4: Care and welfare", ""]
    for k in range(paragraphs):
        body += [f"{k + 1}. " + " ".join(SENTENCES[(i + k + j) % len(SENTENCES)] for j in range(4)), ""]
    return "\n".join(body)


def manifest(out: Path) -> list[dict]:
    return [json.loads(l) for l in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def paragraphs(out: Path) -> list[dict]:
    return [json.loads(l) for l in (out / "paragraphs.jsonl").read_text(encoding="utf-8").splitlines()]


def test_inputs_files_folders_globs_and_lists(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a" / "deep").mkdir(parents=True)
    for name in ("a/one.txt", "a/deep/two.md", "a/deep/three.pdf", "a/page.html", "b.docx"):
        (tmp_path / name).write_text("x")
    for name in ("a/notes.csv", "a/~$one.docx", "a/.hidden.txt"):  # not reports: skipped in folders
        (tmp_path / name).write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "list.txt").write_text("# reports to tag\nb.docx\n\na/one.txt\nnowhere.txt\n")
    got = expand_inputs(["a", "*.docx", "@list.txt", "a/one.txt", "empty", "no/*.pdf"])
    assert got == ["a/deep/three.pdf", "a/deep/two.md", "a/one.txt", "a/page.html", "b.docx", "nowhere.txt",
                   "empty", "no/*.pdf"]


def test_a_batch_of_every_format_and_every_kind_of_bad_input(tmp_path, capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "good.txt").write_text(report_text(1), encoding="utf-8")
    (inp / "good.md").write_text(report_text(2), encoding="utf-8")
    (inp / "page.html").write_text("<h1>Inspection report</h1><h2>Outcome 7: Safeguarding</h2>"
                                   "<p>Staff knew how to raise a safeguarding concern and had been trained.</p>",
                                   encoding="utf-8")
    make_docx(inp / "word.docx")
    make_report_pdf(inp / "report.pdf")
    bad = {
        "empty.txt": b"",
        "junk.txt": bytes(range(256)) * 4,
        "undecodable.txt": b"\x81\x8d\x8f\x90\x9d",
        "big.txt": report_text(3).encode() * 200,
        "scan.pdf": make_pdf([[], []]),
        "broken.pdf": make_pdf([[(72, 700, 11, "x")]])[:300],
        "broken.docx": b"PK\x03\x04 not really",
        "locked.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le"),
        "labels.txt": b"Title\n\nJust a label\n",
        "sheet.xlsx": b"PK\x03\x04",
    }
    for name, data in bad.items():
        (inp / name).write_bytes(data)
    out = tmp_path / "run"
    code = main(["tag", str(inp), str(tmp_path / "missing.txt"), "--out", str(out), "--jobs", "1",
                 "--max-bytes", "100000", "--quiet"])
    assert code == 1
    status = {Path(e["path"]).name: e["status"] for e in manifest(out)}
    assert status == {
        "good.txt": "ok", "good.md": "ok", "page.html": "ok", "word.docx": "ok", "report.pdf": "ok",
        "empty.txt": "empty", "junk.txt": "binary", "undecodable.txt": "undecodable", "big.txt": "too large",
        "scan.pdf": "no text layer", "broken.pdf": "corrupt", "broken.docx": "corrupt", "locked.docx": "encrypted",
        "labels.txt": "no paragraphs", "missing.txt": "missing",
    }  # sheet.xlsx is not a report: a folder yields only the formats esq reads
    for e in manifest(out):
        assert {"path", "size", "sha256", "status", "message", "seconds", "model"} <= set(e)
        assert e["status"] in ("ok", "no paragraphs", "error", *STATUSES)
        assert e["path"] in e["message"] or e["status"] == "ok"
        assert "\n" not in e["message"]
    assert capsys.readouterr().err == ""  # --quiet: no progress, and never a traceback

    rows = paragraphs(out)
    assert {Path(r["source"]).name for r in rows} == {"good.txt", "good.md", "page.html", "word.docx", "report.pdf"}
    pdf_rows = [r for r in rows if r["source"].endswith(".pdf")]
    assert [r["page"] for r in pdf_rows] == [1, 1, 2, 3, 3]
    assert all(r["page"] is None for r in rows if not r["source"].endswith(".pdf"))
    assert json.loads((out / "run.json").read_text())["status_counts"]["ok"] == 5


def test_same_content_is_tagged_once_and_both_paths_are_recorded(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "report.txt").write_text(report_text(7), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["tag", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    first, second = manifest(out)
    assert first["sha256"] == second["sha256"] and second["duplicate_of"] == first["path"]
    assert second["report"] == first["report"] and second["status"] == "ok"
    assert {r["source"] for r in paragraphs(out)} == {first["path"]}
    assert len(paragraphs(out)) == first["paragraphs"] == 6
    # and it stays so when the run is resumed
    assert main(["tag", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    assert [e["duplicate_of"] for e in manifest(out)] == [None, first["path"]]
    assert len(paragraphs(out)) == 6


def test_rerun_skips_what_is_done_and_redoes_what_changed(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(3):
        (inp / f"r{i}.txt").write_text(report_text(i), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["tag", str(inp), "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    before = {e["path"]: e for e in manifest(out)}
    (inp / "r1.txt").write_text(report_text(11), encoding="utf-8")
    (out / "parts" / ".r0.jsonl.123.tmp").write_text("half a line")  # as a kill mid-write leaves it
    assert main(["tag", str(inp), "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    after = {e["path"]: e for e in manifest(out)}
    assert after[str(inp / "r0.txt")] == before[str(inp / "r0.txt")]  # skipped: the very same line
    assert after[str(inp / "r2.txt")] == before[str(inp / "r2.txt")]
    assert after[str(inp / "r1.txt")]["sha256"] != before[str(inp / "r1.txt")]["sha256"]
    assert [r["report"] for r in paragraphs(out)].count(after[str(inp / "r1.txt")]["report"]) == 6
    assert not list((out / "parts").glob(".*.tmp"))
    # other options are another command: --explain tags everything again
    assert main(["tag", str(inp), "--out", str(out), "--jobs", "1", "--quiet", "--explain", "2"]) == 0
    assert all(e["explain"] == 2 for e in manifest(out)) and all("explanation" in r for r in paragraphs(out))


def test_a_killed_run_is_completed_by_the_next(tmp_path):
    inp = tmp_path / "reports"
    inp.mkdir()
    for i in range(30):
        (inp / f"r{i:02d}.txt").write_text(report_text(i, paragraphs=80), encoding="utf-8")
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "pipeline", "tag", str(inp), "--out", str(out), "--jobs", "1", "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    done_at_kill = []
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done_at_kill = manifest(out)
        except (FileNotFoundError, json.JSONDecodeError) as exc:  # JSONDecodeError would mean a torn write
            assert isinstance(exc, FileNotFoundError)
        if len(done_at_kill) >= 3:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the run ended before it could be killed midway"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_at_kill = manifest(out)  # whole lines only, however the kill fell
    assert 3 <= len(done_at_kill) < 30

    # the rest in two processes: results arrive out of order, the output is in input order all the same
    assert main(["tag", str(inp), "--out", str(out), "--jobs", "2", "--quiet"]) == 0
    entries = manifest(out)
    assert [e["path"] for e in entries] == sorted(str(p) for p in inp.iterdir())
    assert all(e["status"] == "ok" for e in entries)
    for before in done_at_kill:  # what was done was not done again
        assert before in entries
    rows = paragraphs(out)
    per_report = {}
    for r in rows:
        per_report[r["report"]] = per_report.get(r["report"], 0) + 1
    assert per_report == {e["report"]: 80 for e in entries}
    # each report once, in one piece, in input order
    order = [r["report"] for k, r in enumerate(rows) if k == 0 or rows[k - 1]["report"] != r["report"]]
    assert order == [e["report"] for e in entries]


def test_a_worker_that_dies_costs_only_its_own_task():
    # eval in a spawned worker: "os._exit" kills the process as a segfault or the OOM killer would.
    tasks = ["1 + 1", "__import__('os')._exit(3)", "2 + 2", "3 + 3", "4 + 4"]
    results = list(in_processes(eval, tasks, jobs=2, died=lambda task: ("died", task)))
    assert sorted(results, key=str) == sorted([2, ("died", tasks[1]), 4, 6, 8], key=str)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_and_lines_elsewhere():
    tty = _Terminal()
    bar = Progress(stream=tty)
    bar.start(3, already_done=2)
    for path, status in (("a.txt", "ok"), ("b.pdf", "no text layer"), ("c.txt", "ok")):
        bar.update({"path": path, "status": status, "message": f"{path}: a problem" if status != "ok" else "4 paragraphs"})
    bar.close()
    shown = tty.getvalue()
    assert "2 inputs already done; 3 to tag" in shown
    assert "\r" in shown and " 3/3 [" in shown and "ok 2  failed 1" in shown and "100%" in shown
    assert "ETA" in shown and "no text layer: b.pdf: a problem\n" in shown

    log = io.StringIO()
    lines = Progress(stream=log)  # not a terminal: one plain line per input, no control characters
    lines.start(2)
    lines.update({"path": "a.txt", "status": "ok", "message": "4 paragraphs"})
    lines.update({"path": "b.txt", "status": "empty", "message": "b.txt: file is empty"})
    lines.close()
    assert log.getvalue() == "[1/2] a.txt: ok (4 paragraphs)\n[2/2] b.txt: empty - b.txt: file is empty\n"


def test_cli_progress_lines_and_quiet(tmp_path, capsys):
    report = tmp_path / "r.txt"
    report.write_text(report_text(1), encoding="utf-8")
    assert main(["tag", str(report), "--out", str(tmp_path / "a"), "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert f"[1/1] {report}: ok (6 paragraphs)" in err and "tagged 1 of 1 inputs" in err
    assert main(["tag", str(report), "--out", str(tmp_path / "b"), "--jobs", "1", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


PROVIDER = """Inspection Report

Fenmoor House
4 Mill Lane, Stannerby, SY4 2QT

Date of Inspection:\t4 March 2013

We inspected the following standards as part of a routine inspection. This is what we found:

Management of medicines\tAction needed
Staffing\tMet this standard

What people told us and what we found

People told us the staff were kind and that they felt safe living at Fenmoor House.

Outcome 09: Management of medicines

People should have the medicines they need, when they need them, and in a safe way.

Our judgement

The provider was not meeting this standard. We judged that this had a minor impact on people.

Reasons for our judgement

Three of the medicine records we read had gaps that nobody could explain to us.

Outcome 13: Staffing

People should be cared for by enough staff to meet their needs.

Our judgement

The provider was meeting this standard. There were enough staff on every shift we checked.

Reasons for our judgement

Rotas for the last four weeks showed four care workers on each day shift.

About CQC inspections

We are the regulator of health and social care in England.
"""


def test_run_folder_keeps_what_was_left_out_the_verdicts_and_each_input_coverage(tmp_path, capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "provider.txt").write_text(PROVIDER, encoding="utf-8")
    (inp / "numbered.txt").write_text(report_text(4), encoding="utf-8")
    # one finding, then a long table: most of the text is left out, which earns a warning
    rows = "\n".join(f"Ward {k}\t{k + 10} beds\t{k % 3 + 1} nurses\t{k % 4 + 2} care assistants" for k in range(40))
    (inp / "mostly_table.txt").write_text(f"Staffing\n\n{SENTENCES[6]} {SENTENCES[5]}\n\n{rows}\n",
                                          encoding="utf-8")
    (inp / "labels.txt").write_text("Title\n\nJust a label\n", encoding="utf-8")
    out = tmp_path / "run"
    assert main(["tag", str(inp), "--out", str(out), "--jobs", "1"]) == 1  # labels.txt: no paragraphs
    err = capsys.readouterr().err
    entries = {Path(e["path"]).name: e for e in manifest(out)}
    for name, e in entries.items():
        cov = e["coverage"]
        assert cov["chars"] == (cov["findings"] + cov["recommendations"] + cov["front_matter"]
                                + sum(cov["left_out"].values())), name
    assert entries["labels.txt"]["status"] == "no paragraphs" and entries["labels.txt"]["coverage"]["chars"] > 0
    assert entries["mostly_table.txt"]["warning"] and entries["provider.txt"]["warning"] is None
    assert entries["mostly_table.txt"]["coverage"]["left_out"]["table"] > 0
    assert f"warning: {inp / 'mostly_table.txt'}: " in err and "left out" in err

    skipped = [json.loads(l) for l in (out / "skipped.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["reason"] for r in skipped} <= set(REASONS)
    assert {Path(r["source"]).name for r in skipped} == {"provider.txt", "numbered.txt", "mostly_table.txt"}
    for r in skipped:
        assert set(r) == {"report", "source", "start", "end", "reason", "detail", "text"} and len(r["text"]) <= 200
        assert Path(r["source"]).read_text(encoding="utf-8")[r["start"]:r["end"]].startswith(r["text"])
    reasons = {r["reason"] for r in skipped if r["source"].endswith("provider.txt")}
    assert {"boilerplate:expectation", "boilerplate:back-matter", "heading"} <= reasons

    verdicts = [json.loads(l) for l in (out / "verdicts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(v["outcome"], v["verdict"], v["action"], v["impact"], v["source"]) for v in verdicts] == [
        (9, "not_met", "compliance", None, "summary-table"), (13, "met", None, None, "summary-table"),
        (9, "not_met", None, "minor", "judgement"), (13, "met", None, None, "judgement")]
    assert all(v["path"].endswith("provider.txt") and v["report"] == entries["provider.txt"]["report"]
               for v in verdicts)
    # paragraphs.jsonl is as it was: the expectation statements and the verdict lines are not in it
    rows = paragraphs(out)
    assert not any(r["text"].startswith("People should") for r in rows)
    assert sum(r["source"].endswith("provider.txt") for r in rows) == 5

    # a rerun resumes: nothing is tagged again and the run folder's files are whole
    before = {name: (out / name).read_text(encoding="utf-8") for name in ("skipped.jsonl", "verdicts.jsonl")}
    assert main(["tag", str(inp), "--out", str(out), "--jobs", "1"]) == 1
    assert "3 inputs already done" in capsys.readouterr().err
    assert {name: (out / name).read_text(encoding="utf-8") for name in before} == before


def test_exit_codes_and_usage_errors(tmp_path, capsys):
    report = tmp_path / "r.txt"
    report.write_text(report_text(1), encoding="utf-8")
    assert main(["tag", str(report), "--out", str(tmp_path / "ok"), "--jobs", "1", "--quiet"]) == 0
    assert main(["tag", str(report), str(tmp_path / "gone.txt"), "--out", str(tmp_path / "some"), "--jobs", "1",
                 "--quiet"]) == 1
    for bad in (["--jobs", "-1"], ["--max-bytes", "0"], ["--jobs", "many"]):
        with pytest.raises(SystemExit) as exc:
            main(["tag", str(report), "--out", str(tmp_path / "x"), *bad])
        assert exc.value.code == 2
    capsys.readouterr()
    assert main(["tag", str(report), "--out", str(tmp_path / "x"), "--spacy-model", "no_such_pipeline"]) == 2
    assert "no_such_pipeline" in capsys.readouterr().err


def test_model_refused_clearly(tmp_path, capsys):
    import shutil

    from pipeline.model.persist import DEFAULT_MODEL
    report = tmp_path / "r.txt"
    report.write_text(report_text(1), encoding="utf-8")
    not_a_model = tmp_path / "folder"
    not_a_model.mkdir()
    tampered = tmp_path / "tampered"
    shutil.copytree(DEFAULT_MODEL, tampered)
    with open(tampered / json.loads((tampered / "card.json").read_text())["file"]["name"], "ab") as fh:
        fh.write(b"x")
    for model, why in ((not_a_model, "card"), (tampered, "does not match the card")):
        out = tmp_path / model.name
        assert main(["tag", str(report), "--out", str(out), "--model", str(model)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("esq: error: ") and len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert str(model) in err and why in err
        assert not (out / "manifest.jsonl").exists()


def test_one_run_per_folder(tmp_path, capsys):
    fcntl = pytest.importorskip("fcntl")
    report = tmp_path / "r.txt"
    report.write_text(report_text(1), encoding="utf-8")
    out = tmp_path / "run"
    out.mkdir()
    with open(out / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert main(["tag", str(report), "--out", str(out), "--jobs", "1", "--quiet"]) == 2
    assert "another `esq tag` is writing" in capsys.readouterr().err
    assert run([str(report)], out, jobs=1)[0]["status"] == "ok"  # free again


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its permissions")
def test_unreadable_file_gets_a_status_and_the_batch_goes_on(tmp_path):
    secret, fine = tmp_path / "secret.txt", tmp_path / "fine.txt"
    secret.write_text(report_text(1), encoding="utf-8")
    fine.write_text(report_text(2), encoding="utf-8")
    secret.chmod(0)
    entries = run([str(secret), str(fine)], tmp_path / "run", jobs=1)
    assert [e["status"] for e in entries] == ["unreadable", "ok"]


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    # Tests run as root here, where chmod 000 does not stop a read: make open() refuse this one file.
    import builtins

    import pipeline.read.reader as read_module
    secret, fine = tmp_path / "secret.txt", tmp_path / "fine.txt"
    secret.write_text(report_text(1), encoding="utf-8")
    fine.write_text(report_text(2), encoding="utf-8")

    def guarded(path, *args, **kwargs):
        if Path(path) == secret:
            raise PermissionError(13, "Permission denied", str(path))
        return builtins.open(path, *args, **kwargs)
    monkeypatch.setattr(read_module, "open", guarded, raising=False)
    entries = run([str(secret), str(fine)], tmp_path / "run", jobs=1)
    assert [e["status"] for e in entries] == ["unreadable", "ok"]
    assert entries[0]["message"] == f"{secret}: permission denied"
