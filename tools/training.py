"""`alloygan train`: bring the forward model and the generators up to date with the knowledge base."""
from __future__ import annotations

import time

from pydantic import Field

from alloygan.knowledge_base.progress import ProgressCallback
from alloygan.tools.arguments import Arguments
from alloygan.tools.errors import ToolInputError
from alloygan.tools.results import ForwardModelTraining, GeneratorTraining, TrainingReport


def generator_family(base_element: str | None, table) -> str:
    """Which generator serves a base element: its own family model when the family is big enough, else "all"."""
    from alloygan.models.generative.registry import ALL_FAMILIES, MIN_FAMILY_ALLOYS

    counts = table.frame["base_element"].value_counts()
    return base_element if base_element and counts.get(base_element, 0) >= MIN_FAMILY_ALLOYS else ALL_FAMILIES


def default_families(table) -> list[str]:
    """Every family `design` uses a model of: each big-enough base element, and "all" for the rest."""
    from alloygan.models.generative.registry import ALL_FAMILIES, MIN_FAMILY_ALLOYS

    counts = table.frame["base_element"].value_counts()
    return [f for f, n in counts.items() if n >= MIN_FAMILY_ALLOYS] + [ALL_FAMILIES]


def _check_family(family: str, table) -> None:
    from alloygan.models.generative.registry import family_table

    try:
        family_table(family, table)
    except ValueError as error:
        raise ToolInputError(f"--family {family}: {error}") from None


class TrainArgs(Arguments):
    """Retrain the forward property model and the generators on the current knowledge base (after new
    measurements). Takes a while."""

    family: str | None = Field(None, description="Base element of the family to (re)train the generator for; default all")
    model: str | None = Field(None, description="Generator model name; default the design pipeline's")


def train_models(
    family: str | None = None,
    model: str | None = None,
    on_progress: ProgressCallback | None = None,
    force: bool = False,
) -> TrainingReport:
    """Retrain what is stale (the data or the settings changed), or everything with `force`, and report what was
    trained or reused."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.generative import GENERATIVE_MODELS
    from alloygan.models.model_store import ensure_forward, ensure_generator
    from alloygan.tools.design import DEFAULT_GENERATOR

    model = model or DEFAULT_GENERATOR
    if model not in GENERATIVE_MODELS:
        raise ToolInputError(f"--model {model}: use one of {', '.join(GENERATIVE_MODELS)}")
    table = load_alloy_table()
    families = [family] if family else default_families(table)
    for name in families:  # a family without data is named now, not after the forward model has trained
        _check_family(name, table)
    started = time.perf_counter()
    forward, done = ensure_forward(table, on_progress, force=force)
    forward_training = ForwardModelTraining(trained=done.trained, n_alloys=done.n_alloys,
                                            training_seconds=done.training_seconds, elements=len(forward.vocabulary_))
    generators = []
    for name in families:
        _, done = ensure_generator(model, name, table, on_progress=on_progress, force=force)
        generators.append(GeneratorTraining(model=model, family=name, trained=done.trained,
                                            training_seconds=done.training_seconds, n_alloys=done.n_alloys))
    return TrainingReport(alloys=len(table), forward_model=forward_training, generators=generators,
                          seconds=round(time.perf_counter() - started, 1))
