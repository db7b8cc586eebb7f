"""CSV files of results (`--out`): one row per result (`Result.csv_row()`), written whole or not at all."""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from alloygan.knowledge_base.file_writes import write_whole
from alloygan.tools.errors import ToolInputError


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict]) -> None:
    """`rows` under a header of `columns` (missing values empty), written whole or not at all (a device such as
    /dev/null in place). The caller checked `path` first (`tools.outputs.checked_output_file`)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ToolInputError(f"--out {path}: directory {path.parent} does not exist")

    def write(target: Path) -> None:
        with open(target, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns))
            writer.writeheader()
            writer.writerows(rows)

    try:
        write_whole(path, write)
    except OSError as error:  # a full disk, a vanished directory: nothing half-written is left
        raise ToolInputError(f"--out {path}: could not write ({error.strerror or error}); nothing was written; "
                             f"free space or choose another place") from None
