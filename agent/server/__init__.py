"""The assistant served from one warm process: a web chat, a REST API, an OpenAI-compatible chat endpoint and an
MCP server over the same graph, tools and typed results (`alloygan serve`, `alloygan mcp`)."""
