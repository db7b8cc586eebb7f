"""Forward predictions (typed results, `tools.results`) and their benchmark as plain functions."""
from __future__ import annotations

import csv
import gc
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from alloygan.knowledge_base.composition import Composition, CompositionError
from alloygan.knowledge_base.progress import ProgressCallback
from alloygan.tools.errors import ToolInputError
from alloygan.tools.results import (PREDICTION_CSV_COLUMNS, SHOWN_PROPERTIES, Domain, NearestKnown, Prediction,
                                    PredictionError)
from alloygan.tools.tables import write_csv


def predict_properties(inputs: Sequence[str], nearest: int = 3, on_progress: ProgressCallback | None = None,
                       model=None, known_as_measured: bool = True) -> list[Prediction | PredictionError]:
    """One result per input, in input order: its prediction, or why it cannot be predicted.
    The forward model is trained first when missing or stale (announced through `on_progress`), unless a
    `model` (a `ForwardModel`) is given to predict with. `known_as_measured=False`: a known alloy too gets the
    model's prediction (the experiment log's record of what the model said), not its measured values."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.model_store import ensure_forward
    from alloygan.models.known import KnownAlloys, measured_prediction, typical_report_spread

    table = load_alloy_table()
    if model is None:
        model, _ = ensure_forward(table, on_progress)
    results: list[Prediction | PredictionError | None] = [None] * len(inputs)
    good: list[tuple[int, Composition]] = []
    for i, text in enumerate(inputs):
        try:
            composition = Composition.parse(text)
            model.encode([composition])  # an element the model never saw is this input's error
            good.append((i, composition))
        except (CompositionError, ValueError) as error:
            results[i] = PredictionError(input=text, error=str(error))
    if good:
        compositions = [c for _, c in good]
        known = KnownAlloys(table)
        distances, indices = known.nearest_to(compositions, k=nearest)
        family_distances, _ = known.family_distances_to(compositions)
        prediction = model.predict(model.encode(compositions), SHOWN_PROPERTIES, distance=distances[:, 0])
        # A known alloy shows its measurements (median of its reports) with their uncertainty, not the model's
        # reproduction of them: the model was trained on these values.
        exact = np.flatnonzero(distances[:, 0] == 0) if known_as_measured else np.array([], dtype=int)
        if len(exact):
            measured = measured_prediction([table.alloys[j] for j in indices[exact, 0]],
                                           typical_report_spread(table.alloys), SHOWN_PROPERTIES)
            for name in SHOWN_PROPERTIES:
                prediction.mean[name][exact], prediction.std[name][exact] = measured.mean[name], measured.std[name]
        p_good = model.p_good_gfa(prediction)
        cache: dict = {}
        with _collection_paused():
            for row, (i, composition) in enumerate(good):
                near = [NearestKnown.fields(table.alloys[j], d, cache) for d, j in zip(distances[row], indices[row])]
                domain = Domain.fields(distances[row, 0], composition.base_element, family_distances[row])
                results[i] = Prediction.of(inputs[i], composition, prediction, row, p_good[row], near,
                                           measured=bool(known_as_measured and distances[row, 0] == 0), domain=domain)
    return results  # type: ignore[return-value]


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Cyclic garbage collection paused while thousands of small records are built. They hold no cycles, and
    the collections their allocations trigger walk the loaded table and model: 2/3 of the time on 10,000."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


MAX_INPUTS = 100_000  # compositions per call: `predict --file` and the Python API


def read_composition_column(path: Path) -> list[str]:
    """The `composition` column of a CSV file (the error names the file and the columns it has)."""
    from alloygan.knowledge_base.text_files import TextFileError, decode_text

    path = Path(path)
    if not path.is_file():
        raise ToolInputError(f"--file {path}: no such file")
    try:
        reader = csv.DictReader(io.StringIO(decode_text(path.read_bytes(), f"--file {path}"), newline=""))
        columns = reader.fieldnames or []
        if "composition" not in columns:
            raise ToolInputError(f"--file {path}: needs a 'composition' column; it has {', '.join(columns) or 'none'}")
        repeated = sorted({c for c in columns if columns.count(c) > 1})
        if repeated:  # csv and pandas would silently keep one of them
            raise ToolInputError(f"--file {path}: column {', '.join(map(repr, repeated))} appears more than once in "
                                 "the header; rename or delete the extra column")
        formulas = []
        for row in reader:
            if len(formulas) == MAX_INPUTS:
                raise ToolInputError(f"--file {path}: more than {MAX_INPUTS:,} compositions; split the file")
            formulas.append(row["composition"] or "")
        return formulas
    except TextFileError as error:
        raise ToolInputError(str(error)) from None
    except csv.Error as error:
        raise ToolInputError(f"--file {path}: not a readable CSV ({error})") from None


def write_predictions_csv(predictions: Sequence[Prediction | PredictionError], path: Path) -> None:
    """One row per input: formula, each property's mean and std, p_good_gfa, nearest alloy, or the error."""
    write_csv(path, PREDICTION_CSV_COLUMNS, (p.csv_row() for p in predictions))


def benchmark_forward(seed: int = 0, on_progress: ProgressCallback | None = None) -> dict:
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.forward.evaluation import benchmark_forward as run

    return run(load_alloy_table(), seed=seed, on_progress=on_progress)
