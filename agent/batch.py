"""`alloygan batch GOALS --out DIR`: many design goals, one result file each, a summary CSV; resumable.

The goals file (YAML, or JSON, which YAML also reads) is a list; each entry is either
  - a string: the goal in plain words, or
  - a mapping with an optional `id`, optional `goal:` (plain words) and any DesignGoal
    fields (base_element, required_elements, excluded_elements, constraints,
    max_cost_usd_per_kg, n_candidates, seed, ...). Fields apply on top of the text.
Ids default to goal-01, goal-02, ... (by position) and name the result files.

The file is checked before anything runs (its shape, unknown keys, ids); a problem names
the entry and nothing is written. A goal that fails when it runs (words that cannot
hold, a field with a bad value, a family without data, or an unexpected error, whose
traceback the result file keeps) is reported in its result file and the summary, and the
other goals still run. Finished goals are skipped on a rerun
(when their entry is unchanged); failed ones are retried.
"""
from __future__ import annotations

import json
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloygan.knowledge_base.file_writes import write_whole
from alloygan.knowledge_base.progress import ProgressCallback, prefixed, report
from alloygan.tools.errors import ToolInputError
from alloygan.tools.outputs import checked_output_directory
from alloygan.tools.tables import write_csv

if TYPE_CHECKING:
    from alloygan.tools.results import GoalParse

SUMMARY_FILE = "summary.csv"
SUMMARY_COLUMNS = ("id", "status", "goal", "returned", "passing", "best_formula", "best_Trg", "best_Trg_std",
                   "best_p_meets_goal", "best_cost_usd_per_kg", "not_understood", "error", "result_file")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_NESTING = 10  # list of goals > goal > constraints > range is 4 levels; deeper is not a goals file


@dataclass(frozen=True)
class GoalEntry:
    id: str
    text: str | None
    fields: dict[str, Any]
    given: Any  # the entry as written in the file (a rerun skips it only if unchanged)


def _goal_keys() -> list[str]:
    from alloygan.tools.design import goal_from_fields

    return list(goal_from_fields({}).as_json())


def _read(path: Path) -> Any:
    import yaml

    from alloygan.knowledge_base.text_files import TextFileError, decode_text

    if not path.is_file():
        raise ToolInputError(f"{path}: no such goals file")
    try:
        text = decode_text(path.read_bytes(), str(path))
    except TextFileError as error:
        raise ToolInputError(str(error)) from None
    too_deep = False
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except RecursionError:
        data, too_deep = None, True
    except json.JSONDecodeError as error:
        raise ToolInputError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ToolInputError(f"{path}: not valid YAML ({problem}{where})") from None
    if too_deep or _deeper_than(data, MAX_NESTING):
        entry = next((f", entry {n}" for n, item in enumerate(data, start=1) if _deeper_than(item, MAX_NESTING - 1)),
                     "") if isinstance(data, list) else ""
        raise ToolInputError(f"{path}{entry}: nested more than {MAX_NESTING} levels deep; a goals file is a list of "
                             "goals, each a string or a mapping of design-goal fields")
    return data


def _deeper_than(data: Any, most: int) -> bool:
    """Whether lists and mappings nest more than `most` levels (counted without recursion; a container that
    YAML aliases many times is visited once per level)."""
    level = [data] if isinstance(data, (list, dict)) else []
    for _ in range(most):
        inner = {id(v): v for item in level for v in (item.values() if isinstance(item, dict) else item)
                 if isinstance(v, (list, dict))}
        if not inner:
            return False
        level = list(inner.values())
    return bool(level)


def load_goals(path: Path) -> list[GoalEntry]:
    """The entries of a goals file, checked; the first problem is an error naming the entry."""
    path = Path(path)
    data = _read(path)
    if not isinstance(data, list) or not data:
        raise ToolInputError(f"{path}: expected a non-empty list of goals (each a string, or a mapping with `goal:` "
                             "text and/or design-goal fields)")
    keys = _goal_keys()
    width = max(2, len(str(len(data))))
    entries: list[GoalEntry] = []
    for number, item in enumerate(data, start=1):
        default_id = f"goal-{number:0{width}d}"
        label = f"{path}, entry {number}"
        if isinstance(item, str):
            if not item.strip():
                raise ToolInputError(f"{label}: empty goal text")
            entries.append(GoalEntry(default_id, item.strip(), {}, item))
            continue
        if not isinstance(item, dict):
            raise ToolInputError(f"{label}: a goal is a string or a mapping, not {type(item).__name__}")
        given_id = item.get("id")
        if given_id is not None:
            label += f" (id {given_id})"
        unknown = [k for k in item if k not in ("id", "goal", *keys)]
        if unknown:
            raise ToolInputError(f"{label}: unknown key {', '.join(map(repr, unknown))}; allowed: id, goal, "
                                 f"{', '.join(keys)}")
        text = item.get("goal")
        if text is not None and (not isinstance(text, str) or not text.strip()):
            raise ToolInputError(f"{label}: `goal` must be the goal in plain words (a non-empty string)")
        fields = {k: v for k, v in item.items() if k not in ("id", "goal")}
        if text is None and not fields:
            raise ToolInputError(f"{label}: give `goal:` text or design-goal fields")
        entry_id = str(given_id) if given_id is not None else default_id
        if not _ID.fullmatch(entry_id):
            raise ToolInputError(f"{label}: id must be 1-64 letters, digits, '.', '_' or '-' (it names the result file)")
        entries.append(GoalEntry(entry_id, text.strip() if text else None, fields, item))
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        if entry.id in seen:
            raise ToolInputError(f"{path}, entry {number}: id {entry.id} is also the id of entry {seen[entry.id]}")
        seen[entry.id] = number
    return entries


