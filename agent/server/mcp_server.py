"""The MCP server (the official `mcp` SDK): over stdio (`alloygan mcp`) and at /mcp (filled in by the MCP work)."""
from __future__ import annotations


def build(get_service):
    """The FastMCP server over the service `get_service()` returns, or None while it is not built."""
    return None
