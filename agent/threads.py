"""The assistant's conversation store: thread names, and the stored conversations read back.

Conversations are LangGraph checkpoints (SqliteSaver over `settings().paths.conversations`), one
thread per conversation. `alloygan ask --thread NAME` and `chat --thread NAME` continue the
conversation NAME, or start it when there is none; the assistant's own ids (`new_thread_id`)
are valid names too. `alloygan threads list` reads the store without creating or changing it.

The listing asks SQLite for the distinct thread ids and then `get_tuple` for each thread's
latest checkpoint: `SqliteSaver.list()` would decode every checkpoint of every thread (one
per graph step, each with the whole message history) to keep only the latest of each.
"""
from __future__ import annotations

import re
import sqlite3
import textwrap
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloygan.tools.errors import ToolInputError
from alloygan.tools.results import Conversation

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple

CHECKPOINTS_KEPT = 8  # per thread: the latest state and the steps of about the last turn before it
THREAD_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
THREAD_NAME_RULE = "1-64 characters: letters, digits, '_', '-' and '.' (e.g. zr-glass-1)"
LAST_MESSAGE_CHARS = 60  # the first words of the last user message, as the listing shows them


def check_thread_name(name: str) -> str:
    """A --thread name as given, or ToolInputError naming the allowed characters."""
    if not THREAD_NAME.fullmatch(name):
        shown = name if len(name) <= 70 else name[:70] + "…"
        raise ToolInputError(f"--thread {shown!r}: a conversation name is {THREAD_NAME_RULE}")
    return name


def latest_checkpoint(checkpointer: BaseCheckpointSaver, thread: str) -> CheckpointTuple | None:
    return checkpointer.get_tuple({"configurable": {"thread_id": thread}})


def open_thread(checkpointer: BaseCheckpointSaver, name: str) -> bool:
    """Check a --thread name: True when it starts a new conversation, False when it continues a stored one."""
    return latest_checkpoint(checkpointer, check_thread_name(name)) is None


@contextmanager
def read_only_store(path: Path | None = None) -> Iterator[Any]:
    """The conversation store opened read-only (a SqliteSaver), or None when there is no store yet.

    Nothing is created: a missing file, or a file no conversation was written to, yields None.
    """
    from langgraph.checkpoint.sqlite import SqliteSaver

    from alloygan.tools.settings import settings

    path = Path(path or settings().paths.conversations)
    if not path.is_file():
        yield None
        return
    try:
        connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)
    except sqlite3.Error as error:
        raise ToolInputError(f"conversation store {path}: cannot be read ({error})") from None
    with closing(connection):
        try:
            has_checkpoints = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoints'").fetchone()
        except sqlite3.DatabaseError as error:
            raise ToolInputError(f"conversation store {path}: not a conversation store ({error}); "
                                 "move it away to start afresh") from None
        yield SqliteSaver(connection) if has_checkpoints else None


def prune_checkpoints(checkpointer: Any, thread: str, keep: int = CHECKPOINTS_KEPT) -> None:
    """Delete all but the newest `keep` checkpoints of `thread` (per namespace), and the writes of those deleted.

    Every checkpoint holds the whole state (the graph's channels are plain reducers, not langgraph's
    DeltaChannel, so no checkpoint needs its ancestors), and the graph steps about five times a turn: kept all,
    the store grows with the square of the conversation's length. The latest state is all a turn reads;
    SQLite reuses the freed pages, so the file stays near its size at the longest kept state.
    """
    with checkpointer.cursor() as cursor:
        cursor.execute(
            "DELETE FROM checkpoints WHERE thread_id = ?1 AND checkpoint_id <= ("
            " SELECT c.checkpoint_id FROM checkpoints c WHERE c.thread_id = ?1"
            " AND c.checkpoint_ns = checkpoints.checkpoint_ns ORDER BY c.checkpoint_id DESC LIMIT 1 OFFSET ?2)",
            (thread, keep))
        cursor.execute(
            "DELETE FROM writes WHERE thread_id = ?1 AND NOT EXISTS (SELECT 1 FROM checkpoints c"
            " WHERE c.thread_id = ?1 AND c.checkpoint_ns = writes.checkpoint_ns"
            " AND c.checkpoint_id = writes.checkpoint_id)", (thread,))


