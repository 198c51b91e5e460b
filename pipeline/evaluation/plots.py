"""Evaluation plots (matplotlib, from the ``notebooks`` or ``test`` extra).

Each function takes the DataFrames of :mod:`pipeline.evaluate` and returns
a matplotlib Figure; notebooks only call these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["confusion_heatmap", "f1_bars", "reliability", "learning_curve_plot"]


def _plt():
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    return plt


def confusion_heatmap(m: dict, title: str = ""):
    """Row-normalised confusion matrix from :func:`pipeline.evaluate.metrics` output."""
    plt = _plt()
    labels = m["confusion"]["labels"]
    cm = np.array(m["confusion"]["matrix"], dtype=float)
    cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(0.45 * len(labels) + 2, 0.45 * len(labels) + 1.5))
    im = ax.imshow(cm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def f1_bars(results: dict, task: str):
    """Per-class F1 of every method that has per-class figures, side by side."""
    _plt()
    methods = {k: v for k, v in results[task].items() if "per_class" in v}
    labels = next(iter(methods.values()))["per_class"].keys()
    df = pd.DataFrame({name: {l: m["per_class"].get(l, {}).get("f1", 0) for l in labels}
                       for name, m in methods.items()})
    ax = df.plot.bar(figsize=(max(6, 0.5 * len(df) * len(methods) / 2), 4), width=0.8)
    ax.set_ylabel("F1")
    ax.set_title(f"{task}: per-class F1")
    ax.figure.tight_layout()
    return ax.figure


def reliability(curve: pd.DataFrame, title: str = ""):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect")
    ax.plot(curve["confidence"], curve["accuracy"], "o-", label="esq")
    ax.set_xlabel("mean confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def learning_curve_plot(curve: pd.DataFrame, title: str = ""):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.errorbar(curve["train_reports"], curve["mean"], yerr=curve["std"].fillna(0), marker="o")
    ax.set_xlabel("training reports")
    ax.set_ylabel("macro-F1 on held-out reports")
    ax.set_title(title)
    fig.tight_layout()
    return fig
