"""The reading and writing of model files, and nothing that can run code while reading.

- arrays (a generator's tensors, the forward model's trees): `np.load(allow_pickle=False)`;
- a torch state_dict: `torch.load(weights_only=True)`;
- everything else: JSON.
A model directory is written file by file under temporary names, `model.json` last (and
removed first): a directory without `model.json` is never taken for a model.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from alloygan.models.model_store.errors import ModelCorrupt, ModelMissing, ModelStale
from alloygan.models.model_store.versions import stale_reason

META_FILE = "model.json"


def read_metadata(directory: Path, what: str) -> dict:
    """A model's `model.json`; ModelMissing when there is none, ModelCorrupt when it is not a JSON object."""
    path = directory / META_FILE
    if not path.is_file():
        raise ModelMissing(what, directory)
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelCorrupt(what, path, f"not readable JSON: {error}") from None
    if not isinstance(metadata, dict):
        raise ModelCorrupt(what, path, "not a JSON object")
    return metadata


def saved_metadata(directory: Path) -> dict | None:
    """`model.json` when it can be read (for reports and figures; `read_metadata` for loading)."""
    try:
        return read_metadata(directory, "model")
    except (ModelMissing, ModelCorrupt):
        return None


def check_current(metadata: dict, expected: dict, what: str, directory: Path) -> None:
    """ModelStale naming what changed when the saved fingerprint is not the `expected` one."""
    reason = stale_reason(metadata.get("fingerprint"), expected)
    if reason is not None:
        raise ModelStale(what, directory, reason)


@contextmanager
def model_lock(directory: Path) -> Iterator[None]:
    """Held while one process checks, trains and saves a model: a second `ensure` of the same model
    waits, then reuses what the first saved, instead of training it again beside it."""
    from filelock import FileLock

    directory.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(directory.parent / f".{directory.name}.lock")):
        yield


def write_model(directory: Path, writers: dict[str, Callable[[Path], None]], metadata: dict) -> None:
    """Write each file through `writers[name](temporary_path)`, then `model.json` as the commit mark."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / META_FILE).unlink(missing_ok=True)  # a half-replaced model is never taken as valid
    for name, write in writers.items():
        temporary = directory / f".tmp-{name}"
        write(temporary)
        os.replace(temporary, directory / name)
    temporary = directory / f".tmp-{META_FILE}"
    temporary.write_text(json.dumps(metadata, indent=1), encoding="utf-8")
    os.replace(temporary, directory / META_FILE)


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as handle:  # a handle: np.savez would add ".npz" to a temporary name
        np.savez(handle, **arrays)


def load_arrays(path: Path, what: str) -> dict[str, np.ndarray]:
    """Every array of an .npz file, refusing pickled objects."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise ModelCorrupt(what, path, "the file is missing") from None
    except Exception as error:  # noqa: BLE001 - not an npz, truncated, or holding pickled objects
        raise ModelCorrupt(what, path, f"not a NumPy archive of plain arrays: {type(error).__name__}: {error}") from None


def load_state_dict(path: Path, what: str) -> dict:
    """A torch state_dict, read with `weights_only=True` (tensors only, no code)."""
    import torch

    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except FileNotFoundError:
        raise ModelCorrupt(what, path, "the file is missing") from None
    except Exception as error:  # noqa: BLE001 - anything but plain tensors is refused by weights_only
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ModelCorrupt(what, path, f"not a plain torch state_dict: {type(error).__name__}: {first_line}") from None
