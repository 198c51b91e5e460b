"""``esq``: thin commands that parse arguments and call the API.

Exit codes: 0 success; 1 some inputs failed (or a check found problems);
2 usage error (bad arguments, untrusted or missing model, unreadable corpus);
130 interrupted (Ctrl-C, or SIGTERM during ``esq tag``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["main"]


def _fail(message: str, code: int = 2) -> int:
    print(f"esq: error: {message}", file=sys.stderr)
    return code


def cmd_tag(args) -> int:
    import signal
    import threading

    from .run.batch import default_jobs, run
    from .model.persist import ModelError
    from .run.progress import Progress

    def stop(signum, frame):
        raise KeyboardInterrupt  # a kill is a Ctrl-C: stop the workers, leave a folder the next run completes

    main_thread = threading.current_thread() is threading.main_thread()  # only it may set signal handlers
    previous = signal.signal(signal.SIGTERM, stop) if main_thread else None
    try:
        entries = run(args.inputs, args.out, model_dir=args.model, trust_pickle=args.trust_pickle,
                      jobs=args.jobs or default_jobs(),
                      explain=args.explain, max_bytes=args.max_bytes, spacy_model=args.spacy_model,
                      progress=None if args.quiet else Progress(), engine=args.engine, scheduler=args.scheduler)
    except (ModelError, ValueError) as exc:
        return _fail(str(exc))
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    failed: dict[str, int] = {}
    for e in entries:
        if e["status"] != "ok":
            failed[e["status"]] = failed.get(e["status"], 0) + 1
    if not args.quiet:
        ok = len(entries) - sum(failed.values())
        print(f"tagged {ok} of {len(entries)} inputs into {args.out}"
              + (f"; {sum(failed.values())} failed ({', '.join(f'{n} {s}' for s, n in sorted(failed.items()))}; "
                 f"see {Path(args.out) / 'manifest.jsonl'})" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


def _count(minimum: int):
    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"{n} is below {minimum}")
        return n
    return parse


def cmd_report(args) -> int:
    from .report.compare import compare
    from .report.correct import load_error_model
    from .report.groups import read_group_file
    from .report.render import figures_available, parquet_available, write_report
    from .report.summarize import summarize
    from .report.validity import read_verdicts
    run_dir = Path(args.run)
    paragraphs = run_dir / "paragraphs.jsonl"
    manifest_path = run_dir / "manifest.jsonl"
    if not paragraphs.exists() and not manifest_path.exists():
        return _fail(f"{run_dir}: not a tagged run (no paragraphs.jsonl); run `esq tag ... --out {run_dir}` first")

    def lines(path: Path) -> list[dict]:
        rows = []
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{path} line {n}: not JSON ({exc.msg})") from None
        return rows

    try:
        groups = read_group_file(args.groups) if args.groups else None
        manifest = lines(manifest_path) if manifest_path.exists() else []
        from .report.columnar import has_parquet, read_run
        # A run with Parquet parts is reduced from them, part by part: an archive's records do not fit in memory.
        columnar = has_parquet(run_dir)
        records = (read_run(run_dir, manifest, args.evidence) if columnar
                   else lines(paragraphs) if paragraphs.exists() else [])
        if not records:
            statuses: dict[str, int] = {}
            for m in manifest:
                statuses[m.get("status", "?")] = statuses.get(m.get("status", "?"), 0) + 1
            what = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "no inputs"
            return _fail(f"{run_dir}: no tagged paragraphs to report on ({what}; see {manifest_path})", 1)
        error, why = load_error_model(run_dir, args.model_dir)
        verdicts = read_verdicts(run_dir)
        if args.by_framework:  # every table then groups by 2014 regulation or key question, not by outcome
            from .report.frameworks import regroup
            records = records.regrouped(args.by_framework) if columnar else regroup(records, args.by_framework)
            verdicts = regroup(verdicts, args.by_framework) if verdicts else verdicts
        summary = summarize(records, args.evidence, meta=manifest)
        comparison = compare(records, manifest, by=groups if groups is not None else args.group_by,
                             resamples=args.resamples, seed=args.seed, min_judged=args.min_judged,
                             evidence_per_kind=args.evidence, error=error, error_note=why,
                             verdicts=verdicts if verdicts is not None else [])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        detail = f"a record lacks {exc}" if isinstance(exc, KeyError) else str(exc)
        known = str(detail).startswith((str(run_dir), str(args.groups or run_dir)))
        return _fail(detail if known else f"{paragraphs}: {detail}")
    out = Path(args.out) if args.out else run_dir / "report"
    written = write_report(summary, out, comparison=comparison)
    print(f"wrote {len(written)} files to {out} (open {out / 'report.html'})", file=sys.stderr)
    if comparison.corrected:
        print(f"esq: corrected shares: {comparison.correction}", file=sys.stderr)
    else:
        print(f"esq: note: no corrected shares: {comparison.correction}", file=sys.stderr)
    if not verdicts:
        print(f"esq: note: no validity against verdicts: {run_dir} holds no verdicts.jsonl"
              + (" (it is empty)" if verdicts == [] else ""), file=sys.stderr)
    if comparison.left_out:
        print(f"esq: note: {len(comparison.left_out)} reports are not in {args.groups} and were left out: "
              + ", ".join(comparison.left_out), file=sys.stderr)
    if not parquet_available():
        print("esq: note: no Parquet files: pyarrow cannot be imported (pip install pyarrow)", file=sys.stderr)
    if not figures_available():
        print("esq: note: no figures: matplotlib cannot be imported (pip install matplotlib)", file=sys.stderr)
    return 0


def cmd_train(args) -> int:
    from .corpus.store import CorpusError
    from .model.embed import EncoderUnavailable
    from .training.train import train
    try:
        model = train(args.corpus or None, out=args.out, folds=args.folds, seed=args.seed,
                      spacy_model=args.spacy_model, mode=args.mode, scheme=args.scheme, n_jobs=args.jobs,
                      encoders={task: enc for task, enc in (("outcome", args.outcome_encoder),
                                                            ("sentiment", args.sentiment_encoder)) if enc},
                      finetune={"epochs": args.epochs, "max_examples": args.max_examples, "seed": args.seed,
                                "top_layers": args.top_layers, "learning_rate": args.learning_rate,
                                "rank": args.rank or None})
    except (CorpusError, ValueError, EncoderUnavailable) as exc:
        return _fail(str(exc))
    ev = model.card["evaluation"]
    print(f"model {model.id} written to {args.out}\n"
          f"  outcome   accuracy {ev['outcome']['accuracy']:.3f}  macro-F1 {ev['outcome']['macro_f1']:.3f}\n"
          f"  sentiment accuracy {ev['sentiment']['accuracy']:.3f}  macro-F1 {ev['sentiment']['macro_f1']:.3f}\n"
          f"  ({ev['method']})")
    return 0


_SCHEME_TITLES = {"grouped": "report-grouped cross-validation",
                  "kind": "leave one report kind out (train on the other kinds)",
                  "round": "leave one writing round out (train on the other rounds' writers)"}


def _variant_names(spec: str | None) -> list[str] | None:
    from .evaluation.evaluate import VARIANTS
    if not spec:
        return None
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    return names


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def cmd_evaluate(args) -> int:
    from .corpus.store import DEFAULT_CORPUS, CorpusError, load
    from .evaluation.evaluate import comparison_table, cross_validate, evaluate_real
    from .training.train import training_frames
    result: dict = {}
    frames = None
    try:
        if not args.skip_cv:
            frames = training_frames(load([DEFAULT_CORPUS, *args.corpus]))
            variants, skipped = ({}, {})
            if args.variants:
                from .evaluation.evaluate import variant_factories
                variants, skipped = variant_factories(_variant_names(args.variants))
            for scheme in args.scheme or ["grouped"]:
                res = cross_validate(frames, folds=args.folds, seed=args.seed, peers=not args.no_peers,
                                     variants=variants, scheme=scheme, n_jobs=args.jobs)
                res["skipped"].update(skipped)
                print(f"== {_SCHEME_TITLES[scheme]}")
                print(comparison_table(res))
                if scheme == "grouped":
                    result.update(res)
                else:
                    result[f"leave_one_{scheme}_out"] = res
        if args.real:
            from .api import tag
            from .run.batch import read_jsonl
            from .model.persist import load_model
            df = tag([args.real], model=load_model(args.model, trust_pickle=args.trust_pickle), errors="skip")
            gold = list(read_jsonl(Path(args.gold))) if args.gold else None
            real = evaluate_real(df.to_dict("records"), gold)
            result["real"] = real
            if "outcome" in real:
                print(f"real reports ({args.real}): {real['paragraphs_with_headings']} paragraphs under outcome "
                      f"headings; heading-blind outcome accuracy {real['outcome']['accuracy']:.3f}, "
                      f"macro-F1 {real['outcome']['macro_f1']:.3f}")
            if real.get("sentiment"):
                print(f"  sentence sentiment accuracy {real['sentiment']['accuracy']:.3f}, "
                      f"macro-F1 {real['sentiment']['macro_f1']:.3f}")
            for task in ("outcome", "sentiment"):
                review = (real.get(task) or {}).get("review")
                if review:
                    print(f"  {task} flagged for review: {review['flagged']} ({review['share_flagged']:.0%}), "
                          f"accuracy {_figure(review['accuracy_flagged'])} flagged, "
                          f"{_figure(review['accuracy_not_flagged'])} not flagged")
            if not args.no_peers:
                from .evaluation.evaluate import real_peers
                result["real_peers"] = rp = real_peers(df.to_dict("records"), gold)
                for task in ("outcome", "sentiment"):
                    for name, m in rp[task].items():
                        print(f"  peer {name:<13} {task:<9} accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}")
                for name, why in rp["skipped"].items():
                    print(f"  skipped {name}: {why}")
            if args.variants:
                from .run.batch import expand_inputs
                from .evaluation.evaluate import real_variants
                if frames is None:  # --skip-cv: the corpus has not been read yet
                    frames = training_frames(load([DEFAULT_CORPUS, *args.corpus]))
                result["real_variants"] = real_variants(frames, expand_inputs([args.real]),
                                                        names=_variant_names(args.variants), gold=gold)
                for name, r in result["real_variants"].items():
                    if "outcome" in r:
                        print(f"  {name:<18} heading-blind outcome accuracy {r['outcome']['accuracy']:.3f}, "
                              f"macro-F1 {r['outcome']['macro_f1']:.3f}"
                              + (f"; sentiment macro-F1 {r['sentiment']['macro_f1']:.3f}" if r.get("sentiment") else ""))
    except (CorpusError, ValueError) as exc:
        return _fail(str(exc))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def cmd_review(args) -> int:
    from .run.review import review_run
    fmt = args.format or ("labelstudio" if Path(args.out).suffix.lower() == ".json" else "prodigy")
    try:
        res = review_run(args.run, args.out, fmt=fmt, limit=args.limit)
    except (ValueError, OSError) as exc:
        return _fail(str(exc))
    least = "" if res["least_sure"] is None else f", confidence from {res['least_sure']:.2f}"
    print(f"wrote {res['tasks']} {fmt} tasks ({res['sentences']} sentences, {res['outcomes']} outcomes{least}) of "
          f"{res['paragraphs_in_run']} paragraphs to {', '.join(res['files'])}", file=sys.stderr)
    return 0


def cmd_model(args) -> int:
    from .model.persist import MODEL_FILE, ModelError, convert_model
    try:
        convert_model(args.directory, trust_pickle=args.trust_pickle)
    except ModelError as exc:
        return _fail(str(exc))
    print(f"{args.directory}: re-saved as {MODEL_FILE}; the card names it and the pickle is removed", file=sys.stderr)
    return 0


_TRUST_PICKLE = ("read a model saved before esq 0.2 as model.joblib, a pickle that can run any code when loaded "
                 "(only from a source you trust; `esq model convert` re-saves it safely)")


def cmd_corpus(args) -> int:
    from . import corpus
    root = Path(args.folder) if getattr(args, "folder", None) else corpus.DEFAULT_CORPUS
    try:
        if args.corpus_cmd == "check":
            problems = corpus.check(root)
            for p in problems:
                print(p)
            print(f"{root}: {'ok' if not problems else f'{len(problems)} problems'}", file=sys.stderr)
            return 1 if problems else 0
        if args.corpus_cmd == "stats":
            s = corpus.stats(root)
            if args.json:
                print(json.dumps(s, indent=2))
            else:
                print(f"reports {s['reports']}  paragraphs {s['paragraphs']}  sentences {s['sentences']}")
                for kind, k in sorted(s["by_kind"].items()):
                    print(f"  {kind:<10} reports {k['reports']:>3}  paragraphs {k['paragraphs']:>5}  "
                          f"sentences {k['sentences']:>5}")
                print("sentiment share: " + ", ".join(f"{k} {v:.1%}" for k, v in s["sentiment_share"].items()))
                print("paragraphs per outcome: " + ", ".join(f"{k}:{v}" for k, v in sorted(
                    s["outcomes"].items(), key=lambda kv: (kv[0] != "general", kv[0].zfill(2)))))
                if s["below_60"]:
                    print("below 60 paragraphs: " + ", ".join(s["below_60"]))
            return 0
        if args.corpus_cmd == "export":
            out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
            try:
                for rec in corpus.export_records(root):
                    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            finally:
                if args.out:
                    out.close()
            return 0
        if args.corpus_cmd == "from-headings":
            from .run.batch import expand_inputs
            res = corpus.from_headings(expand_inputs(args.inputs), args.out)
            for s in res["skipped"]:
                print(f"skipped {s}", file=sys.stderr)
            print(f"wrote {res['paragraphs']} silver paragraphs from {res['reports']} reports to {args.out}")
            return 1 if res["skipped"] else 0
        if args.corpus_cmd == "agreement":
            when = "after" if args.resolved else "before"
            print(f"blind second pass, {when} resolving disagreements:")
            for res in corpus.agreement_batches(root, resolved=args.resolved):
                print(f"  {res['batch']:<10} {res['paragraphs']:>4} paragraphs {res['sentences']:>5} sentences  "
                      f"outcome kappa {res['outcome']['kappa']:.3f} (agreement {res['outcome']['agreement']:.3f})  "
                      f"sentiment kappa {res['sentiment']['kappa']:.3f} (agreement {res['sentiment']['agreement']:.3f})")
            return 0
        if args.corpus_cmd == "build":
            cat = corpus.build_from_drafts(args.drafts, root)
            print(f"built {len(cat)} reports into {root}")
            return 0
        if args.corpus_cmd == "import":
            from .corpus.importer import import_reviewed
            res = import_reviewed(args.file, args.tool, args.out, sources=args.sources, kind=args.kind)
            for s in res["skipped"]:
                print(f"skipped {s}", file=sys.stderr)
            print(f"imported {res['paragraphs']} paragraphs ({res['labelled_sentences']} of {res['sentences']} "
                  f"sentences labelled) from {res['reports']} reports into {args.out}; "
                  f"check with `esq corpus check {args.out}`", file=sys.stderr)
            return 0
    except corpus.CorpusError as exc:
        return _fail(str(exc))
    return 2


def parser() -> argparse.ArgumentParser:
    from ._version import __version__
    ap = argparse.ArgumentParser(
        prog="esq", description="Tag inspection reports with CQC outcomes and sentiment.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="stages (pipeline/): read → segment → model → run → report; corpus → evaluation → training\n"
               "  tag       read, segment, model, run      report    report\n"
               "  train     corpus, evaluation, training   evaluate  corpus, evaluation\n"
               "  corpus    corpus")
    ap.add_argument("--version", action="version", version=f"esq {__version__}")
    sub = ap.add_subparsers(dest="cmd", required=True)

    t = sub.add_parser("tag", help="tag reports into a run folder",
                       description="Tag reports (.txt, .md, .html, .docx, .pdf) into a run folder; running the "
                                   "same command again resumes. Exit 0: all tagged; 1: some inputs failed "
                                   "(see DIR/manifest.jsonl); 2: usage error.")
    t.add_argument("inputs", nargs="+", help="files, folders (recursive), globs, @file listing paths, or URLs "
                   "(s3://, gs://, file://)")
    t.add_argument("--out", required=True, help="run folder")
    t.add_argument("--model", help="model directory (default: the shipped model)")
    t.add_argument("--trust-pickle", action="store_true", help=_TRUST_PICKLE)
    t.add_argument("--jobs", type=_count(0), default=0,
                   help="processes, or the LocalCluster's workers with --engine dask (default 0: all cores)")
    t.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="local: this machine's processes; dask: a Dask cluster (pip install 'esq[dask]')")
    t.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: the scheduler to submit to (default: start a LocalCluster)")
    t.add_argument("--explain", type=_count(0), nargs="?", const=5, default=0, help="add the top N terms (default 5)")
    t.add_argument("--max-bytes", type=_count(1), default=20_000_000,
                   help="inputs larger than this get the status 'too large' (default 20000000)")
    t.add_argument("--spacy-model", help="an installed spaCy pipeline to use instead of the built-in one")
    t.add_argument("--quiet", action="store_true", help="no progress bar or log lines")
    t.set_defaults(func=cmd_tag)

    r = sub.add_parser("report", help="summarise a tagged run per report and compare its authorities "
                                      "(Markdown, CSV, Parquet, HTML, figures)",
                       description="Summarise each report of a tagged run and compare the reports outcome by "
                                   "outcome: raw improvement shares and shares corrected for the classifier's "
                                   "measured error, with intervals; validity against the regulator's verdicts "
                                   "and grades; Markdown, CSV, Parquet, figures and HTML pages in RUN/report. "
                                   "Exit 0: written; 1: the run has no tagged paragraph; 2: usage error.")
    r.add_argument("run", help="run folder written by `esq tag`")
    r.add_argument("--out", help="output folder (default: RUN/report)")
    r.add_argument("--evidence", type=_count(1), default=3, help="evidence sentences per outcome and sentiment")
    r.add_argument("--group-by", "--by", dest="group_by", default="authority", metavar="GROUPING",
                   help="authority (the provider of a location's report, the area of an area's), provider, "
                        "location, area, report, or any front-matter field such as 'Region'")
    r.add_argument("--groups", metavar="CSV", help="a study's own groups: CSV with the columns report,group "
                                                   "(report id, source path or file name); overrides --group-by")
    r.add_argument("--model", dest="model_dir", metavar="DIR",
                   help="the model directory that tagged the run, if it has moved since (default: run.json's)")
    r.add_argument("--resamples", type=_count(1), default=1000, help="bootstrap resamples for the intervals")
    r.add_argument("--seed", type=_count(0), default=0, help="bootstrap seed")
    r.add_argument("--min-judged", type=_count(1), default=5,
                   help="judged sentences a group needs on an outcome to be ranked on it")
    r.add_argument("--by-framework", choices=["2014", "key-question"],
                   help="group outcomes by the 2014 fundamental standard (regulations 9-20A) or the CQC key "
                        "question each maps to, to line 2010-2014 reports up with later ones")
    r.set_defaults(func=cmd_report)

    tr = sub.add_parser("train", help="train both classifiers from corpus folders")
    tr.add_argument("corpus", nargs="*", help="corpus folders (default: the project's corpus/)")
    tr.add_argument("--out", default="models/esq-fast", help="model directory to write")
    tr.add_argument("--folds", type=int, default=5)
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--spacy-model")
    tr.add_argument("--mode", choices=["fast", "accurate"], default="fast",
                    help="accurate adds the vectors of a sentence encoder fine-tuned on each task "
                         "(needs the accurate extra)")
    tr.add_argument("--scheme", choices=["grouped", "kind", "round"], default="grouped",
                    help="held-out reports for the card's figures and the calibration: grouped k-fold, "
                         "or leave one report kind / writing round out (default: %(default)s)")
    tr.add_argument("--jobs", type=int, default=1,
                    help="processes for folds and tasks (the accurate mode gains from 2) (default: %(default)s)")
    tr.add_argument("--epochs", type=int, default=2, help="accurate mode: fine-tuning epochs (default: %(default)s)")
    tr.add_argument("--max-examples", type=int, default=None,
                    help="accurate mode: sentences drawn per fine-tuning epoch (default: all)")
    tr.add_argument("--outcome-encoder", choices=["finetuned", "frozen"],
                    help="accurate mode: the outcome classifier's encoder (default: frozen)")
    tr.add_argument("--sentiment-encoder", choices=["finetuned", "frozen"],
                    help="accurate mode: the sentence classifier's encoder (default: finetuned)")
    tr.add_argument("--top-layers", type=int, default=3, choices=range(1, 7), metavar="1-6",
                    help="accurate mode: transformer layers tuned, from the top (default: %(default)s)")
    tr.add_argument("--learning-rate", type=float, default=8e-5,
                    help="accurate mode: fine-tuning learning rate (default: %(default)s)")
    tr.add_argument("--rank", type=int, default=32,
                    help="accurate mode: rank of the stored update to each tuned matrix; 0 stores the "
                         "matrices whole in int8, a larger file (default: %(default)s)")
    tr.set_defaults(func=cmd_train)

    ev = sub.add_parser("evaluate", help="grouped cross-validation with peers; real reports")
    ev.add_argument("--corpus", action="append", default=[], help="extra corpus folder (repeatable)")
    ev.add_argument("--folds", type=int, default=5)
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--no-peers", action="store_true")
    ev.add_argument("--variants", nargs="?", const="fast,fast+context,frozen,frozen+context", default=None,
                    help="also score these modes (comma-separated; alone: the fast and frozen-encoder modes, "
                         "each with and without context; 'accurate' and 'accurate+context' fine-tune an encoder "
                         "per fold and take tens of minutes)")
    ev.add_argument("--scheme", action="append", choices=["grouped", "kind", "round"],
                    help="held-out reports: grouped k-fold (default), leave one report kind out, leave one "
                         "writing round out (repeatable)")
    ev.add_argument("--jobs", type=int, default=1, help="processes for the folds (default: %(default)s)")
    ev.add_argument("--skip-cv", action="store_true", help="only score --real")
    ev.add_argument("--real", help="folder of real reports with outcome headings")
    ev.add_argument("--gold", help="JSONL of gold sentences {source, start, end, sentiment} for --real")
    ev.add_argument("--model", help="model directory for --real")
    ev.add_argument("--trust-pickle", action="store_true", help=_TRUST_PICKLE)
    ev.add_argument("--json", help="write all figures as JSON")
    ev.set_defaults(func=cmd_evaluate)

    c = sub.add_parser("corpus", help="corpus tools")
    csub = c.add_subparsers(dest="corpus_cmd", required=True)
    for name, helptext in (("check", "validate every annotation"), ("stats", "counts"),
                           ("export", "one JSONL line per labelled paragraph")):
        p = csub.add_parser(name, help=helptext)
        p.add_argument("folder", nargs="?", help="corpus folder (default: the project's)")
        if name == "stats":
            p.add_argument("--json", action="store_true")
        if name == "export":
            p.add_argument("--out", help="file (default: standard output)")
    fh = csub.add_parser("from-headings", help="silver corpus from real reports with outcome headings")
    fh.add_argument("inputs", nargs="+")
    fh.add_argument("--out", required=True, help="corpus folder to write or extend")
    ag = csub.add_parser("agreement", help="Cohen's kappa of the blind second passes (agreement/batches.json)")
    ag.add_argument("folder", nargs="?")
    ag.add_argument("--resolved", action="store_true", help="agreement with the corpus as it is now")
    b = csub.add_parser("build", help="build a corpus folder from marked-up drafts")
    b.add_argument("drafts")
    b.add_argument("folder", nargs="?")
    im = csub.add_parser("import", help="annotations corrected in Label Studio or Prodigy (tasks of `esq review`) "
                                        "into a corpus folder")
    im.add_argument("file", help="the tool's export: Label Studio JSON, or Prodigy db-out JSONL")
    im.add_argument("--tool", required=True, choices=["labelstudio", "prodigy"])
    im.add_argument("--out", required=True, help="corpus folder to write or extend")
    im.add_argument("--sources", help="folder to find the reports in by file name, where they have moved")
    im.add_argument("--kind", choices=["joint", "provider", "narrative"],
                    help="the reports' kind in the catalogue (default: provider where outcomes are numbered "
                         "'Outcome 0N', else joint)")
    c.set_defaults(func=cmd_corpus)

    rv = sub.add_parser("review", help="the paragraphs the model is least sure of, as Label Studio or Prodigy "
                                       "tasks with its labels pre-filled")
    rv.add_argument("run", help="a tagged run folder")
    rv.add_argument("--out", required=True, help="tasks file: .json for Label Studio, .jsonl for Prodigy")
    rv.add_argument("--format", choices=["labelstudio", "prodigy"],
                    help="default: labelstudio for a .json file, prodigy otherwise")
    rv.add_argument("--limit", type=_count(1), default=200, help="paragraphs to export")
    rv.set_defaults(func=cmd_review)

    mo = sub.add_parser("model", help="model directory tools")
    msub = mo.add_subparsers(dest="model_cmd", required=True)
    cv = msub.add_parser("convert", help="re-save a pickled model directory (model.joblib) as model.skops")
    cv.add_argument("directory")
    cv.add_argument("--trust-pickle", action="store_true",
                    help="required (except for esq's shipped models): converting reads the pickle, running its code")
    mo.set_defaults(func=cmd_model)
    _finish(ap)
    return ap


class _Help(argparse.RawDescriptionHelpFormatter):
    """Help that shows every option's default (where it has one and the help does not already say it)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" not in text and _has_default(action) and (action.option_strings or action.nargs in ("?", "*")):
            text += (" " if text else "") + "(default: %(default)s)"
        return text


