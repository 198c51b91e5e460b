"""What the accurate mode's int8 encoders cost in accuracy, against PyTorch in float32.

    python benchmarks/int8_cost.py [--scheme kind] [--jobs 2] [--real ../shared/seed --gold GOLD.jsonl]

For each held-out split (default: leave one report kind out), the accurate
mode's two estimators are fitted once, as ``esq train --mode accurate``
fits them (encoders running under ONNX Runtime in int8), and the held-out
reports are then predicted twice: with the int8 graphs, and with the same
fitted encoders switched to PyTorch in float32.  The difference is what int8
costs at prediction time.  With ``--real``, the shipped accurate model (or
``--model``) tags real reports both ways too.  Prints accuracy and macro-F1
per task and runtime.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _encoders(estimator):
    features = estimator.named_steps["features"]
    return [t for _, t, _ in features.transformers_ if hasattr(t, "runtime")]


def _predict_both(estimator, X) -> dict[str, np.ndarray]:
    out = {}
    for runtime in ("onnx", "torch"):
        for encoder in _encoders(estimator):
            encoder.runtime = runtime
        out[runtime] = estimator.predict(X)
    for encoder in _encoders(estimator):
        encoder.runtime = "onnx"
    return out


def _fold(frame, train_idx, test_idx, make):
    from pipeline.model.embed import cache_limit
    with cache_limit(50_000):  # as esq's cross-validation: folds re-encode the same texts
        estimator = make().fit(frame.iloc[train_idx], frame["y"].iloc[train_idx])
        return test_idx, _predict_both(estimator, frame.iloc[test_idx])


def held_out(scheme: str, jobs: int, finetune: dict) -> dict:
    from joblib import Parallel, delayed

    from pipeline.corpus.frames import training_frames
    from pipeline.corpus.store import load
    from pipeline.evaluation.evaluate import metrics, splits_for
    from pipeline.model.classify import make_outcome_model, make_sentiment_model
    from pipeline.training.train import ACCURATE_ENCODERS

    frames = training_frames(load(ROOT / "corpus"))
    makers = {
        "outcome": (frames.paragraphs, lambda: make_outcome_model(
            mode="accurate", encoder=ACCURATE_ENCODERS["outcome"], finetune=finetune)),
        "sentiment": (frames.sentences, lambda: make_sentiment_model(
            mode="accurate", encoder=ACCURATE_ENCODERS["sentiment"], finetune=finetune)),
    }
    result = {}
    for task, (frame, make) in makers.items():
        folds = Parallel(n_jobs=jobs)(delayed(_fold)(frame, tr, te, make) for tr, te in splits_for(frame, scheme))
        y = frame["y"].to_numpy()
        for runtime in ("onnx", "torch"):
            pred = np.empty(len(frame), dtype=object)
            for test_idx, predicted in folds:
                pred[test_idx] = predicted[runtime]
            result[(task, runtime)] = metrics(y, pred)
    return result


def real(path: str, gold: str | None, model_dir: str | None) -> dict:
    import json

    from pipeline.api import tag
    from pipeline.evaluation.evaluate import evaluate_real
    from pipeline.model.persist import load_model

    gold_rows = [json.loads(line) for line in Path(gold).read_text().splitlines() if line.strip()] if gold else None
    model = load_model(model_dir or ROOT / "models" / "esq-accurate")
    result = {}
    for runtime in ("onnx", "torch"):
        for estimator in (model.outcome, model.sentiment):
            for encoder in _encoders(estimator):
                encoder.runtime = runtime
        scored = evaluate_real(tag([path], model=model, errors="skip").to_dict("records"), gold_rows)
        for task in ("outcome", "sentiment"):
            if scored.get(task):
                result[(task, runtime)] = scored[task]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scheme", default="kind", choices=["grouped", "kind", "round"])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--max-examples", type=int, default=4000)
    ap.add_argument("--skip-held-out", action="store_true")
    ap.add_argument("--real", help="folder of real reports with outcome headings")
    ap.add_argument("--gold", help="JSONL of gold sentences for --real")
    ap.add_argument("--model", help="model for --real (default: the shipped accurate model)")
    args = ap.parse_args()
    rows = []
    if not args.skip_held_out:
        figures = held_out(args.scheme, args.jobs, {"epochs": args.epochs, "max_examples": args.max_examples})
        rows += [(f"held out ({args.scheme})", *key, m) for key, m in figures.items()]
    if args.real:
        rows += [(f"real ({args.real})", *key, m) for key, m in real(args.real, args.gold, args.model).items()]
    print(f"{'where':<28} {'task':<10} {'runtime':<8} {'accuracy':>8} {'macro-F1':>8}")
    for where, task, runtime, m in rows:
        print(f"{where:<28} {task:<10} {runtime:<8} {m['accuracy']:>8.3f} {m['macro_f1']:>8.3f}")


if __name__ == "__main__":
    main()
