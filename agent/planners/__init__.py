"""The two planners: the LLM (any OpenAI-compatible endpoint) and the offline rules."""