def design_goal(entry: GoalEntry) -> GoalParse:
    """The goal of an entry: the text parsed (with its words not understood), then the fields applied on top."""
    from alloygan.tools.design import goal_from_fields, parse_goal_text
    from alloygan.tools.results import GoalParse

    if entry.text is None:
        return GoalParse(goal=goal_from_fields(entry.fields))
    parsed = parse_goal_text(entry.text)
    if entry.fields:
        parsed = GoalParse(goal=goal_from_fields({**parsed.goal.model_dump(), **entry.fields}),
                           not_understood=parsed.not_understood)
    return parsed


def _write_json(path: Path, data: dict) -> None:
    text = json.dumps(data, indent=1, ensure_ascii=False)
    write_whole(path, lambda target: target.write_text(text, encoding="utf-8"))


def _finished(path: Path, entry: GoalEntry) -> dict | None:
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return previous if previous.get("status") == "ok" and previous.get("entry") == entry.given else None


def run_goal(entry: GoalEntry, on_progress: ProgressCallback | None = None) -> dict:
    """One goal's result record (status ok or failed with the reason)."""
    from alloygan.tools.design import design_alloys
    from alloygan.tools.errors import user_errors

    started = time.perf_counter()
    record: dict[str, Any] = {"id": entry.id, "entry": entry.given}
    try:
        parsed = design_goal(entry)
        record.update(goal=parsed.to_json(), goal_description=parsed.goal.describe(),
                      not_understood=parsed.not_understood)
        answer = design_alloys(parsed, on_progress=on_progress)
        record.update(status="ok", candidates=[c.to_json() for c in answer.candidates], stats=answer.stats.to_json(),
                      notes=answer.notes)
    except user_errors() as error:
        record.update(status="failed", error=str(error))
    except Exception as error:  # a bug met by one goal must not lose the others; its file keeps the traceback
        record.update(status="failed", error=f"unexpected error ({type(error).__name__}: {error})",
                      traceback=traceback.format_exc())
    record["seconds"] = round(time.perf_counter() - started, 2)
    record["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return record


def _summary_row(record: dict, result_file: str) -> dict:
    """The summary line of a result record (this run's, or a finished one read back from its file)."""
    from alloygan.tools.results import Candidate, DesignStats

    row = {"id": record["id"], "status": record["status"], "goal": record.get("goal_description", ""),
           "not_understood": " ".join(record.get("not_understood", [])), "error": record.get("error", ""),
           "result_file": result_file}
    if record["status"] == "ok":
        stats = DesignStats.model_validate(record["stats"])
        row.update(returned=stats.returned, passing=stats.passing)
        if record["candidates"]:
            best = Candidate.model_validate(record["candidates"][0])
            row.update(best_formula=best.formula, best_Trg=best.Trg.mean, best_Trg_std=best.Trg.std,
                       best_p_meets_goal=best.p_meets_goal, best_cost_usd_per_kg=best.cost_usd_per_kg)
    return row


@dataclass
class BatchReport:
    rows: list[dict]
    ran: int
    skipped: int
    failed: int
    summary_path: Path


def run_batch(goals_file: Path, out: Path, on_progress: ProgressCallback | None = None,
              on_result: Callable[[dict, bool], None] | None = None) -> BatchReport:
    """Run every goal not finished yet; write one result file per goal and the summary CSV.

    `on_result(record, skipped)` is called after each goal (skipped: finished by an earlier run).
    """
    entries = load_goals(goals_file)
    out = checked_output_directory(out, "--out", inputs=[("GOALS", goals_file)])  # reused: resumable
    out.mkdir(exist_ok=True)
    rows, ran, skipped = [], 0, 0
    for number, entry in enumerate(entries, start=1):
        path = out / f"{entry.id}.json"
        record = _finished(path, entry)
        was_done = record is not None
        if was_done:
            skipped += 1
        else:
            stage = f"goal {number}/{len(entries)} ({entry.id})"
            report(on_progress, stage)
            record = run_goal(entry, prefixed(on_progress, stage))
            _write_json(path, record)
            ran += 1
        if on_result:
            on_result(record, was_done)
        rows.append(_summary_row(record, path.name))
    summary = out / SUMMARY_FILE
    write_csv(summary, SUMMARY_COLUMNS, rows)
    return BatchReport(rows, ran, skipped, sum(r["status"] != "ok" for r in rows), summary)
