"""pydantic's validation errors as one line a user, a planner or an LLM can act on.

pydantic's own message spans several lines (the model, each field, a documentation link);
every boundary of the project (CLI arguments, tool arguments, goals, LLM answers, settings)
reports the same short form instead: `where: what` per error, joined by "; ". It lives in
the data core because every layer uses it and the data core imports neither of the others.
"""
from __future__ import annotations

from pydantic import ValidationError


def validation_message(error: ValidationError, where: str = "arguments", most: int | None = None,
                       locations: bool = True) -> str:
    """`location: message` for each error (at most `most`), joined by "; ".

    `where` names an error that has no location (a model-level check); `locations=False`
    gives the messages alone (for a caller whose own message already names the input).
    pydantic's "Value error, " prefix of messages raised by validators is dropped.
    """
    problems = []
    for detail in error.errors()[:most]:
        message = str(detail["msg"]).removeprefix("Value error, ")
        location = ".".join(map(str, detail["loc"])) or where
        problems.append(f"{location}: {message}" if locations else message)
    return "; ".join(problems)
