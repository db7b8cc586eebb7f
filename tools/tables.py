"""CSV files of results (`--out`): one row per result (`Result.csv_row()`), written whole or not at all."""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from alloygan.tools.errors import ToolInputError


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict]) -> None:
    """`rows` under a header of `columns` (missing values empty), through a temporary file renamed into place."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ToolInputError(f"--out {path}: directory {path.parent} does not exist")
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
