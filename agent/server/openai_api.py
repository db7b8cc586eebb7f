"""The OpenAI-compatible chat endpoint under /v1/ (filled in by the chat-endpoint work)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
