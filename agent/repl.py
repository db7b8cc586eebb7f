"""`alloygan chat`: a terminal conversation with the assistant (rich output, input history).

Input comes from prompt_toolkit with a FileHistory under ALLOYGAN_HOME when stdin and
stdout are a terminal, and from plain `input()` otherwise (so it can be driven through a
pipe). Commands: /help, /goal, /candidates, /log [ranks], /thread, /quit. Ctrl-C cancels
the running turn (the conversation stays usable) or clears the line; Ctrl-D quits.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Callable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from alloygan.agent.answer import CAPABILITIES
from alloygan.agent.assistant import Assistant, TurnCancelled, TurnResult
from alloygan.agent.formatting import plus_minus
from alloygan.models.design.goal import DesignGoal

COMMANDS = """Commands:
  /help              this help
  /goal              the current design goal (what follow-ups refine)
  /candidates        the last table of candidates
  /log [RANKS]       log the last candidates as experiment suggestions (all, or e.g. /log 1 3)
  /thread            this conversation's id (resume with `alloygan chat --thread ID`)
  /quit              leave (Ctrl-D too); Ctrl-C cancels a running turn"""


def run_turn(assistant: Assistant, text: str, thread: str, console: Console) -> TurnResult:
    """One turn with a live progress line on a terminal (nothing elsewhere: a piped transcript stays clean)."""
    from alloygan.agent.cli.output import progress

    with progress("thinking", enabled=console.is_terminal, console=console) as on_progress:
        return assistant.turn(text, thread, on_progress=on_progress)


def render_turn(result: TurnResult, console: Console) -> None:
    """The answer as a person reads it: the candidate table when a design ran, then the text."""
    from alloygan.agent.cli.design import print_design

    if result.design is not None:
        print_design(result.design)
    if result.brief.strip():
        console.print(Text(result.brief), soft_wrap=True)
    if result.answered_by not in ("offline", "llm"):
        console.print(f"answered by: {result.answered_by}", style="dim", markup=False)
    if result.usage.get("llm_calls"):
        u = result.usage
        counted = (f"{u.get('input_tokens', 0)} in, {u.get('output_tokens', 0)} out"
                   if u.get("input_tokens") or u.get("output_tokens") else "not reported by the server")
        console.print(f"tokens this turn: {counted} ({u['llm_calls']} LLM calls)", style="dim")


def describe_goal(goal: DesignGoal | None) -> str:
    if goal is None:
        return "No design goal yet; state one, e.g. \"find Zr-based glass with Trg>0.6 avoiding Ag\"."
    return goal.describe()


def _reader(console: Console) -> Callable[[], str]:
    """A function returning the next input line (EOFError at the end, KeyboardInterrupt on Ctrl-C)."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        from alloygan.tools.settings import settings

        session = PromptSession(history=FileHistory(str(settings().paths.chat_history)))
        return lambda: session.prompt("alloygan> ")

    def read_line() -> str:
        line = input()
        console.print(Text(f"» {line}", style="bold"))  # a transcript that shows what was asked
        return line

    return read_line


class ChatSession:
    """The read-eval-print loop over one conversation thread."""

    def __init__(self, assistant: Assistant, thread: str, console: Console, read: Callable[[], str] | None = None):
        self.assistant = assistant
        self.thread = thread
        self.console = console
        self.read = read or _reader(console)

    def run(self) -> int:
        self.console.print(f"alloygan chat — {self.assistant.description}", style="bold", markup=False)
        self.console.print(f"thread {self.thread}; /help for commands, /quit to leave", style="dim")
        while True:
            try:
                line = self.read().strip()
            except EOFError:
                break
            except KeyboardInterrupt:
                continue
            if not line:
                continue
            if line.startswith("/"):
                if not self.command(line):
                    break
                continue
            try:
                render_turn(run_turn(self.assistant, line, self.thread, self.console), self.console)
            except TurnCancelled:
                self.console.print("turn cancelled", style="yellow")
            except self._user_errors() as error:
                self.console.print(Text(f"error: {error}", style="red"))
        self.console.print(f"conversation saved; resume with `alloygan chat --thread {self.thread}`", style="dim")
        return 0

    @staticmethod
    def _user_errors() -> tuple[type[Exception], ...]:
        from alloygan.tools.errors import user_errors

        return user_errors()

    def command(self, line: str) -> bool:
        """Run a /command; False means leave."""
        name, _, rest = line.partition(" ")
        name = name.lower()
        if name in ("/quit", "/exit", "/q"):
            return False
        if name == "/help":
            self.console.print(COMMANDS, markup=False)
            self.console.print(CAPABILITIES, markup=False)
        elif name == "/goal":
            self.console.print(Text(describe_goal(self.assistant.current_goal(self.thread))))
        elif name == "/candidates":
            design = self.assistant.last_design(self.thread)
            if design is not None:
                from alloygan.agent.cli.design import print_design

                print_design(design)
            else:
                self.console.print("No candidates yet in this conversation.")
        elif name == "/log":
            self.log(rest)
        elif name == "/thread":
            self.console.print(self.thread)
        else:
            self.console.print(f"unknown command {name}; /help lists the commands", style="yellow", markup=False)
        return True

    def log(self, rest: str) -> None:
        from alloygan.tools.experiments import log_suggestions

        ranks = [int(n[:10]) for n in re.findall(r"\d+", rest)] or None  # 10 digits: refused as a rank, no huge int
        try:
            result = log_suggestions(self.assistant.last_design(self.thread), ranks, self.thread)
        except self._user_errors() as error:
            self.console.print(Text(f"error: {error}", style="red"))
            return
        logged = result.logged
        if (note := result.already_note()) is not None:
            self.console.print(note, markup=False)
        if not logged:
            return
        table = Table(title=f"{len(logged)} experiment suggestions logged", title_justify="left")
        for column in ("id", "rank", "composition (at.%)", "Tg K", "Tx K", "Tl K"):
            table.add_column(column, justify="left" if column.startswith("comp") else "right")
        for s in logged:
            table.add_row(str(s.id), str(s.design_rank), s.formula,
                          *(plus_minus(s.predicted.get(k), 0) for k in ("Tg", "Tx", "Tl")))
        self.console.print(table)
        self.console.print("Record a result: alloygan experiments record ID --tg … --tx … --tl …", style="dim")