def _has_default(action) -> bool:
    # 0 is a default worth showing; None, False (a flag), [] and SUPPRESS are not.
    return not (action.default is None or action.default is False or action.default == []
                or action.default == argparse.SUPPRESS)


def _finish(ap: argparse.ArgumentParser) -> None:
    """Every subcommand, however deep: a description (its one-line help where it has none), defaults shown
    in --help, and its own usage when it meets an unknown flag (see :func:`_parse`)."""
    for action in ap._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help for a in action._choices_actions}
        for name, sub in action.choices.items():
            sub.formatter_class = _Help
            if not sub.description and helps.get(name):
                sub.description = helps[name][:1].upper() + helps[name][1:] + "."
            for a in sub._actions:
                if a.help is None and _has_default(a):
                    a.help = "(default: %(default)s)"  # an option without help still shows its default
            sub.set_defaults(_usage=sub)
            _finish(sub)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    """Parse; an unknown flag is an error of the subcommand it was given to, with that subcommand's usage."""
    ap = parser()
    args, extra = ap.parse_known_args(argv)
    if extra:
        getattr(args, "_usage", ap).error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: list[str] | None = None) -> int:
    import warnings

    args = _parse(argv)  # first: --help and usage errors answer without importing the model code
    from .model.persist import PickleModelWarning
    with warnings.catch_warnings():
        shown = warnings.showwarning

        def show(message, category, *rest, **kw):  # esq's own warning as one line, like its errors
            if issubclass(category, PickleModelWarning):
                print(f"esq: warning: {message}", file=sys.stderr)
            else:
                shown(message, category, *rest, **kw)
        warnings.showwarning = show
        warnings.simplefilter("always", PickleModelWarning)
        return _run(args)


def _run(args) -> int:
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return _fail("interrupted; run the same command again to resume", 130)
    except BrokenPipeError:
        return 0
