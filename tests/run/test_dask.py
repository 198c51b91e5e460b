"""`esq tag --engine dask`: the corpus and bad inputs on a 2-worker LocalCluster, the same output as the
local engine, a worker killed mid-run, resumption, URLs, and the Parquet parts."""

import json
import logging
import os
import shutil
import signal
import threading
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

import pandas as pd  # noqa: E402

from pipeline.cli import main  # noqa: E402
from pipeline.run.batch import run  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# Four of the corpus' smallest reports, one of each kind of template.
REPORTS = [ROOT / "corpus" / "reports" / name for name in (
    "h4_narrative_fenwick_vale.md", "h6_provider_harbourview_ambulance.md", "h1_provider_quayside_dental.md",
    "h3_joint_dunmorrow.md")]


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster
    c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, silence_logs=logging.ERROR,
                     dashboard_address=":0")
    yield c
    c.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[str]:
    """The reports and a folder of bad inputs: empty, binary, not a report, no findings, a copy, missing."""
    bad = tmp_path_factory.mktemp("bad")
    (bad / "empty.txt").write_bytes(b"")
    (bad / "junk.txt").write_bytes(bytes(range(256)) * 4)
    (bad / "labels.txt").write_text("Title\n\nJust a label\n", encoding="utf-8")
    (bad / "notes.rtf").write_text("{\\rtf1 not read}", encoding="utf-8")
    shutil.copy(REPORTS[0], bad / "copy.md")
    return [*map(str, REPORTS), str(bad / "empty.txt"), str(bad / "junk.txt"), str(bad / "labels.txt"),
            str(bad / "notes.rtf"), str(bad / "copy.md"), str(bad / "missing.txt")]


@pytest.fixture(scope="module")
def local_run(inputs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "run"
    run(inputs, out, jobs=1)
    return out


def manifest(out: Path, keep_seconds: bool = False) -> list[dict]:
    lines = [json.loads(l) for l in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    for e in lines:
        if not keep_seconds:
            e.pop("seconds")
    return lines


def table(out: Path, name: str) -> pd.DataFrame:
    keys = ["report", "paragraph_index"] + (["sentence_index"] if name == "sentences" else [])
    return pd.read_parquet(out / "parquet" / name).sort_values(keys).reset_index(drop=True)


def assert_same_output(a: Path, b: Path) -> None:
    assert manifest(a) == manifest(b)
    for name in ("paragraphs.jsonl", "skipped.jsonl", "verdicts.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for name in ("paragraphs", "sentences"):
        pd.testing.assert_frame_equal(table(a, name), table(b, name))
    assert json.loads((a / "run.json").read_text()) == json.loads((b / "run.json").read_text())


def test_corpus_and_bad_inputs_on_two_workers_equal_the_local_engine(cluster, inputs, local_run, tmp_path):
    out = tmp_path / "run"
    lines: list[str] = []
    entries = run(inputs, out, engine="dask", scheduler=cluster.scheduler_address, log=lines.append)
    status = {Path(e["path"]).name: e["status"] for e in entries}
    assert status == {**{p.name: "ok" for p in REPORTS}, "empty.txt": "empty", "junk.txt": "binary",
                      "labels.txt": "no paragraphs", "notes.rtf": "unsupported", "copy.md": "ok",
                      "missing.txt": "missing"}
    assert entries[8]["duplicate_of"] == str(REPORTS[0])
    assert lines[0].startswith(f"Dask scheduler {cluster.scheduler_address}, 2 workers; dashboard http")
    assert sum(l.startswith("[") for l in lines) == len(inputs)  # one progress line per input, as locally
    assert_same_output(local_run, out)
    paragraphs = table(out, "paragraphs")
    assert len(paragraphs) == sum(e["paragraphs"] for e in entries if not e["duplicate_of"]) > 100
    assert len(table(out, "sentences")) == paragraphs["sentences"].sum()

    # the same command again: the tagged reports are done (the same lines, timings and all); the bad
    # inputs are tried again, and the copy matched again
    before = manifest(out, keep_seconds=True)
    lines.clear()
    run(inputs, out, engine="dask", scheduler=cluster.scheduler_address, log=lines.append)
    assert f"{len(REPORTS)} inputs already done; {len(inputs) - len(REPORTS)} to tag" in lines
    after = manifest(out, keep_seconds=True)
    assert after[:len(REPORTS)] == before[:len(REPORTS)]
    assert_same_output(local_run, out)


def test_a_worker_killed_mid_run_loses_nothing(cluster, inputs, local_run, tmp_path):
    from distributed import Client
    with Client(cluster.scheduler_address) as client:
        pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    killed = threading.Event()

    def log(line):
        if line.startswith("[") and not killed.is_set():  # the first input is done, the rest are not
            os.kill(victim, signal.SIGKILL)
            killed.set()

    out = tmp_path / "run"
    result = {}
    # A thread, so that a run that never ends fails the test instead of hanging it.
    worker = threading.Thread(target=lambda: result.update(entries=run(
        inputs, out, engine="dask", scheduler=cluster.scheduler_address, batch=1, log=log)), daemon=True)
    worker.start()
    worker.join(timeout=240)
    assert not worker.is_alive(), "the run did not finish after a worker was killed"
    assert killed.is_set()
    with pytest.raises(ProcessLookupError):
        os.kill(victim, 0)
    assert [e["status"] for e in result["entries"]] == [e["status"] for e in manifest(local_run)]
    assert_same_output(local_run, out)


def test_cli_starts_a_local_cluster_reads_urls_and_reports_failures(tmp_path, capsys):
    out = tmp_path / "run"
    url = REPORTS[1].as_uri()  # file:///...: read by the worker through fsspec
    code = main(["tag", url, str(tmp_path / "missing.txt"), "--out", str(out), "--engine", "dask", "--jobs", "1"])
    assert code == 1
    err = capsys.readouterr().err
    assert "Dask scheduler tcp://" in err and "1 workers" in err
    assert "tagged 1 of 2 inputs" in err and "Traceback" not in err
    ok, missing = manifest(out)
    assert ok["status"] == "ok" and ok["path"] == url and missing["status"] == "missing"
    rows = [json.loads(l) for l in (out / "paragraphs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows and {r["source"] for r in rows} == {url}
    assert ok["report"].startswith("h6_provider_harbourview_ambulance-")

    assert main(["tag", str(REPORTS[0]), "--out", str(tmp_path / "x"), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path, capsys):
    code = main(["tag", str(REPORTS[0]), "--out", str(tmp_path / "run"), "--engine", "dask",
                 "--scheduler", "tcp://127.0.0.1:9", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("esq: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9") and err.count("\n") == 1


def test_parquet_parts_hold_each_tagged_report_once(local_run, inputs, tmp_path):
    # a report that changes is tagged again: its old rows leave the parts, the new ones come in
    inp = tmp_path / "in"
    inp.mkdir()
    for p in REPORTS[:2]:
        shutil.copy(p, inp / p.name)
    out = tmp_path / "run"
    run([str(inp)], out, jobs=1, batch=1)
    changed = inp / REPORTS[1].name
    changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more paragraph about staff.\n", encoding="utf-8")
    run([str(inp)], out, jobs=1, batch=1)
    reports = {e["report"] for e in manifest(out)}
    paragraphs = pd.read_parquet(out / "parquet" / "paragraphs")
    assert set(paragraphs["report"]) == reports
    assert len(paragraphs) == sum(e["paragraphs"] for e in manifest(out))
    assert not list((out / "parquet").rglob(".*.tmp"))
