"""Errors of the literature stage that a user can act on (the CLI prints them as one line)."""
from __future__ import annotations


class LiteratureError(RuntimeError):
    """Base of the literature errors: the message names the input and what to do."""


class DocumentError(LiteratureError):
    """A file that cannot be read as a document (missing, broken, empty, unsupported)."""


class IndexBusyError(LiteratureError):
    """Another process is writing the literature index."""


class IndexMismatchError(LiteratureError):
    """The literature index was built with another embedding model."""


class EmptyIndexError(LiteratureError):
    """A search of an index that holds no documents yet."""


class LLMNotConfiguredError(LiteratureError):
    """An LLM was asked for but no endpoint is configured."""


class LLMEndpointError(LiteratureError):
    """The LLM endpoint failed (refused, timed out, an HTTP error, an answer that cannot be read); the message is
    one line saying what happened and what to set. `timed_out` tells a frozen server from a refusal."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class DiscoveryError(LiteratureError):
    """Online discovery was not allowed, or the service could not be reached."""
