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


class DiscoveryError(LiteratureError):
    """Online discovery was not allowed, or the service could not be reached."""
