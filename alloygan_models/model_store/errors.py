"""Why a saved model cannot be used; each message names the model, what is wrong, and what to run."""
from __future__ import annotations

from pathlib import Path

FIX = "run `alloygan train` to train it"
FORCED = "a rebuild was asked for (--force)"  # the reason `ensure_*(force=True)` gives


class ModelStoreError(Exception):
    """A saved model that `load` cannot return. `reason` is the short why (for progress lines and reports)."""

    def __init__(self, what: str, reason: str, message: str):
        super().__init__(message)
        self.what = what
        self.reason = reason


class ModelMissing(ModelStoreError):
    def __init__(self, what: str, directory: Path):
        super().__init__(what, "no saved model", f"no saved {what} in {directory}; {FIX}")


class ModelStale(ModelStoreError):
    def __init__(self, what: str, directory: Path, reason: str):
        super().__init__(what, reason, f"the saved {what} in {directory} is out of date ({reason}); {FIX} again")


class ModelCorrupt(ModelStoreError):
    """A file that is damaged, foreign, or that could run code when read: refused, and nothing in it ran."""

    def __init__(self, what: str, path: Path, problem: str):
        super().__init__(what, f"its file {path.name} was refused",
                         f"the saved {what} file {path} was refused ({problem}); nothing in it was run; "
                         f"{FIX} again, which replaces it")


class ModelWriteError(ModelStoreError):
    """A model that could not be saved (a full disk, a read-only home): nothing half-written is left."""

    def __init__(self, directory: Path, error: OSError):
        problem = error.strerror or str(error)
        super().__init__("model", f"it could not be saved ({problem})",
                         f"could not save the model in {directory} ({problem}); free space or make it writable, "
                         f"then run `alloygan train` again")
