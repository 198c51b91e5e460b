"""Tagging in the fast mode never imports PyTorch, even where the accurate extra installed it."""

import importlib.util
import os
import subprocess
import sys

import pytest

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed")

_RUN = ("import sys, pipeline\n"
        "from pipeline.model.persist import load_model\n"
        "from pipeline.model.nlp import build_nlp\n"
        "df = pipeline.tag([sys.argv[1]], model=load_model(), nlp=build_nlp())\n"
        "print(len(df), 'torch' in sys.modules, sorted(m for m in ('pytest', 'dask') if m in sys.modules))\n"
        "import torch, thinc.compat\n"
        "print(float(torch.ones(3).sum()), thinc.compat.has_torch)\n")


def _run(path, **env):
    out = subprocess.run([sys.executable, "-c", _RUN, str(path)], capture_output=True, text=True, check=True,
                         env={**os.environ, **env})
    return out.stdout.split()


@needs_torch
def test_fast_tagging_leaves_pytorch_unimported_and_importable(joint_file):
    rows, imported, others, total, thinc_sees_torch = _run(joint_file)
    assert int(rows) > 0 and imported == "False" and others == "[]"
    assert total == "3.0" and thinc_sees_torch == "False"


@needs_torch
def test_thinc_sees_pytorch_when_asked(joint_file):
    *_, thinc_sees_torch = _run(joint_file, ESQ_SPACY_TORCH="1")
    assert thinc_sees_torch == "True"


def test_spacy_pipelines_and_reading_do_not_import_the_model_code():
    # spaCy imports esq's factory entry point whenever it builds any pipeline, so a user's own
    # spacy.blank() must not pay for scikit-learn and pandas; nor must reading and segmenting
    code = ("import sys, pipeline._imports as i; spacy = i.import_spacy()\n"
            "nlp = spacy.blank('en'); nlp.add_pipe('sentencizer'); assert 'esq' in spacy.registry.factories\n"
            "import pipeline.read.reader, pipeline.segment.segmenter, pipeline.run.component\n"
            "print(sorted(m for m in ('sklearn', 'pandas', 'pipeline.model.persist') if m in sys.modules))\n"
            "from pipeline import tag; from pipeline.run import run, tag_report\n"
            "print('sklearn' in sys.modules, callable(tag) and callable(run) and callable(tag_report))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "True True"]


def test_the_public_api_is_listed_and_unknown_names_fail():
    import pipeline
    assert set(pipeline.__all__) <= set(dir(pipeline))
    with pytest.raises(AttributeError, match="no_such_thing"):
        pipeline.no_such_thing  # noqa: B018
