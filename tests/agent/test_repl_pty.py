"""`alloygan chat` in a real terminal (a pty): the prompt, Ctrl-C during a running turn, input history.

The chat runs in a child process whose design tool is replaced by one that reports progress
until it is stopped (for up to 10 minutes), so the test can press Ctrl-C while a tool is
running in the tool node's worker thread and check that the turn is cancelled and the prompt
comes back. No timing is asserted: the timeouts below only keep a broken build from hanging.
"""
from __future__ import annotations

import os
import re
import select
import signal
import sys
import time
from pathlib import Path

import pytest

pty = pytest.importorskip("pty")

GOAL = "find Zr-based glass with Trg>0.6 avoiding Ag"
TOOL_RUNS_SECONDS = 600.0  # far longer than any hang guard below: only a cancellation ends the tool in time
HANG_GUARD_SECONDS = 120.0
CHILD = f"""
import signal
import time
# a terminal's Ctrl-C interrupts: a child of a background job (CI scripts run with `&`) inherits SIGINT ignored
signal.signal(signal.SIGINT, signal.default_int_handler)
import alloygan.tools.design
from alloygan.knowledge_base.progress import Progress

def slow_design(goal, on_progress=None, n_generated=None):
    for step in range({int(TOOL_RUNS_SECONDS / 0.05)}):
        on_progress(Progress(f"generating step {{step}}"))
        time.sleep(0.05)
    raise AssertionError("the tool ran to its end: the turn was not cancelled")

alloygan.tools.design.design_alloys = slow_design
from alloygan.agent.cli import main
main(["chat"])
"""
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\r")


class Terminal:
    """A child process on a pty, read as a person sees it (escape sequences removed)."""

    def __init__(self, code: str, env: dict[str, str]):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the pty is its controlling terminal, so Ctrl-C is SIGINT
            os.execve(sys.executable, [sys.executable, "-c", code], env)
        self.raw = b""
        self.seen = 0  # what `expect` has consumed

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def screen(self) -> str:
        return _ESCAPES.sub("", self.raw.decode("utf-8", "replace"))

    def expect(self, pattern: str, timeout: float) -> str:
        """Wait for `pattern` in the output after the last match; the text up to the match."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            match = re.search(pattern, text[self.seen:])
            if match:
                found = text[self.seen:self.seen + match.end()]
                self.seen += match.end()
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} within {timeout} s; the screen ends with:\n{text[-1500:]}")
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the child has left
                    chunk = b""
                if b"\x1b[6n" in chunk:  # answer cursor-position requests, as a terminal does
                    os.write(self.fd, b"\x1b[1;1R" * chunk.count(b"\x1b[6n"))
                self.raw += chunk

    def wait(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.1)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError("the chat did not leave")


@pytest.fixture
def terminal(fresh_home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLOYGAN_LLM_")}
    env.update(ALLOYGAN_HOME=str(fresh_home), TERM="xterm", COLUMNS="120", LINES="40",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    term = Terminal(CHILD, env)
    yield term
    try:
        os.kill(term.pid, signal.SIGKILL)
        os.waitpid(term.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    os.close(term.fd)


def test_ctrl_c_cancels_the_running_turn_and_history_recalls_input(terminal, fresh_home):
    terminal.expect(r"alloygan>", timeout=HANG_GUARD_SECONDS)
    terminal.send(GOAL + "\r")
    terminal.expect(r"generating step \d+", timeout=HANG_GUARD_SECONDS)  # the tool is running (progress on screen)
    terminal.send("\x03")
    # the turn ends with the cancellation and the prompt comes back while the tool would still be running
    terminal.expect(r"turn cancelled[\s\S]*alloygan>", timeout=HANG_GUARD_SECONDS)

    terminal.send("/thread\r")
    found = terminal.expect(r"\b[0-9a-f]{10}\b[\s\S]*alloygan>", HANG_GUARD_SECONDS)
    thread = re.search(r"\b([0-9a-f]{10})\b", found).group(1)
    terminal.send("\x1b[A")  # arrow up: the last line again
    terminal.send("\r")
    terminal.expect(thread + r"[\s\S]*alloygan>", HANG_GUARD_SECONDS)
    terminal.send("/quit\r")
    terminal.expect(rf"resume with `alloygan chat --thread {thread}`", HANG_GUARD_SECONDS)
    assert terminal.wait(HANG_GUARD_SECONDS) == 0  # the stopped tool does not keep the process alive
    screen = terminal.screen()
    assert "Traceback" not in screen and "ran to its end" not in screen

    history = (fresh_home / "chat_history.txt").read_text()
    assert GOAL in history and "/thread" in history  # kept for the next session
    from alloygan.agent.assistant import Assistant
    from langchain_core.messages import ToolMessage
    with Assistant(planner="offline", checkpoint_path=fresh_home / "conversations.sqlite") as assistant:
        messages = assistant.values(thread)["messages"]
    assert "cancelled" in messages[-1].text  # the thread is closed cleanly and can go on
    assert any(isinstance(m, ToolMessage) and "not run" in m.text for m in messages)
