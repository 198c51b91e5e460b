import itertools

import pytest


@pytest.fixture(scope="session")
def tiny_frames(nlp):
    """Feature frames of four corpus reports: enough to fit both estimators in seconds."""
    from pipeline.corpus import load, training_frames
    return training_frames(itertools.islice(load(), 4), nlp)


@pytest.fixture(scope="session")
def tiny_dir(tiny_frames, tmp_path_factory):
    """A tiny model saved as esq saves every model (``model.skops`` and its card)."""
    from pipeline.model.fit import fit_model
    from pipeline.model.persist import save_model
    model = fit_model(tiny_frames)
    model.card = {"model_id": "esq-tiny", "mode": "fast"}
    return save_model(model, tmp_path_factory.mktemp("models") / "tiny")
