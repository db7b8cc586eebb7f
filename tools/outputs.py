"""Where a command may write a file the user named (`--out`, `--export`, `kb export PATH`), checked before any work.

Every writing command calls `checked_output_file` or `checked_output_directory` first, so a target that cannot
be used fails at once with one line, not after minutes of work. Refused, each with what to do instead:
- anything inside `ALLOYGAN_HOME` (the store and its -wal/-shm, models/, the literature index,
  conversations.sqlite, llm.env): alloygan's own state, which an output would destroy;
- an output that is one of the command's inputs (`predict --file mine.csv --out mine.csv` would replace the
  user's table, other columns and all, with the predictions);
- an existing file, unless `force` (`--force`); a directory, a missing or unwritable place.
A device or FIFO (`--out /dev/null`) is accepted and written in place (see `knowledge_base.file_writes`).
Temporary files that killed runs left beside the target are removed here, the next time it is written.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from alloygan.knowledge_base.file_writes import is_special_file, remove_stale_temporaries
from alloygan.knowledge_base.paths import ENV_HOME, alloygan_home
from alloygan.tools.errors import ToolInputError

Inputs = Sequence[tuple[str, "Path | str | None"]]  # (option, path), e.g. ("--file", "mine.csv")


def checked_output_file(path: Path | str, option: str = "", *, force: bool = False, inputs: Inputs = ()) -> Path:
    """`path` as a file this command may write (created, or replaced with `force`); ToolInputError otherwise."""
    target = Path(path).expanduser()
    label = f"{option} {path}" if option else str(path)
    if is_special_file(target):
        if not os.access(target, os.W_OK):
            raise ToolInputError(f"{label}: cannot write to this device; choose another place")
        return target
    _outside_home(target, label)
    _not_an_input(target, label, inputs)
    if target.is_dir():
        raise ToolInputError(f"{label}: is a directory; give a file name such as {target / 'results.csv'}")
    parent = target.resolve().parent
    if not parent.is_dir():
        raise ToolInputError(f"{label}: directory {parent} does not exist; create it or choose another path")
    _writable(parent, label)
    if target.exists() and not force:
        raise ToolInputError(f"{label}: exists; add --force to replace it, or give another name")
    remove_stale_temporaries(parent, target.name)
    return target


def checked_output_directory(path: Path | str, option: str = "", *, force: bool | None = None, inputs: Inputs = (),
                             create_parents: bool = False) -> Path:
    """`path` as a directory this command may write into (created when missing: with its missing parents when
    `create_parents`). `force=False`: a directory that already holds files is refused (add --force);
    `force=None`: the command reuses its directory (a resumable batch), so files in it are expected."""
    target = Path(path).expanduser()
    label = f"{option} {path}" if option else str(path)
    _outside_home(target, label)
    if target.exists() and not target.is_dir():
        kind = "a device or pipe" if is_special_file(target) else "a file"
        raise ToolInputError(f"{label}: exists and is not a directory: it is {kind}; give a directory "
                             f"(it is created when missing)")
    _not_an_input(target, label, inputs)
    resolved = target.resolve()
    existing = resolved if resolved.exists() else resolved.parent  # where the first new directory is made
    while create_parents and not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.exists():
        raise ToolInputError(f"{label}: directory {existing} does not exist; create it or choose another path")
    if not existing.is_dir():
        raise ToolInputError(f"{label}: {existing} is not a directory; choose another path")
    _writable(existing, label)
    if force is False and resolved.is_dir() and any(resolved.iterdir()):
        raise ToolInputError(f"{label}: already holds files; add --force to write into it (files of the same "
                             f"names are replaced), or give a new directory")
    if resolved.parent.is_dir():  # staging directories of killed runs beside it
        remove_stale_temporaries(resolved.parent, resolved.name)
    if resolved.is_dir():  # temporary files of killed runs inside it
        remove_stale_temporaries(resolved)
    return target


def _outside_home(target: Path, label: str) -> None:
    home = alloygan_home().resolve()
    resolved = target.resolve()
    if resolved == home or home in resolved.parents:
        raise ToolInputError(f"{label}: is inside {ENV_HOME} ({home}), where alloygan keeps its store and models; "
                             f"write elsewhere")


def _not_an_input(target: Path, label: str, inputs: Inputs) -> None:
    for option, source in inputs:
        if source is None or not Path(source).exists() or not target.exists():
            continue
        if os.path.samefile(target, source):
            raise ToolInputError(f"{label}: is also the input {option} {source}; writing there would replace it; "
                                 f"write to another file")


def _writable(directory: Path, label: str) -> None:
    """Try it: permission bits say nothing of a read-only mount, and root passes them all."""
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise ToolInputError(f"{label}: cannot write in {directory} ({error.strerror or error}); "
                             f"choose another place") from None
