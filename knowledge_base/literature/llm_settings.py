"""The LLM endpoint (any OpenAI-compatible server): its settings and the chat model built from them.

One section of alloygan's settings, read by `alloygan.tools.settings` from the environment or
ALLOYGAN_HOME/llm.env and passed down here (this package reads no environment for it):

    ALLOYGAN_LLM_BASE_URL   e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)
    ALLOYGAN_LLM_MODEL      the model name the server knows, e.g. gpt-4o-mini or llama3.1
    ALLOYGAN_LLM_API_KEY    the key, when the server needs one
    ALLOYGAN_LLM_TIMEOUT, ALLOYGAN_LLM_MAX_RETRIES, ALLOYGAN_LLM_TEMPERATURE,
    ALLOYGAN_LLM_MAX_TOKENS, ALLOYGAN_LLM_CONTEXT_TOKENS (optional)

The LLM is an option: nothing in the science depends on it. Shared by every LLM use
(extraction, the agent's planner).
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from alloygan.knowledge_base.literature.errors import LLMNotConfiguredError


class LLMSettings(BaseModel):
    """Where and how to reach the chat model (ALLOYGAN_LLM_*)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1")
    api_key: SecretStr | None = Field(None, description="API key; local servers usually need none")
    model: str | None = Field(None, description="Model name as the server knows it")
    timeout: float = Field(60.0, gt=0, description="Seconds to wait for one answer (one request)")
    max_retries: int = Field(2, ge=0, le=10, description="Retries when the server cannot be reached (refused, "
                                                         "reset), with backoff; never on timeouts or HTTP errors")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature (0: most deterministic)")
    max_tokens: int = Field(512, ge=16, le=32768, description="Most tokens the model may write in one answer "
                                                              "(sent on every request)")
    context_tokens: int = Field(4096, ge=1024, le=1_000_000, description="The model's context window in tokens: "
                                "the conversation sent is trimmed to fit it with room for the answer")

    @property
    def configured(self) -> bool:
        """A model name and a way to reach it (an endpoint or a key for the default one)."""
        return bool(self.model and (self.base_url or self.api_key))

    def require(self, purpose: str = "--llm", alternative: str = "") -> "LLMSettings":
        """These settings, or `LLMNotConfiguredError` naming the environment variables to set (and `alternative`,
        what the command can do without an LLM)."""
        if not self.configured:
            raise LLMNotConfiguredError(
                f"{purpose} needs an LLM endpoint: set ALLOYGAN_LLM_BASE_URL (e.g. http://localhost:11434/v1) and "
                "ALLOYGAN_LLM_MODEL, and ALLOYGAN_LLM_API_KEY if the server needs a key (in the environment or in "
                f"ALLOYGAN_HOME/llm.env){'; ' + alternative if alternative else ''}"
            )
        return self
