"""Memory over a long stream whose reports keep bringing words never seen before.

    python benchmarks/bench_new_words.py [--passes 6] [--words 6] [--unbounded]

An archive's names, codes and misspellings are new words without end; every
per-word table (spaCy's vocabulary, esq's n-gram keys and lemmas) would grow
with them.  This streams the corpus's reports ``--passes`` times through
segment → tag with ``--words`` random unseen words added to every paragraph,
and prints the peak RSS the stream added, its CPU time and the size of
spaCy's vocabulary.  ``--unbounded`` lifts esq's bounds (no memory zone,
tables of 400,000 words, as before they were bounded), to compare.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import resource
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passes", type=int, default=6)
    ap.add_argument("--words", type=int, default=6, help="unseen words added to each paragraph")
    ap.add_argument("--unbounded", action="store_true")
    args = ap.parse_args()

    from pipeline.model import ngrams, nlp as nlp_module
    from pipeline.model.persist import load_model
    from pipeline.read.reader import read
    from pipeline.run.tagging import tag_report
    from pipeline.segment.segmenter import segment
    if args.unbounded:
        nlp_module._VOCAB_KEPT = sys.maxsize
        ngrams._Types.__init__.__defaults__ = (400_000,)
        ngrams._WORDS.limit = 400_000
    model, nlp = load_model(), nlp_module.build_nlp()
    reports = [segment(read(p)) for p in sorted((ROOT / "corpus" / "reports").glob("*.md"))]
    rng = random.Random(0)

    def rss() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    start, cpu, n = rss(), time.process_time(), 0
    for _ in range(args.passes):
        for report in reports:
            paragraphs = [dataclasses.replace(p, text=p.text + " " + " ".join(
                "".join(rng.choices(string.ascii_lowercase, k=8)) for _ in range(args.words)))
                for p in report.paragraphs]
            list(tag_report(dataclasses.replace(report, paragraphs=paragraphs), model, nlp))
            n += 1
    print(f"{'unbounded' if args.unbounded else 'esq'}: {n} reports, {args.words} unseen words a paragraph: "
          f"peak RSS +{rss() - start:.0f} MB, {time.process_time() - cpu:.1f} s CPU, "
          f"spaCy vocabulary {len(nlp.vocab.strings):,} strings")


if __name__ == "__main__":
    main()
