"""Forward predictions and their benchmark as plain functions with JSON-able results."""
from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

from alloygan.knowledge_base.composition import Composition, CompositionError
from alloygan.tools.errors import ToolInputError

SHOWN = ("Tg", "Tx", "Tl", "Trg", "gamma", "dTx")


def predict_properties(inputs: Sequence[str], nearest: int = 3, on_status: Callable[[str], None] | None = None) -> list[dict]:
    """One record per input, in input order; an input that cannot be predicted gets `{"input", "error"}`."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.forward import load_forward_model
    from alloygan.models.known import KnownAlloys
    from alloygan.tools.serialize import nearest_record, prediction_fields, rounded

    table = load_alloy_table()
    model = load_forward_model(table=table, on_status=on_status)
    records: list[dict | None] = [None] * len(inputs)
    good: list[tuple[int, Composition]] = []
    for i, text in enumerate(inputs):
        try:
            composition = Composition.parse(text)
            model.encode([composition])  # an element the model never saw is this input's error
            good.append((i, composition))
        except (CompositionError, ValueError) as error:
            records[i] = {"input": text, "error": str(error)}
    if good:
        compositions = [c for _, c in good]
        prediction = model.predict_compositions(compositions, SHOWN)
        p_good = model.p_good_gfa(prediction)
        distances, indices = KnownAlloys(table).nearest_to(compositions, k=nearest)
        known: dict = {}
        for row, (i, composition) in enumerate(good):
            records[i] = {
                "input": inputs[i],
                "composition": composition.as_dict(),
                "formula": composition.formula,
                **prediction_fields(prediction, row, SHOWN),
                "p_good_gfa": rounded(p_good[row], 4),
                "nearest_known": [nearest_record(table.alloys[j], d, known) for d, j in zip(distances[row], indices[row])],
            }
    return records  # type: ignore[return-value]


def read_composition_column(path: Path) -> list[str]:
    """The `composition` column of a CSV file (the error names the file and the columns it has)."""
    path = Path(path)
    if not path.is_file():
        raise ToolInputError(f"--file {path}: no such file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            if "composition" not in columns:
                raise ToolInputError(f"--file {path}: needs a 'composition' column; it has {', '.join(columns) or 'none'}")
            return [row["composition"] or "" for row in reader]
    except (UnicodeDecodeError, csv.Error) as error:
        raise ToolInputError(f"--file {path}: not a readable CSV ({error})") from None


def write_predictions_csv(records: list[dict], path: Path) -> None:
    """One row per record: input, formula, each property's mean and std, p_good_gfa, nearest alloy, error."""
    columns = ["input", "formula"] + [f"{p}_{s}" for p in SHOWN for s in ("mean", "std")] + [
        "p_good_gfa", "nearest_known", "nearest_distance_at_pct", "error"]
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for r in records:
            row = {"input": r["input"], "error": r.get("error", "")}
            if "error" not in r:
                row.update({"formula": r["formula"], "p_good_gfa": r["p_good_gfa"]})
                row.update({f"{p}_{s}": r[p][s] for p in SHOWN for s in ("mean", "std")})
                if r["nearest_known"]:
                    row.update({"nearest_known": r["nearest_known"][0]["formula"],
                                "nearest_distance_at_pct": r["nearest_known"][0]["distance_at_pct"]})
            writer.writerow(row)
    tmp.replace(path)


def benchmark_forward(seed: int = 0, on_step: Callable[[str], None] | None = None) -> dict:
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.forward.evaluation import benchmark_forward as run

    return run(load_alloy_table(), seed=seed, on_step=on_step)