def delete_conversation(thread: str, path: Path | None = None) -> Conversation:
    """Delete a stored conversation (all its checkpoints, through the checkpointer's `delete_thread`); what it was.

    ToolInputError when there is no such conversation."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    from alloygan.tools.settings import settings

    path = Path(path or settings().paths.conversations)
    missing = ToolInputError(f"threads delete {thread}: no conversation with that id; "
                             "`alloygan threads list` shows them")
    if not path.is_file():
        raise missing
    with closing(sqlite3.connect(path, check_same_thread=False, timeout=30.0)) as connection:
        checkpointer = SqliteSaver(connection)
        stored = latest_checkpoint(checkpointer, thread)
        if stored is None:
            raise missing
        conversation = conversation_of(thread, stored)
        checkpointer.delete_thread(thread)
    return conversation


def stored_threads(checkpointer: Any) -> list[str]:
    """Every thread id in the store, the most recently written first (checkpoint ids grow with time)."""
    with checkpointer.cursor(transaction=False) as cursor:
        cursor.execute("SELECT thread_id FROM checkpoints WHERE checkpoint_ns = '' "
                       "GROUP BY thread_id ORDER BY MAX(checkpoint_id) DESC")
        return [row[0] for row in cursor.fetchall()]


def conversation_of(thread: str, stored: CheckpointTuple) -> Conversation:
    """The listing's row of one thread, from its latest checkpoint."""
    from langchain_core.messages import HumanMessage

    from alloygan.models.design.goal import DesignGoal

    values = stored.checkpoint.get("channel_values") or {}
    user_messages = [m for m in values.get("messages") or [] if isinstance(m, HumanMessage)]
    goal = values.get("goal")
    last = " ".join(user_messages[-1].text.split()) if user_messages else ""
    return Conversation(thread=thread, user_turns=len(user_messages),
                        goal=DesignGoal.model_validate(goal).describe() if goal else "",
                        last_message=textwrap.shorten(last, LAST_MESSAGE_CHARS, placeholder=" …") if last else "",
                        updated_at=_utc(stored.checkpoint.get("ts")))


def _utc(timestamp: str | None) -> str | None:
    """A checkpoint's `ts` as UTC ISO 8601 to the second (None when missing or unreadable)."""
    try:
        moment = datetime.fromisoformat(timestamp) if timestamp else None
    except ValueError:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def list_conversations(path: Path | None = None) -> list[Conversation]:
    """Every stored conversation, newest first; [] when there is no store (none is created)."""
    with read_only_store(path) as checkpointer:
        if checkpointer is None:
            return []
        found = [(thread, latest_checkpoint(checkpointer, thread)) for thread in stored_threads(checkpointer)]
    conversations = [conversation_of(thread, stored) for thread, stored in found if stored is not None]
    # the store's order (checkpoint ids) first, then by time where the checkpoints carry one
    return sorted(conversations, key=lambda c: c.updated_at or "", reverse=True)


def conversation_exchanges(thread: str, path: Path | None = None) -> list[tuple[str, str]]:
    """A conversation's user messages and the assistant's answers, in order, as ("user" | "assistant", text)."""
    from langchain_core.messages import AIMessage, HumanMessage

    with read_only_store(path) as checkpointer:
        stored = latest_checkpoint(checkpointer, thread) if checkpointer is not None else None
    if stored is None:
        raise ToolInputError(f"threads show {thread}: no conversation with that id; `alloygan threads list` shows them")
    messages = (stored.checkpoint.get("channel_values") or {}).get("messages") or []
    exchanges = []
    for message in messages:
        if isinstance(message, HumanMessage):
            exchanges.append(("user", message.text))
        elif isinstance(message, AIMessage) and not message.tool_calls and message.text:
            exchanges.append(("assistant", message.text))
    return exchanges
