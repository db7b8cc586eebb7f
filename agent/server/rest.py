"""The REST API under /api/ (filled in by the REST work: design, predict, parse-goal, lit search, kb query,
experiments)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["alloygan"])
