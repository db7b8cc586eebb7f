"""The settings of alloygan in one object: the LLM endpoint, the agent, the paths.

Read once from the environment and from `ALLOYGAN_HOME/llm.env` (lines `NAME=value`; the
environment wins over the file), validated by pydantic, and shared by the planner, literature
extraction and everything else through `settings()`:

    ALLOYGAN_HOME                  the state directory (the environment only: the file lives in it)
    ALLOYGAN_LLM_<FIELD>           `LLMSettings` (knowledge_base.literature.llm_settings): endpoint, model, key...
    ALLOYGAN_AGENT_<FIELD>         `AgentSettings`: planner choice and the limits of one turn

A bad value is a `SettingsError` naming the variable and where it was set (the CLI prints it
as one line and exits 2). The tools layer passes `settings().llm` down to the data core, which
does not read the environment for it.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from alloygan.knowledge_base.literature.llm_settings import LLMSettings
from alloygan.knowledge_base.paths import ENV_HOME, alloygan_home
from alloygan.tools.errors import ToolInputError

ENV_PREFIX = "ALLOYGAN_"
SETTINGS_FILE = "llm.env"
PlannerChoice = Literal["auto", "llm", "offline"]


class SettingsError(ToolInputError):
    """A setting with a value that cannot be used; the message names the variable and where it was set."""


class AgentSettings(BaseModel):
    """How the assistant plans, and the limits of one turn (ALLOYGAN_AGENT_*)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    planner: PlannerChoice = Field(
        "auto", description="'llm' (needs an endpoint), 'offline' (deterministic rules) or 'auto' (llm when configured)")
    max_tool_calls: int = Field(6, ge=1, le=50, description="Tool calls allowed in one turn (the budget)")
    recursion_limit: int = Field(20, ge=4, le=200, description="Graph steps allowed in one turn (LangGraph recursion limit)")
    history_turns: int = Field(8, ge=1, le=100, description="Earlier turns of the conversation sent to the LLM")
    turn_seconds: float = Field(120.0, ge=5, le=3600, description="Wall-clock budget of one turn's LLM requests: "
                                "once used up, the rest of the turn is finished offline")


class ApiSettings(BaseModel):
    """The server (`alloygan serve`, `alloygan mcp`): who may call it and how much (ALLOYGAN_API_*)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: SecretStr | None = Field(None, description="Bearer token every route checks; required to serve on an "
                                                      "address other than loopback")
    max_body_bytes: int = Field(1_000_000, ge=1_000, le=100_000_000, description="Largest request body accepted")
    max_message_chars: int = Field(4_000, ge=100, le=1_000_000, description="Longest chat message accepted")


class PathSettings(BaseModel):
    """Where alloygan keeps its files: everything lives under `home` (ALLOYGAN_HOME)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    home: Path = Field(description="The state directory: ALLOYGAN_HOME, else the user's data directory "
                                   "(e.g. ~/.local/share/alloygan)")

    @property
    def settings_file(self) -> Path:
        """The optional file of ALLOYGAN_LLM_* / ALLOYGAN_AGENT_* lines (the environment takes precedence)."""
        return self.home / SETTINGS_FILE

    @property
    def conversations(self) -> Path:
        """The LangGraph SQLite checkpointer's file: one conversation state per thread id."""
        return self.home / "conversations.sqlite"

    @property
    def chat_history(self) -> Path:
        """Input history of `alloygan chat` (prompt_toolkit FileHistory)."""
        return self.home / "chat_history.txt"


