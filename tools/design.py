"""Goal parsing and the design pipeline as plain functions returning typed results (`tools.results`)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alloygan.knowledge_base.progress import ProgressCallback
from alloygan.models.design.goal import DesignGoal
from alloygan.tools.errors import ToolInputError
from alloygan.tools.results import CANDIDATE_CSV_COLUMNS, SHOWN_PROPERTIES, Candidate, DesignAnswer, GoalParse
from alloygan.tools.tables import write_csv

DEFAULT_GENERATOR = "ours"


def parse_goal_text(text: str, previous: DesignGoal | None = None) -> GoalParse:
    """The goal in plain words (refining `previous`, the conversation's goal, if given), and the words
    that were not used."""
    from alloygan.models.design.goal_text import parse_goal

    goal, not_understood = parse_goal(text, previous)
    return GoalParse(goal=goal, not_understood=not_understood)


def goal_from_fields(fields: dict) -> DesignGoal:
    """A `DesignGoal` from structured fields (batch files, the LLM planner); unknown keys are errors."""
    from pydantic import ValidationError

    from alloygan.knowledge_base.validation import validation_message

    try:
        return DesignGoal(**fields)
    except ValidationError as error:
        raise ToolInputError(validation_message(error, "goal", most=1)) from None


def load_models(base_element: str | None, on_progress: ProgressCallback | None = None, table=None):
    """(table, generator, forward model) for a base element; trains what is missing or stale, and says so
    through `on_progress`."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.model_store import ensure_forward, ensure_generator
    from alloygan.tools.training import generator_family

    table = table if table is not None else load_alloy_table()
    forward, _ = ensure_forward(table, on_progress)
    generator, _ = ensure_generator(DEFAULT_GENERATOR, generator_family(base_element, table), table,
                                    on_progress=on_progress)
    return table, generator, forward


def design_alloys(goal: DesignGoal | GoalParse, on_progress: ProgressCallback | None = None,
                  n_generated: int | None = None) -> DesignAnswer:
    """Run the pipeline for a goal (or a parse of words, whose words not understood the answer keeps)."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.design.pipeline import design, family_of
    from alloygan.models.model_store import forward_version

    parsed = goal if isinstance(goal, GoalParse) else GoalParse(goal=goal)
    table = load_alloy_table()
    family_of(parsed.goal, table)  # a goal without data fails here, before any model is loaded or trained
    table, generator, forward = load_models(parsed.goal.base_element, on_progress, table=table)
    result = design(parsed.goal, table, generator, forward, n_generated=n_generated, on_progress=on_progress,
                    shown=SHOWN_PROPERTIES)
    return DesignAnswer.of(result, forward_version(), parsed.not_understood)


def write_candidates_csv(candidates: Sequence[Candidate], path: Path) -> None:
    write_csv(path, CANDIDATE_CSV_COLUMNS, (c.csv_row() for c in candidates))
