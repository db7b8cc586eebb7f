"""The model store: every trained model's files, in one place, under `alloygan_home()/models/`.

    from alloygan.models.model_store import ensure_forward, load_forward
    model = load_forward()                        # never trains: ModelStoreError names `alloygan train`
    model, report = ensure_forward(on_progress=print)   # trains when missing or stale, and says so
    report.describe()   # "forward model: trained on 987 alloys in 2.3 s (no saved model)"

- `load_*` return the saved model, or raise `ModelMissing`, `ModelStale` (with what changed:
  the data, the configuration, the format, the library) or `ModelCorrupt` (a damaged file, or one
  that could run code when read: refused, nothing in it runs).
- `ensure_*` return the model and a `ModelReport` ("trained", why, seconds, alloys; or "reused"),
  and report training through the progress protocol (`alloygan.knowledge_base.progress`).
- No pickle is read: the forward model's trees as plain arrays, checked before they are built
  (trees.py), torch tensors with `weights_only=True`, NumPy arrays with `allow_pickle=False`,
  the rest JSON.
- What makes a saved model current (format versions, data hash, settings digest, library
  versions) is in `versions.py`, for every kind of model.
"""
from alloygan.models.model_store.errors import ModelCorrupt, ModelMissing, ModelStale, ModelStoreError
from alloygan.models.model_store.forward import (
    ensure_forward,
    forward_directory,
    forward_metadata,
    forward_version,
    load_forward,
)
from alloygan.models.model_store.generators import (
    ensure_generator,
    generator_directory,
    generator_metadata,
    load_generator,
    load_network,
    read_generator,
    save_generator,
)
from alloygan.models.model_store.report import ModelReport

__all__ = [
    "ModelCorrupt", "ModelMissing", "ModelReport", "ModelStale", "ModelStoreError",
    "ensure_forward", "ensure_generator", "forward_directory", "forward_metadata", "forward_version",
    "generator_directory", "generator_metadata", "load_forward", "load_generator", "load_network",
    "read_generator", "save_generator",
]