class Settings(BaseSettings):
    """Every setting of alloygan; build it with `settings()`, not directly."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="_", env_nested_max_split=1,
                                      extra="forbid", frozen=True)

    llm: LLMSettings = Field(default_factory=LLMSettings,
                             description="The OpenAI-compatible chat endpoint, for the planner and extraction")
    agent: AgentSettings = Field(default_factory=AgentSettings, description="How the assistant plans a turn")
    api: ApiSettings = Field(default_factory=ApiSettings, description="The server's access and limits")
    paths: PathSettings = Field(description="Where the state lives (from ALLOYGAN_HOME; not read from the file)")


_lock = threading.Lock()
_cache: dict[tuple, Settings] = {}


def settings() -> Settings:
    """The settings, loaded on first use and kept while the environment's ALLOYGAN_* variables stay the same
    (`reload_settings()` also rereads the file)."""
    key = _environment_key()
    with _lock:
        cached = _cache.get(key)
        if cached is None:
            cached = _load()
            _cache.clear()
            _cache[key] = cached
        return cached


def reload_settings() -> None:
    """Forget the loaded settings: the next `settings()` reads them again (after editing llm.env; tests)."""
    with _lock:
        _cache.clear()


def _environment_key() -> tuple:
    # HOME and XDG_DATA_HOME decide the default state directory when ALLOYGAN_HOME is unset
    return tuple(sorted((name, value) for name, value in os.environ.items()
                        if name.upper().startswith(ENV_PREFIX) or name in ("HOME", "XDG_DATA_HOME")))


def _load() -> Settings:
    try:
        home = alloygan_home()
    except OSError as error:
        raise SettingsError(f"{ENV_HOME}={os.environ.get(ENV_HOME, '')}: cannot use it as the state directory "
                            f"({error.strerror or error}); point it at a writable directory") from None
    paths = PathSettings(home=home)
    file = paths.settings_file
    try:
        return Settings(paths=paths, _env_file=file if file.is_file() else None)
    except ValidationError as error:
        raise SettingsError("; ".join(_problem(e, file) for e in error.errors())) from None


def _problem(error: dict, file: Path) -> str:
    """One validation error as `NAME=value (where it was set): what is wrong`."""
    loc = [str(part) for part in error["loc"]]
    if len(loc) >= 2 and loc[0] in Settings.model_fields:
        name = f"{ENV_PREFIX}{loc[0]}_{'_'.join(loc[1:])}".upper()
        where = "in the environment" if name in {n.upper() for n in os.environ} else f"in {file}"
    else:  # a line of the file that names no setting (the environment's other variables are not read)
        name, where = "_".join(loc).upper(), f"in {file}"
    if error["type"] != "extra_forbidden":
        shown = "…" if name.endswith("API_KEY") else error.get("input")
        return f"{name}={shown} ({where}): {error['msg']}"
    if name == ENV_HOME:
        return f"{name} ({where}) cannot be set in the file that lives in it; set it in the environment"
    section = next((s for s in ("llm", "agent", "api") if name.startswith(f"{ENV_PREFIX}{s}_".upper())), None)
    known = [n for n in setting_names() if section and n.startswith(f"{ENV_PREFIX}{section}_".upper())]
    return (f"{name} ({where}) is not a setting; " + (f"use one of {', '.join(known)}" if known else
            f"the file holds {ENV_PREFIX}LLM_*, {ENV_PREFIX}AGENT_* and {ENV_PREFIX}API_* lines"))


def setting_names() -> list[str]:
    """Every variable that the settings read, e.g. ALLOYGAN_LLM_BASE_URL (ALLOYGAN_HOME first)."""
    names = [ENV_HOME]
    for section in ("llm", "agent", "api"):
        model = Settings.model_fields[section].annotation
        names += [f"{ENV_PREFIX}{section}_{field}".upper() for field in model.model_fields]
    return names


def chat_model(llm: LLMSettings | None = None, purpose: str = "--llm",
               alternative: str = "or use the offline rules (--rules)"):
    """A `ChatOpenAI` for the configured endpoint (`settings().llm` unless given; no tools bound);
    `LLMNotConfiguredError` naming the variables to set, and `alternative`, when there is none."""
    from alloygan.knowledge_base.literature.llm_client import chat_model_from_settings

    return chat_model_from_settings(llm or settings().llm, purpose, alternative)
