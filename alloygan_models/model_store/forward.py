"""The forward model's files: `forest.npz` (the fitted trees as plain arrays, see trees.py) and
`model.json` (everything else).

`model.json` holds the fingerprint (versions.py), the settings, the fitted state beside the
forest (vocabulary, descriptor fill values, target scaling, calibration), the number of
alloys, the training time and the library versions. Format v4 and earlier pickled the
whole model with joblib (`model.joblib`); such a file is never read, and is deleted when
the model is saved again.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

from alloygan.knowledge_base.paths import alloygan_home
from alloygan.knowledge_base.progress import ProgressCallback, report
from alloygan.models.dataset import AlloyTable, load_alloy_table
from alloygan.models.forward.model import MODELLED, ForwardModel
from alloygan.models.forward.registry import DEFAULT_SETTINGS, train_forward_model
from alloygan.models.model_store.errors import FORCED, ModelCorrupt, ModelStoreError
from alloygan.models.model_store.files import (
    META_FILE,
    check_current,
    check_finite,
    load_arrays,
    model_lock,
    read_metadata,
    save_arrays,
    saved_metadata,
    write_model,
)
from alloygan.models.model_store.report import ModelReport
from alloygan.models.model_store.trees import trees_from_arrays, trees_to_arrays
from alloygan.models.model_store.versions import forward_fingerprint, library_versions

WHAT = "forward model"
FOREST_FILE = "forest.npz"
OLD_PICKLE_FILE = "model.joblib"  # format v4 and earlier: never read


def forward_directory() -> Path:
    return alloygan_home() / "models" / "forward"


def _expected(table: AlloyTable) -> dict:
    return forward_fingerprint(table.data_hash(), DEFAULT_SETTINGS)


_loaded: dict[str, tuple[tuple, ForwardModel, dict]] = {}  # directory -> (files and fingerprint, model, metadata)


def _files_key(directory: Path, expected: dict) -> tuple:
    """Changes whenever the model is written again (files are replaced by rename: a new inode) or the data moved."""
    stats = []
    for name in (FOREST_FILE, META_FILE):
        try:
            found = (directory / name).stat()
            stats.append((found.st_ino, found.st_mtime_ns, found.st_size))
        except FileNotFoundError:
            stats.append(None)
    return (*stats, repr(expected))


def _load(table: AlloyTable) -> tuple[ForwardModel, dict]:
    """The saved model for `table`'s data, kept in memory while its files and the data are unchanged."""
    directory = forward_directory()
    key = _files_key(directory, _expected(table))
    cached = _loaded.get(str(directory))
    if cached is not None and cached[0] == key:
        return cached[1], dict(cached[2])
    model, metadata = _read(table, directory)
    _loaded[str(directory)] = (key, model, dict(metadata))
    return model, metadata


def _read(table: AlloyTable | None, directory: Path) -> tuple[ForwardModel, dict]:
    """The saved model, current for `table`'s data (None: for whatever data it was trained on)."""
    metadata = read_metadata(directory, WHAT)
    fingerprint = metadata.get("fingerprint")
    trained_on = fingerprint.get("data_hash") if isinstance(fingerprint, dict) else None
    expected = _expected(table) if table is not None else forward_fingerprint(str(trained_on), DEFAULT_SETTINGS)
    check_current(metadata, expected, WHAT, directory)
    arrays = load_arrays(directory / FOREST_FILE, WHAT, metadata)
    try:
        state = metadata["state"]
        check_finite(state, "state")
        trees = trees_from_arrays(arrays, ForwardModel.input_width(state["vocabulary"]), len(MODELLED))
    except (KeyError, TypeError, ValueError) as error:
        raise ModelCorrupt(WHAT, directory / FOREST_FILE, f"not the trees of this model: {error}") from None
    try:
        model = ForwardModel.from_fitted_state(DEFAULT_SETTINGS, state, trees)
        metadata["n_alloys"] = int(metadata["n_alloys"])  # what a report quotes
        metadata["training_seconds"] = float(metadata["training_seconds"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelCorrupt(WHAT, directory / META_FILE, f"its state does not fit its trees: {error}") from None
    return model, metadata


def load_forward(table: AlloyTable | None = None) -> ForwardModel:
    """The saved forward model for the data of `table` (default: the knowledge base). Never trains:
    raises ModelMissing, ModelStale (saying what changed) or ModelCorrupt, each naming `alloygan train`."""
    return _load(load_alloy_table() if table is None else table)[0]


def load_saved_forward() -> ForwardModel:
    """The saved forward model even when the data changed since it was trained (format, settings and library
    still checked): what the model knew before the newest data, e.g. its prediction for an alloy whose
    measurement is being recorded. Never trains; raises like `load_forward` otherwise."""
    return _read(None, forward_directory())[0]


def save_forward(model: ForwardModel, table: AlloyTable, training_seconds: float) -> dict:
    """Write a model fitted with the default settings on `table`; returns its metadata."""
    if model.get_params() != DEFAULT_SETTINGS:
        raise ValueError("only a model with the default settings is saved (it is what `load_forward` returns)")
    directory = forward_directory()
    metadata = {
        "fingerprint": _expected(table),
        "settings": DEFAULT_SETTINGS,
        "state": model.fitted_state(),
        "n_alloys": len(table),
        "training_seconds": round(training_seconds, 2),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": library_versions(),
    }
    write_model(directory, {FOREST_FILE: lambda path: save_arrays(path, trees_to_arrays(model.trees_))}, metadata)
    (directory / OLD_PICKLE_FILE).unlink(missing_ok=True)
    return metadata


def ensure_forward(table: AlloyTable | None = None, on_progress: ProgressCallback | None = None,
                   force: bool = False) -> tuple[ForwardModel, ModelReport]:
    """The forward model for the data of `table`, trained (and saved) when missing, stale or refused,
    or always with `force` (`alloygan train --force`).

    The report says which: "reused", or "trained" with the reason; training is announced
    through `on_progress` before it starts.
    """
    table = load_alloy_table() if table is None else table
    try:  # a current model is read without the writers' lock: a read-only home still serves it
        if not force:
            model, metadata = _load(table)
            return model, _report(metadata, "reused", "")
    except ModelStoreError:
        pass
    with model_lock(forward_directory()):
        try:
            if force:
                raise ModelStoreError(WHAT, FORCED, FORCED)
            model, metadata = _load(table)
            return model, _report(metadata, "reused", "")
        except ModelStoreError as why:
            reason = why.reason
        report(on_progress, f"training the forward model on {len(table)} alloys ({reason})")
        started = time.perf_counter()
        model = train_forward_model(table)
        metadata = save_forward(model, table, time.perf_counter() - started)
    return model, _report(metadata, "trained", reason)


def _report(metadata: dict, action: str, reason: str) -> ModelReport:
    return ModelReport("forward", None, action, reason, metadata["n_alloys"],  # type: ignore[arg-type]
                       metadata["training_seconds"], str(metadata.get("trained_at", "")), forward_directory())


def forward_metadata() -> dict | None:
    """The saved forward model's `model.json` (None when there is none), for reports."""
    return saved_metadata(forward_directory())


def forward_version() -> str:
    """A short identifier of the saved forward model: its data hash and training time."""
    metadata = forward_metadata() or {}
    fingerprint = metadata.get("fingerprint")
    data_hash = str(fingerprint.get("data_hash", "none")) if isinstance(fingerprint, dict) else "none"
    return f"forward-{data_hash[:10]}-{str(metadata.get('trained_at', ''))[:19]}"
