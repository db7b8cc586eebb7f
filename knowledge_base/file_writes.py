"""Writing a file whole or not at all, never replacing a device, and sweeping up what killed writers left.

`write_whole(path, write)` has `write(temporary)` fill a temporary file beside `path` and renames it over
`path`, so a reader never sees half a file. The temporary name is unique (`.NAME.PID.XXXXXXXX.tmp`, from
`tempfile`): two processes writing the same file never share one, and the owner's process id is in it. On
any failure (a full disk, an interrupt) the temporary file is removed before the error goes on.

A special file (a character or block device such as /dev/null, a FIFO, a socket) is written directly:
renaming over it would replace the device with a regular file (as root), or fail.

`remove_stale_temporaries(directory, name)` removes what a killed run left beside `name` (temporary
files or staging directories): one whose owning process is no longer running (the id in its name; on this
machine), or a day old whatever its owner (a reused process id); where the owner cannot be asked (not
POSIX), and for an older writer's names without an owner, one untouched for an hour. A temporary file of a
running writer is left alone (until a day old).
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"
UNOWNED_STALE_SECONDS = 3600.0  # a temporary file whose owner cannot be told: stale after an hour untouched
OWNED_STALE_SECONDS = 86400.0  # even with a running owner (a reused process id): stale after a day

_OWNER = re.compile(r"\.(\d+)\.[A-Za-z0-9_]+\.tmp$")


def is_special_file(path: Path | str) -> bool:
    """Whether `path` exists and is a device, FIFO or socket (written in place, never renamed over)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def temporary_prefix(name: str) -> str:
    """The start of a temporary name beside `name`: hidden, with the owning process id."""
    return f".{name}.{os.getpid()}."


def write_whole(path: Path | str, write: Callable[[Path], None]) -> None:
    """`write(temporary)` then rename it over `path` (a special file: `write(path)` directly); on failure no
    temporary file is left."""
    path = Path(path)
    if is_special_file(path):
        write(path)
        return
    handle, name = tempfile.mkstemp(prefix=temporary_prefix(path.name), suffix=TEMPORARY_SUFFIX, dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, _mode_for(path))  # mkstemp's is 0600: a new file gets the usual one
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """The permissions of the file being replaced, else what `open` would give a new file (0666 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux: read it, since setting it to learn it is not thread-safe
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_staging_directory(out: Path) -> Path:
    """A new hidden directory beside `out` (`.NAME.PID.XXXXXXXX.tmp`) to build `out`'s contents in."""
    return Path(tempfile.mkdtemp(prefix=temporary_prefix(out.name), suffix=TEMPORARY_SUFFIX, dir=out.parent))


def remove_stale_temporaries(directory: Path, name: str | None = None, legacy: tuple[str, ...] = ()) -> list[Path]:
    """Remove from `directory` the temporary files and staging directories of killed writers: ours
    (`.NAME.PID.XXXXXXXX.tmp`, of `name` only when given) whose owner is gone or that are a day old; names
    without an owner (an older writer's: `.NAME.XXXXXXXX.tmp` when `name` is given, and what the `legacy` glob
    patterns match) untouched for an hour. Returns what was removed; what cannot be removed is left for a
    later run."""
    now = time.time()
    ours = f".{glob.escape(name)}.*{TEMPORARY_SUFFIX}" if name else f".*{TEMPORARY_SUFFIX}"
    candidates = []
    for path in _glob(directory, ours):
        if _OWNER.search(path.name):
            candidates.append((path, _owner_gone_or_old))
        elif name:
            candidates.append((path, _untouched_for_an_hour))
    candidates += [(path, _untouched_for_an_hour) for pattern in legacy for path in _glob(directory, pattern)
                   if not _OWNER.search(path.name)]
    removed = []
    for path, stale in candidates:
        if path in removed or not stale(path, now):
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def _glob(directory: Path, pattern: str) -> list[Path]:
    try:
        return sorted(directory.glob(pattern))
    except OSError:
        return []


def _age(path: Path, now: float) -> float | None:
    try:
        return now - path.lstat().st_mtime
    except OSError:
        return None


def _untouched_for_an_hour(path: Path, now: float) -> bool:
    age = _age(path, now)
    return age is not None and age > UNOWNED_STALE_SECONDS


def _owner_gone_or_old(path: Path, now: float) -> bool:
    age = _age(path, now)
    if age is None:
        return False
    running = _running(int(_OWNER.search(path.name)[1]))
    if running is None:  # the owner cannot be asked: by age alone
        return age > UNOWNED_STALE_SECONDS
    return not running or age > OWNED_STALE_SECONDS


def _running(pid: int) -> bool | None:
    """Whether process `pid` runs on this machine (None where that cannot be asked safely)."""
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:
        return None
    return True
