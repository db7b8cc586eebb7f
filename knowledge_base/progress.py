"""One progress protocol for every long step: training, mining, ingestion, design, reports, benchmarks.

A long step reports `Progress(stage, done, total, unit)` to a `ProgressCallback`. `stage` names
what is running in the user's words ("training the ours generator for Zr"); `done`/`total` count
its units ("epoch" 12 of 600) when they are known, and are None for a step that cannot be
counted. Epoch 12 and epoch 13 of one training run are the same stage, so a display that
prints one line per stage prints one line per run.

Both cores report through this protocol (it lives here, in the data core, because the science
core may import the data core but not the reverse); the CLI draws it (`agent/cli/output.py`
`progress`), the LangChain tools forward it to the conversation, and a caller that does not
care passes nothing (`report(None, ...)` does nothing).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Progress:
    """Where a long step is: its stage and, when countable, `done` of `total` `unit`s."""

    stage: str
    done: int | None = None
    total: int | None = None
    unit: str = ""

    def __str__(self) -> str:
        """One line for a log or a status bar: "training the ours generator for Zr: epoch 12/600"."""
        if self.done is None:
            return self.stage
        count = f"{self.done}/{self.total}" if self.total is not None else f"{self.done}"
        return f"{self.stage}: {self.unit + ' ' if self.unit else ''}{count}"


ProgressCallback = Callable[[Progress], None]


def report(callback: ProgressCallback | None, stage: str, done: int | None = None, total: int | None = None,
           unit: str = "") -> None:
    """Send one `Progress` to `callback` (nothing when there is no callback)."""
    if callback is not None:
        callback(Progress(stage, done, total, unit))


def prefixed(callback: ProgressCallback | None, prefix: str) -> ProgressCallback | None:
    """A callback that puts `prefix: ` before every stage (e.g. the goal a batch is running)."""
    if callback is None:
        return None
    return lambda progress: callback(replace(progress, stage=f"{prefix}: {progress.stage}"))

