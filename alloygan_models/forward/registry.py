"""Train, save and load the forward model: `load_forward_model`, `train_forward_model`.

The model lives in `alloygan_home()/models/forward/`: `model.joblib` (the fitted
scikit-learn estimator, pickled by joblib: load only files this program wrote) and
`model.json` (settings, vocabulary, data hash, training time, versions). It is reused
while the data hash, the settings and the format version are unchanged; a new
measurement in the knowledge base changes the hash and the next load retrains.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

from alloygan.models.dataset import AlloyTable, load_alloy_table
from alloygan.models.forward.model import ForwardModel
from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.paths import alloygan_home

FORMAT_VERSION = 4  # bump when the model or its features change: saved models are retrained
DEFAULT_SETTINGS = ForwardModel().get_params()


def model_directory() -> Path:
    return alloygan_home() / "models" / "forward"


def train_forward_model(table: AlloyTable, **settings) -> ForwardModel:
    """A fresh model fitted on every alloy of `table` (nothing saved)."""
    return ForwardModel(**{**DEFAULT_SETTINGS, **settings}).fit_table(table)


def saved_metadata() -> dict | None:
    path = model_directory() / "model.json"
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def load_forward_model(
    train_if_missing: bool = True,
    exclude: Iterable[Composition] = (),
    on_status: Callable[[str], None] | None = None,
    table: AlloyTable | None = None,
) -> ForwardModel:
    """The forward model for the current knowledge base (saved, or trained and saved).

    `exclude`: compositions to leave out of training (held-out evaluation); such a model
    is trained fresh and not saved.
    """
    table = table if table is not None else load_alloy_table()
    excluded = set(exclude)
    if excluded:
        keep = [c not in excluded for c in table.compositions]
        return train_forward_model(table.subset(keep))
    data_hash = table.data_hash()
    metadata = saved_metadata()
    current = (metadata and metadata.get("format_version") == FORMAT_VERSION
               and metadata.get("data_hash") == data_hash and metadata.get("settings") == DEFAULT_SETTINGS)
    if current:
        import joblib

        return joblib.load(model_directory() / "model.joblib")
    if not train_if_missing:
        raise FileNotFoundError("no forward model for the current data; run `alloygan train`")
    if on_status:
        on_status(f"training the forward model on {len(table)} alloys")
    started = time.perf_counter()
    model = train_forward_model(table)
    seconds = time.perf_counter() - started
    _save(model, {
        "format_version": FORMAT_VERSION,
        "settings": DEFAULT_SETTINGS,
        "data_hash": data_hash,
        "n_alloys": len(table),
        "vocabulary": list(model.vocabulary_.elements),
        "calibration": model.calibration_.tolist(),
        "training_seconds": round(seconds, 2),
        "trained_at": datetime.now(timezone.utc).isoformat(),
    })
    return model


def _save(model: ForwardModel, metadata: dict) -> None:
    import joblib
    import sklearn

    directory = model_directory()
    directory.mkdir(parents=True, exist_ok=True)
    metadata["versions"] = {"scikit-learn": sklearn.__version__}
    tmp_model, tmp_meta = directory / "model.joblib.tmp", directory / "model.json.tmp"
    joblib.dump(model, tmp_model)
    tmp_meta.write_text(json.dumps(metadata, indent=1))
    tmp_model.replace(directory / "model.joblib")  # the JSON last: a model without it is retrained
    tmp_meta.replace(directory / "model.json")


def model_version() -> str:
    """A short identifier of the saved forward model (its data hash and training time)."""
    metadata = saved_metadata() or {}
    return f"forward-{metadata.get('data_hash', 'none')[:10]}-{metadata.get('trained_at', '')[:19]}"
