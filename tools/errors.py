"""Errors a user or a planner can act on: bad input named, with what to do instead.

The CLI prints any of `USER_ERRORS` as one line and exits 2; the LangChain tools return
them as a message to the planner. Everything else is a bug and keeps its traceback.
"""
from __future__ import annotations

from alloygan.knowledge_base.composition import CompositionError
from alloygan.knowledge_base.store import StoreError
from alloygan.knowledge_base.table_miner import MiningError


class ToolInputError(ValueError):
    """An argument a tool cannot use; the message names it and the fix."""


def user_errors() -> tuple[type[Exception], ...]:
    from alloygan.models.constraints import ConditionError
    from alloygan.models.design.goal_text import GoalError
    from alloygan.models.design.pipeline import DesignError
    from alloygan.models.model_store import ModelStoreError
    from alloygan.knowledge_base.experiments import ExperimentError
    from alloygan.knowledge_base.literature.errors import LiteratureError

    return (ToolInputError, CompositionError, ConditionError, GoalError, DesignError, MiningError, StoreError,
            FileNotFoundError, LiteratureError, ExperimentError, ModelStoreError)
