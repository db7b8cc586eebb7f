"""Terminal output for the CLI: one rich console, JSON printing, one-line errors."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import BarColumn, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

from alloygan.agent.formatting import fmt, plus_minus  # noqa: F401 - the CLI's number formats
from alloygan.knowledge_base.progress import Progress, ProgressCallback

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """JSON on stdout, nothing else (so it can be piped).

    An object is indented; an array has one record per line, which stays readable and uses
    the C encoder (indentation forces Python's, ten times slower on 10,000 predictions). An
    array's typed results are turned into their JSON form one by one as they are written.
    """
    if isinstance(data, list):
        lines = (json.dumps(_json_form(item), ensure_ascii=False) for item in data)
        text = "[\n" + ",\n".join(lines) + "\n]" if data else "[]"
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False)
    sys.stdout.write(text + "\n")


def print_result(result: Any, json_out: bool, show: Callable[[Any], None]) -> None:
    """A command's typed result (or a list of them, or a plain JSON-able dict such as a benchmark's): with `--json`
    its JSON form on stdout, else `show(result)` draws it for a person."""
    if json_out:
        print_json(result if isinstance(result, list) else _json_form(result))
    else:
        show(result)


def _json_form(item: Any) -> Any:
    """A typed result's JSON form; anything else (a record already JSON-able) as it is."""
    return item.to_json() if hasattr(item, "to_json") else item


def print_error(message: str) -> None:
    """`error: ...` on stderr, the message taken literally (no markup)."""
    err_console.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr and a non-zero exit."""
    print_error(message)
    raise SystemExit(code)


def fits(table) -> bool:
    """Whether a rich table shows whole on this console (else the caller prints a narrow layout)."""
    from rich.measure import Measurement

    return Measurement.get(console, console.options.update_width(10_000), table).maximum <= console.width


class _Bar(BarColumn):
    """A bar only when the stage's total is known (the spinner says that the rest runs)."""

    def render(self, task: Task) -> RenderableType:
        return super().render(task) if task.total is not None else Text("")


class _Counts(ProgressColumn):
    """The counts, such as "12/600 epoch", when the stage's total is known."""

    def render(self, task: Task) -> RenderableType:
        if task.total is None:
            return Text("")
        unit = task.fields.get("unit") or ""
        return Text(f"{int(task.completed)}/{int(task.total)}{' ' + unit if unit else ''}", style="progress.download")


@contextmanager
def progress(message: str, enabled: bool = True, console: Console | None = None) -> Iterator[ProgressCallback]:
    """The one way the CLI draws long work (`Progress` reports), on stderr so stdout stays clean for --json.

    On a terminal: one live line, a spinner and the stage, with a bar and its counts when the total
    is known (`message` shows until the first report). Elsewhere (a log file, CI): one dim line per
    stage ("epoch 12/600" and "epoch 13/600" of one training are one stage). `enabled=False` draws nothing.
    """
    console = console or err_console
    if not enabled:
        yield lambda _progress: None
        return
    if not console.is_terminal:
        last_stage: list[str] = []

        def print_stage(report: Progress) -> None:
            if last_stage != [report.stage]:
                last_stage[:] = [report.stage]
                console.print(str(report), style="dim", markup=False, highlight=False)

        yield print_stage
        return
    display = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), _Bar(), _Counts(), TimeElapsedColumn(),
                           console=console, transient=True)
    current = {"stage": message, "task": display.add_task(escape(message), total=None, unit="")}

    def draw(report: Progress) -> None:
        if report.stage != current["stage"]:  # a new stage starts its own count and clock
            display.remove_task(current["task"])
            current["stage"] = report.stage
            current["task"] = display.add_task(escape(report.stage), total=report.total, completed=report.done or 0,
                                               unit=report.unit)
        else:
            display.update(current["task"], completed=report.done or 0, total=report.total)

    with display:
        yield draw
