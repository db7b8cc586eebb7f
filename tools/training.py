"""`alloygan train`: bring the forward model and the generators up to date with the knowledge base."""
from __future__ import annotations

import time
from collections.abc import Callable

from alloygan.tools.errors import ToolInputError


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


def train_models(
    family: str | None = None,
    model: str | None = None,
    on_status: Callable[[str], None] | None = None,
) -> dict:
    """Retrain what is stale (the data or the settings changed) and report what was trained or reused."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.forward import load_forward_model
    from alloygan.models.forward.registry import saved_metadata
    from alloygan.models.generative import GENERATIVE_MODELS, load_generator
    from alloygan.models.generative.registry import saved_metadata as generator_metadata
    from alloygan.tools.design import DEFAULT_GENERATOR

    status = on_status or (lambda _: None)
    model = model or DEFAULT_GENERATOR
    if model not in GENERATIVE_MODELS:
        raise ToolInputError(f"--model {model}: use one of {', '.join(GENERATIVE_MODELS)}")
    table = load_alloy_table()
    families = [family] if family else default_families(table)
    for name in families:  # a family without data is named now, not after the forward model has trained
        _check_family(name, table)
    started = time.perf_counter()
    before = (saved_metadata() or {}).get("trained_at")
    forward = load_forward_model(table=table, on_status=status)
    after = saved_metadata() or {}
    report = {"alloys": len(table), "forward_model": {
        "trained": after.get("trained_at") != before, "n_alloys": after.get("n_alloys"),
        "training_seconds": after.get("training_seconds"), "elements": len(forward.vocabulary_)}, "generators": []}
    for name in families:
        previous = (generator_metadata(model, name) or {}).get("trained_at")

        def progress(epoch, epochs, _metrics=None, name=name):
            status(f"training {model} for {name}: epoch {epoch}/{epochs}")

        load_generator(model=model, family=name, on_progress=progress, table=table)
        metadata = generator_metadata(model, name) or {}
        report["generators"].append({"model": model, "family": name,
                                     "trained": metadata.get("trained_at") != previous,
                                     "training_seconds": metadata.get("training_seconds"),
                                     "n_alloys": (metadata.get("metrics") or {}).get("n_train")})
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report
