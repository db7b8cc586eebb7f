"""What a saved model must match to be reused: format versions, data hashes, settings digests, libraries.

Every model directory's `model.json` holds a `fingerprint`: the values below at the time it
was trained. A model is reused only while its fingerprint equals the one the current data,
settings and libraries give; otherwise `stale_reason` says, in words, what changed.
"""
from __future__ import annotations

import hashlib
import json
import platform
from importlib.metadata import PackageNotFoundError, version

import numpy as np

# Bump when the saved files or what they mean change: saved models of another format are retrained.
# 8: model.json records the SHA-256 of forest.npz (a damaged or edited file is refused);
# 7: σ from (a, b, c, q) per quantity rescaled to 68 % inner-CV coverage, and the training fractions (the domain);
# 5: the trees as plain arrays (forest.npz), the rest in model.json; 4 was a joblib pickle
FORWARD_FORMAT_VERSION = 8
GENERATOR_FORMAT_VERSION = 3  # 3: SHA-256 of generator.npz and generator.pt in model.json; 2: fingerprint block


def settings_digest(settings: dict) -> str:
    """A short hash of a settings dict (key order does not matter)."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def _version_of(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def library_versions() -> dict[str, str]:
    """The versions recorded beside every saved model (for the record; see the fingerprints for what counts)."""
    return {"alloygan": _version_of("alloygan"), "numpy": np.__version__, "scikit-learn": _version_of("scikit-learn"),
            "torch": _version_of("torch"), "python": platform.python_version()}


def forward_fingerprint(data_hash: str, settings: dict) -> dict:
    """The forward model's: its trees are scikit-learn's node layout, so a new scikit-learn retrains it."""
    return {"format_version": FORWARD_FORMAT_VERSION, "data_hash": data_hash,
            "config_digest": settings_digest(settings), "scikit-learn": _version_of("scikit-learn")}


def generator_fingerprint(data_hash: str, config_digest: str, seed: int) -> dict:
    """A generator's: plain tensors, readable by any torch or NumPy, so no library version counts."""
    return {"format_version": GENERATOR_FORMAT_VERSION, "data_hash": data_hash, "config_digest": config_digest,
            "seed": seed}


def stale_reason(saved: dict | None, expected: dict) -> str | None:
    """Why a model with the `saved` fingerprint cannot stand for `expected` (None when it can)."""
    if not isinstance(saved, dict):
        return "saved in an older format"
    if saved.get("format_version") != expected["format_version"]:
        return f"saved in format v{saved.get('format_version')}, this version reads v{expected['format_version']}"
    for key, want in expected.items():
        have = saved.get(key)
        if have == want:
            continue
        if key == "data_hash":
            return "the training data changed"
        if key == "config_digest":
            return "the model's configuration changed"
        if key == "seed":
            return f"trained with seed {have}, asked for {want}"
        return f"saved with {key} {have}, running {want}"
    return None
