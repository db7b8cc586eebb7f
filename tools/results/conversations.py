"""The assistant's stored conversations (threads), as `alloygan threads list` shows them."""
from __future__ import annotations

from pydantic import Field

from alloygan.tools.results.base import FlatResult


class Conversation(FlatResult):
    """One stored conversation of the assistant: its thread id, how far it went and where it stands
    (`alloygan threads list --json` prints a list of these, newest first)."""

    schema_name = "conversation"

    thread: str = Field(description="The thread id: a name given with --thread, or an id the assistant made; "
                                    "continue with `alloygan ask --thread ID`")
    user_turns: int = Field(ge=0, description="Messages the user sent in this conversation")
    goal: str = Field(description="The conversation's current design goal, as one line (empty when none was set)")
    last_message: str = Field(description="The first words of the user's last message")
    updated_at: str | None = Field(description="UTC time of the conversation's last checkpoint, ISO 8601 "
                                               "(None when the checkpoint carries no time)")
