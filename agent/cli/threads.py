"""`alloygan threads ...`: the assistant's stored conversations; and the --thread NAME of `ask` and `chat`."""
from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table
from rich.text import Text

from alloygan.agent.cli.output import console, err_console, fail, fits, print_result

if TYPE_CHECKING:  # the CLI imports the agent and tools layers when a command runs
    from alloygan.agent.assistant import Assistant
    from alloygan.tools.results import Conversation

app = typer.Typer(help="The assistant's stored conversations (threads): list them, show one, delete one.",
                  no_args_is_help=True)


def start_or_continue(assistant: Assistant, name: str) -> str:
    """The conversation `--thread NAME` names: continued when stored, else started (said once on stderr)."""
    if assistant.open_thread(name):
        err_console.print(f"new conversation {name}", markup=False)
    return name


@app.command("list")
def list_(json_out: bool = typer.Option(False, "--json", help="Print JSON (a list, newest first).")) -> None:
    """Every stored conversation, newest first: thread id, user turns, current goal, last message, last update."""
    from alloygan.agent.threads import list_conversations

    print_result(list_conversations(), json_out, _print_conversations)


def _updated(conversation: Conversation) -> str:
    return conversation.updated_at[:16].replace("T", " ") if conversation.updated_at else ""


def _print_conversations(conversations: list[Conversation]) -> None:
    if not conversations:
        console.print('No conversations yet: start one with alloygan ask "…" (or name it: '
                      'alloygan ask --thread NAME "…"), or alloygan chat.', markup=False, soft_wrap=True)
        return
    title = f"{len(conversations)} conversation{'s' if len(conversations) != 1 else ''}, newest first (updated: UTC)"
    table = Table(title=title, title_justify="left")
    for column in ("thread", "turns", "goal", "last message", "updated"):
        table.add_column(column, justify="right" if column == "turns" else "left")
    for c in conversations:
        table.add_row(c.thread, str(c.user_turns), c.goal, c.last_message, _updated(c))
    if fits(table):
        console.print(table)
        return
    # a block of lines per conversation on a narrow terminal
    console.print(title, style="bold", markup=False)
    for c in conversations:
        lines = [f"{c.thread}  {c.user_turns} turns" + (f"  updated {_updated(c)}" if c.updated_at else "")]
        lines += [f"    goal: {c.goal}"] if c.goal else []
        lines += [f"    last: {c.last_message}"] if c.last_message else []
        console.print(Text("\n".join(lines)), soft_wrap=True)


@app.command("show")
def show(thread: str = typer.Argument(..., help="Thread id (see `alloygan threads list`).")) -> None:
    """One conversation as plain text: the user's messages and the assistant's answers."""
    from alloygan.agent.threads import conversation_exchanges

    for role, text in conversation_exchanges(thread):
        if role == "user":
            console.print(Text(f"» {text}", style="bold"), soft_wrap=True)
        else:
            console.print(Text(text), soft_wrap=True)
            console.print()


@app.command("delete")
def delete(thread: str = typer.Argument(..., help="Thread id (see `alloygan threads list`)."),
           yes: bool = typer.Option(False, "--yes", help="Delete without asking (needed when not at a terminal).")
           ) -> None:
    """Delete one stored conversation, all of it (its messages, goal and designs); the experiment log keeps
    what was logged from it."""
    import sys

    from alloygan.agent.threads import conversation_exchanges, delete_conversation

    if not yes:
        turns = sum(role == "user" for role, _ in conversation_exchanges(thread))  # names a missing thread first
        if not sys.stdin.isatty():
            fail(f"threads delete {thread}: add --yes to delete the conversation ({turns} user turns); "
                 "it cannot be undone")
        typer.confirm(f"Delete conversation {thread} ({turns} user turns)? It cannot be undone", abort=True)
    deleted = delete_conversation(thread)
    console.print(f"Deleted conversation {deleted.thread} ({deleted.user_turns} user turns).", markup=False)
