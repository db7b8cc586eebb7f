"""The planner's system prompt: `prompts/agent_system.md` (a `version:` line, `---`, then the text)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alloygan.models.design.goal import DesignGoal

PROMPT_FILE = "agent_system.md"


@dataclass(frozen=True)
class SystemPrompt:
    version: str
    text: str


@lru_cache(maxsize=1)
def load_system_prompt() -> SystemPrompt:
    raw = resources.files("alloygan.prompts").joinpath(PROMPT_FILE).read_text(encoding="utf-8")
    header, separator, body = raw.partition("\n---\n")
    if not separator or not header.startswith("version:") or not body.strip():
        raise ValueError(f"prompts/{PROMPT_FILE}: expected a 'version: N' line, a '---' line, then the prompt text")
    return SystemPrompt(header.removeprefix("version:").strip(), body.strip())


def system_message_text(goal: DesignGoal | None) -> str:
    """The system prompt with the conversation's current design goal (what follow-ups refine)."""
    prompt = load_system_prompt().text
    if goal is not None:
        shown = {k: v for k, v in goal.as_json().items() if v not in (None, [], False) or k == "n_candidates"}
        return f"{prompt}\n\nThe conversation's current design goal (JSON): {json.dumps(shown)}"
    return f"{prompt}\n\nNo design goal has been set in this conversation yet."
