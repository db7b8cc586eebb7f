"""What every reliability test checks: one `error:` line and exit 2, and the home's files unchanged."""
from __future__ import annotations

import hashlib
from pathlib import Path


def one_error_line(code: int, err: str, *words: str) -> None:
    """Exit 2, no traceback, exactly one non-empty stderr line starting `error: `, containing each of `words`."""
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for word in words:
        assert word in lines[0], err


def file_hashes(directory: Path) -> dict[str, str]:
    """SHA-256 of every file under `directory` (locks and SQLite's -shm/-wal aside): what "nothing changed" compares."""
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file() and not p.name.endswith((".lock", "-shm", "-wal"))}
