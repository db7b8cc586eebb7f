"""The CLI's one progress adapter (`agent/cli/output.py` `progress`): a live line or one line per stage."""
from __future__ import annotations

import io
import re

from rich.console import Console

from alloygan.agent.cli.output import progress
from alloygan.knowledge_base.progress import Progress

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=120, color_system="standard" if terminal else None), buffer


def test_not_on_a_terminal_one_line_per_stage():
    console, buffer = _console(terminal=False)
    with progress("designing", console=console) as on_progress:
        for epoch in range(1, 601):
            on_progress(Progress("training the ours generator for Zr (no saved model)", epoch, 600, "epoch"))
        on_progress(Progress("sampling target conditions"))
        on_progress(Progress("generating 100,000 compositions"))
        on_progress(Progress("generating 100,000 compositions"))
    assert buffer.getvalue().splitlines() == [
        "training the ours generator for Zr (no saved model): epoch 1/600",
        "sampling target conditions",
        "generating 100,000 compositions",
    ]


def test_nothing_before_the_first_report_and_nothing_when_disabled():
    console, buffer = _console(terminal=False)
    with progress("designing", console=console):
        pass
    with progress("designing", enabled=False, console=console) as on_progress:
        on_progress(Progress("generating"))
    assert buffer.getvalue() == ""


def test_on_a_terminal_a_bar_with_its_counts_and_a_spinner_without():
    console, buffer = _console(terminal=True)
    with progress("starting", console=console) as on_progress:
        on_progress(Progress("training the ours generator for Zr", 12, 600, "epoch"))  # a new stage draws a frame
        on_progress(Progress("generating 100,000 compositions"))
    frames = [line for line in _ESCAPES.sub("", buffer.getvalue()).replace("\r", "\n").splitlines() if line.strip()]
    training = [f for f in frames if "training the ours generator for Zr" in f]
    assert training and "12/600 epoch" in training[-1] and "━" in training[-1]  # the bar and its counts
    generating = [f for f in frames if "generating 100,000 compositions" in f]
    assert generating and "/" not in generating[-1] and "━" not in generating[-1]  # no total: spinner only
