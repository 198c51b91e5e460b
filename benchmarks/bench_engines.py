"""Reports per second of `esq tag` with the local engine and with Dask (1 and 2 workers) on this machine.

    python benchmarks/bench_engines.py [--reports 48] [--model models/esq-fast]

Each engine tags 1 report (cold: a Dask cluster's workers load the model
here), 1 other report again (warm) and then ``--reports`` reports (the
corpus's, cycled, each copy made unique so none is skipped as a duplicate),
each into a fresh run folder.  The figures: wall time of each run, the
marginal rate ``(N - 1) / (T_N - T_1 warm)`` that a long run converges to
(every run loads and checks the model in the client once, which the
difference cancels, if its time does not vary), the steady rate (inputs
finished after the first batch came back, over the time since: tagging
alone, without any start-up), the run folder's size per report (JSONL parts, Parquet
parts, manifest) and the peak memory of the client and of each Dask worker.
Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_inputs(folder: Path, n: int) -> list[str]:
    reports = sorted((ROOT / "corpus" / "reports").glob("*.md"))
    out = []
    for k in range(n):
        src = reports[k % len(reports)]
        dst = folder / f"{src.stem}-{k:05d}.md"
        # a different last line: the same content would be tagged once and the copies only listed
        dst.write_text(src.read_text(encoding="utf-8") + f"\n\nReference {k:05d}.\n", encoding="utf-8")
        out.append(str(dst))
    return out


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def worker_peak(scheduler: str) -> list[int]:
    from distributed import Client

    def peak() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    with Client(scheduler) as client:
        return sorted(client.run(peak).values())


def one(engine: str, workers: int, inputs: list[str], base: Path, model: str | None) -> dict:
    from pipeline.run.batch import run
    cluster = None
    scheduler = None
    if engine == "dask":
        from distributed import LocalCluster
        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               silence_logs=logging.ERROR, dashboard_address=":0")
        scheduler = cluster.scheduler_address
        cluster_start = time.perf_counter() - t0
    try:
        times, done_at = {}, []
        for label, chunk in (("cold", inputs[-1:]), (1, inputs[:1]), (len(inputs), inputs)):
            out = base / f"{engine}{workers}-{label}"
            done_at.clear()
            t0 = time.perf_counter()
            entries = run(chunk, out, model_dir=model, jobs=workers, engine=engine, scheduler=scheduler,
                          log=lambda line: done_at.append(time.perf_counter()) if line.startswith("[") else None)
            times[label] = time.perf_counter() - t0
            assert all(e["status"] == "ok" for e in entries), [e for e in entries if e["status"] != "ok"][:1]
        n = len(inputs)
        result = {"engine": engine, "workers": workers, "reports": n, "cold": times["cold"], "t1": times[1],
                  "tN": times[n],
                  "rate": n / times[n], "marginal": (n - 1) / max(times[n] - times[1], 1e-9),
                  # inputs finished after the first batch came back, over the time since: tagging alone
                  "steady": sum(t > done_at[0] + 0.05 for t in done_at) / max(done_at[-1] - done_at[0], 1e-9),
                  "bytes_per_report": folder_bytes(base / f"{engine}{workers}-{n}") / n,
                  "parquet_per_report": folder_bytes(base / f"{engine}{workers}-{n}" / "parquet") / n,
                  "paragraphs": sum(e["paragraphs"] for e in entries)}
        if cluster is not None:
            result["cluster_start"] = cluster_start
            result["worker_peak"] = worker_peak(scheduler)
        return result
    finally:
        if cluster is not None:
            cluster.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=48)
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="esq-bench-engines-"))
    try:
        (base / "in").mkdir()
        inputs = make_inputs(base / "in", args.reports)
        rows = [one("local", 1, inputs, base, args.model), one("dask", 1, inputs, base, args.model),
                one("dask", 2, inputs, base, args.model)]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"{args.reports} reports ({rows[0]['paragraphs']} paragraphs), model {args.model or 'shipped (fast)'}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print("| engine | workers | cluster start (s) | 1 report cold (s) | 1 report warm (s) | N reports (s) "
          "| reports/s overall | reports/s marginal | reports/s steady | run folder / report | of it Parquet "
          "| worker peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        peak = ", ".join(f"{b / 2**20:.0f} MB" for b in r.get("worker_peak", [])) or "-"
        start = f"{r['cluster_start']:.1f}" if "cluster_start" in r else "-"
        print(f"| {r['engine']} | {r['workers']} | {start} | {r['cold']:.1f} | {r['t1']:.1f} | {r['tN']:.1f} | "
              f"{r['rate']:.2f} | {r['marginal']:.2f} | {r['steady']:.2f} | {r['bytes_per_report'] / 1024:.0f} kB | "
              f"{r['parquet_per_report'] / 1024:.0f} kB | {peak} |")
    print(f"client peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
