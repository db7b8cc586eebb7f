"""The reading and writing of model files, and nothing that can run code while reading.

- arrays (a generator's tensors, the forward model's trees): `np.load(allow_pickle=False)`;
- a torch state_dict: `torch.load(weights_only=True)`;
- everything else: JSON.
`model.json` records the SHA-256 of every file saved beside it (`files`): a file truncated, garbled or
edited (NaN or zeroed weights) is refused when read, like one that is not plain arrays.
A model directory is written file by file under unique temporary names, `model.json` last (and
removed first): a directory without `model.json` is never taken for a model. Temporary files of killed
writers are removed when the model's lock is next taken.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from alloygan.knowledge_base.file_writes import remove_stale_temporaries, write_whole
from alloygan.models.model_store.errors import ModelCorrupt, ModelMissing, ModelStale, ModelWriteError
from alloygan.models.model_store.versions import stale_reason

META_FILE = "model.json"
DIGESTS = "files"  # model.json's {file name: SHA-256} of the files saved beside it: a damaged or edited file differs
LEGACY_TEMPORARIES = (".tmp-*", "*.joblib.tmp")  # temporary names of earlier versions (fixed, without an owner)


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

    lock = FileLock(str(directory.parent / f".{directory.name}.lock"))
    try:  # only a writer takes it (`ensure` reads a current model without it), so a read-only home still serves
        directory.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except OSError as error:
        raise ModelWriteError(directory, error) from None
    try:
        if directory.is_dir():  # what killed writers left (an 8 MB temporary file can keep a disk full)
            remove_stale_temporaries(directory, legacy=LEGACY_TEMPORARIES)
        yield
    finally:
        lock.release()


def write_model(directory: Path, writers: dict[str, Callable[[Path], None]], metadata: dict) -> None:
    """Write each file through `writers[name](temporary_path)`, then `model.json` as the commit mark.

    Temporary names are unique (`file_writes.write_whole`), so two writers never share one, and a failed
    write (a full disk) leaves none: ModelWriteError says where and what to do."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / META_FILE).unlink(missing_ok=True)  # a half-replaced model is never taken as valid
    try:
        for name, write in writers.items():
            write_whole(directory / name, write)
        metadata[DIGESTS] = {name: _sha256((directory / name).read_bytes()) for name in writers}
        text = json.dumps(metadata, indent=1)
        write_whole(directory / META_FILE, lambda path: path.write_text(text, encoding="utf-8"))
    except OSError as error:
        raise ModelWriteError(directory, error) from None


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as handle:  # a handle: np.savez would add ".npz" to a temporary name
        np.savez(handle, **arrays)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ModelCorrupt(what, path, "the file is missing") from None
    except OSError as error:
        raise ModelCorrupt(what, path, f"it cannot be read: {error.strerror or error}") from None


def _check_digest(path: Path, data: bytes, metadata: dict, what: str) -> None:
    """Refuse a file whose bytes are not those `model.json` recorded (truncated, garbled, edited: NaN or zeroed)."""
    digests = metadata.get(DIGESTS)
    expected = digests.get(path.name) if isinstance(digests, dict) else None
    if expected is None:
        raise ModelCorrupt(what, path, f"{META_FILE} records no SHA-256 of it")
    if _sha256(data) != expected:
        raise ModelCorrupt(what, path, f"its bytes are not those saved (SHA-256 differs from the one in {META_FILE})")


def check_finite(value, field: str) -> None:
    """ValueError naming `field` when a number in `value` (nested lists and dicts) is NaN or infinite."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{field} holds {value}")
    if isinstance(value, dict):
        for key, item in value.items():
            check_finite(item, f"{field}.{key}")
    elif isinstance(value, list):
        for item in value:
            check_finite(item, field)


def load_arrays(path: Path, what: str, metadata: dict) -> dict[str, np.ndarray]:
    """Every array of an .npz file, refusing pickled objects and bytes other than those `metadata` recorded."""
    data = _read_bytes(path, what)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except Exception as error:  # noqa: BLE001 - not an npz, truncated, or holding pickled objects
        raise ModelCorrupt(what, path, f"not a NumPy archive of plain arrays: {type(error).__name__}: {error}") from None
    _check_digest(path, data, metadata, what)
    return arrays


def load_state_dict(path: Path, what: str, metadata: dict) -> dict:
    """A torch state_dict, read with `weights_only=True` (tensors only, no code), of the bytes `metadata` recorded."""
    import torch

    data = _read_bytes(path, what)
    try:
        state = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except Exception as error:  # noqa: BLE001 - anything but plain tensors is refused by weights_only
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ModelCorrupt(what, path, f"not a plain torch state_dict: {type(error).__name__}: {first_line}") from None
    _check_digest(path, data, metadata, what)
    return state
