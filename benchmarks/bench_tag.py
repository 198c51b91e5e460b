"""Throughput and peak memory of tagging, beside the floor and the peers.

    python benchmarks/bench_tag.py [--sizes 1 10 100 1000] [--model DIR]

For each size N, a fresh subprocess streams N distinct reports through
read → segment → tag, one report in memory at a time, and
reports paragraphs/s, sentences/s, tokens/s and its peak RSS; the whole
process's wall time (imports, model and spaCy loading included) is
measured from outside.  The floor is a blank spaCy tokenizer plus
sentencizer over the same paragraph text (its stream time leaves out
reading and segmenting, which esq's includes; its process time does not);
the peers are the keyword baselines, VADER and TextBlob over the same
sentences.

The corpus has 95 reports; a larger size takes them again with every prose
sentence of the k-th repeat changed (two neighbouring words swapped, at a
place that moves with k), so that texts are not seen again: copies of a
text would hit esq's per-text caches (sentence vectors, cue counts) and
flatter it, the accurate mode several times over.  The run prints how many
of its sentences are distinct (short ones, and phrases the corpus itself
repeats, recur).  The words stay the corpus's, so esq's per-word tables
(each word's n-gram keys and lemma) are emptied after every pass, as if
each pass brought new words.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _corpus() -> list[Path]:
    return sorted((ROOT / "corpus" / "reports").glob("*.md"))


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _varied(sentence: str, k: int) -> str:
    # two neighbouring words swapped (never the first), at a place that moves with the repeat k
    words = sentence.split(" ")
    if len(words) < 4:
        return sentence
    j = 1 + (k - 1) % (len(words) - 2)
    words[j], words[j + 1] = words[j + 1], words[j]
    return " ".join(words)


def _prose(line: str) -> bool:
    # headings, table rows and front-matter fields keep their form: the segmenter reads them
    return "\t" not in line and not line.startswith("#") and len(line.split()) >= 12


def write_reports(n: int, folder: Path) -> tuple[int, int]:
    """Write ``n`` distinct reports into ``folder`` (see the module's docstring); return the
    number of prose sentences written and how many of them are distinct."""
    corpus = _corpus()
    seen, total = set(), 0
    for i in range(n):
        source, k = corpus[i % len(corpus)], i // len(corpus)
        lines = source.read_text(encoding="utf-8").split("\n")
        for at, line in enumerate(lines):
            if at and _prose(line):  # the first line is the title
                sentences = [_varied(x, k) if k else x for x in _SENTENCE.split(line)]
                lines[at] = " ".join(sentences)
                total += len(sentences)
                seen.update(hash(x) for x in sentences)
        (folder / f"{i:05d}-{source.name}").write_text("\n".join(lines), encoding="utf-8")
    return total, len(seen)


def _child(kind: str, folder: str, model_dir: str | None) -> dict:
    # spaCy as esq imports it (thinc would otherwise import PyTorch, if installed, into the floor and esq
    # alike); reading and segmenting bring no scikit-learn or pandas, so the floor's process pays only spaCy
    from pipeline._imports import import_spacy
    spacy = import_spacy()

    from pipeline.read.reader import read
    from pipeline.segment.segmenter import segment

    paths = sorted(Path(folder).glob("*.md"))
    n = len(paths)
    tokens = paragraphs = 0
    sentences = 0
    if kind == "esq":
        from pipeline.model.nlp import build_nlp
        from pipeline.model.persist import load_model
        from pipeline.run.tagging import tag_report

        t_load = time.perf_counter()
        model, nlp = load_model(model_dir), build_nlp()
        load_seconds = time.perf_counter() - t_load
        t0 = time.perf_counter()
        corpus_size = len(_corpus())
        for i, p in enumerate(paths, 1):
            for rec in tag_report(segment(read(p)), model, nlp):
                paragraphs += 1
                sentences += len(rec["sentences"])
                tokens += len(rec["text"].split())
            if i % corpus_size == 0:
                _forget_words()
    elif kind == "floor":
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        t0, outside = time.perf_counter(), 0.0
        for p in paths:
            # the floor is the tokenizer and sentencizer alone: reading and segmenting are not its cost
            t_read = time.perf_counter()
            texts = [para.text for para in segment(read(p)).paragraphs]
            outside += time.perf_counter() - t_read
            for doc in nlp.pipe(texts):
                paragraphs += 1
                sentences += sum(1 for _ in doc.sents)
                tokens += len(doc.text.split())
    else:
        from pandas import DataFrame

        from pipeline.evaluation.peers import PeerUnavailable, make_peer
        task, name = kind.split(":")
        try:
            peer = make_peer(task, name).fit(None) if name != "spacy_textcat" else None
        except PeerUnavailable as exc:
            return {"kind": kind, "skipped": str(exc)}
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        t0 = time.perf_counter()
        for p in paths:
            texts = [para.text for para in segment(read(p)).paragraphs]
            if task == "sentiment":
                texts = [s.text for doc in nlp.pipe(texts) for s in doc.sents]
            peer.predict(DataFrame({"text": texts}))
            paragraphs += len(texts)
            tokens += sum(len(t.split()) for t in texts)
    seconds = time.perf_counter() - t0 - (outside if kind == "floor" else 0.0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "reports": n, "units": paragraphs, "sentences": sentences, "tokens": tokens,
            "seconds": round(seconds, 3), "units_per_s": round(paragraphs / seconds, 1),
            "sentences_per_s": round(sentences / seconds, 1), "tokens_per_s": round(tokens / seconds, 1),
            "peak_rss_mb": round(peak_mb, 1), "load_seconds": round(load_seconds, 3) if kind == "esq" else None}


def _forget_words() -> None:
    """Empty esq's per-word tables (each word's n-gram keys and lemma): a pass over the corpus again
    learns its words anew, as a stream of new reports would learn their rare words."""
    from pipeline.model import ngrams, nlp
    ngrams._WORDS.clear()
    for table in ngrams._CHARS.values():
        table.clear()
    for table in nlp._LEMMA_CACHE.values():
        table.clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    ap.add_argument("--model", help="model folder (default: the shipped fast model)")
    peers = ["outcome:keywords", "sentiment:keywords", "sentiment:vader", "sentiment:textblob"]
    # both options write `peers`: argparse takes the first one's default, so both carry it
    ap.add_argument("--no-peers", dest="peers", action="store_const", const=[], default=peers)
    ap.add_argument("--peers", nargs="*", default=peers)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], args.child[1], args.model)))
        return
    scratch = tempfile.TemporaryDirectory(prefix="esq-bench-")
    folders = {}
    for n in sorted(set(args.sizes) | {min(max(args.sizes), 100)}):
        folders[n] = Path(scratch.name) / str(n)
        folders[n].mkdir()
        total, distinct = write_reports(n, folders[n])
        print(f"{n} reports: {distinct} of their {total} prose sentences distinct")

    def run(kind, n):
        cmd = [sys.executable, __file__, "--child", kind, str(folders[n])]
        cmd += ["--model", args.model] if args.model else []
        started = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        result["process_seconds"] = round(time.perf_counter() - started, 3)
        return result

    mode = "esq " + (json.loads((Path(args.model) / "card.json").read_text())["mode"] if args.model else "fast")
    print(f"{'what':<14} {'reports':>7} {'paragraphs':>10} {'sentences':>9} {'stream s':>8} {'process s':>9} "
          f"{'paras/s':>8} {'sents/s':>8} {'tokens/s':>9} {'peak MB':>8} {'/ floor':>8} {'/ floor (process)':>17}")
    for n in args.sizes:
        floor = run("floor", n)
        esq = run("esq", n)
        for name, r in (("floor", floor), (mode, esq)):
            ratio = r["seconds"] / max(floor["seconds"], 1e-9)
            whole = r["process_seconds"] / max(floor["process_seconds"], 1e-9)
            print(f"{name:<14} {n:>7} {r['units']:>10} {r['sentences']:>9} {r['seconds']:>8.2f} "
                  f"{r['process_seconds']:>9.2f} {r['units_per_s']:>8.1f} {r['sentences_per_s']:>8.1f} "
                  f"{r['tokens_per_s']:>9.0f} {r['peak_rss_mb']:>8.0f} {ratio:>7.1f}x {whole:>16.1f}x")
        print(f"{'':<14} loading the model and spaCy: {esq['load_seconds']:.2f} s")
    n = max(args.sizes) if max(args.sizes) <= 100 else 100
    for kind in args.peers:
        r = run(kind, n)
        if "skipped" in r:
            print(f"{kind:<22} skipped: {r['skipped']}")
            continue
        print(f"{kind:<22} {n:>7} {r['units']:>7} {r['seconds']:>8.2f} {r['units_per_s']:>9.1f} units/s "
              f"{r['tokens_per_s']:>10.0f} tokens/s {r['peak_rss_mb']:>8.0f} MB")


if __name__ == "__main__":
    main()
