"""Tool arguments: one pydantic model per tool, shared by the plain function, the CLI and the LangChain tool.

Each tool's argument model lives beside its function (`tools/knowledge.py`, `tools/literature.py`,
...). It is the tool's `args_schema` (its docstring is the description a model reads, and every
field has a description), the plain function takes it, and the CLI builds it with `validated`, so
the bounds a model and a person meet are the same.
"""
from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from alloygan.knowledge_base.validation import validation_message
from alloygan.tools.errors import ToolInputError


class Arguments(BaseModel):
    """Base of every tool's arguments: unknown arguments are errors, never ignored."""

    model_config = ConfigDict(extra="forbid")


ArgumentsT = TypeVar("ArgumentsT", bound=BaseModel)


def validated(model: type[ArgumentsT], **values: Any) -> ArgumentsT:
    """`model(**values)`, with pydantic's errors turned into one `ToolInputError` line."""
    try:
        return model(**values)
    except ValidationError as error:
        raise ToolInputError(validation_message(error)) from None
