"""Issue 13, items 9-12, 16, 17: the goal grammar's wrong readings, duplicate columns, duplicate logging,
unbounded counts, deep nesting and files that are not UTF-8. Each bad input ends as one `error:` line,
exit 2, no traceback, nothing changed."""
from __future__ import annotations

import codecs
import hashlib
import json
import sqlite3
import time
from pathlib import Path

import pytest

from alloygan.models.design.goal_text import GoalError, parse_goal
from tests.agent.conftest import synthetic_design


def _ranges(text: str) -> dict[str, tuple[float | None, float | None]]:
    return {c.property: (c.min, c.max) for c in parse_goal(text).goal.constraints}


def _one_error_line(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and err.startswith("error:"), err
    for needle in needles:
        assert needle in err, err


def _snapshot(home: Path) -> dict[str, str]:
    if not home.exists():
        return {}
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(home.rglob("*")) if p.is_file()}


# --- item 9: units, decimal commas, scientific notation, "or" ------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Zr glass with Tg > 400 C", {"Tg": (673.15, None)}),
    ("Zr glass with Tg > 400 °C", {"Tg": (673.15, None)}),
    ("Zr glass with Tg > 400°C", {"Tg": (673.15, None)}),
    ("Zr glass with Tg > 400 ℃", {"Tg": (673.15, None)}),
    ("Zr glass with Tg > 400 degC", {"Tg": (673.15, None)}),
    ("Zr glass with Tg > 400 deg C", {"Tg": (673.15, None)}),
    ("Zr glass with Tg above 400 degrees Celsius", {"Tg": (673.15, None)}),
    ("Zr glass with Tx below 500 C", {"Tx": (None, 773.15)}),
    ("Zr glass with Tg between 400 and 450 °C", {"Tg": (673.15, 723.15)}),  # the unit applies to both bounds
    ("Zr glass with 400 C <= Tg <= 450 C", {"Tg": (673.15, 723.15)}),
    ("Zr glass with ΔTx > 50 °C", {"dTx": (50.0, None)}),  # a difference: 50 °C is 50 K
    ("Zr glass with Tg > 700 K", {"Tg": (700.0, None)}),
    ("Zr glass Trg>0,6", {"Trg": (0.6, None)}),
    ("Zr glass, Trg>0,6, gamma>0,41", {"Trg": (0.6, None), "gamma": (0.41, None)}),
    ("Zr glass with Tg > 7.5e2 K", {"Tg": (750.0, None)}),
    ("Zr glass with Tg > 7.5E2", {"Tg": (750.0, None)}),
])
def test_units_decimal_commas_and_exponents_are_read(text, expected):
    parsed = parse_goal(text)
    assert _ranges(text).keys() == expected.keys()
    for name, (low, high) in expected.items():
        c = parsed.goal.constraint(name)
        assert (c.min, c.max) == (pytest.approx(low) if low is not None else None,
                                  pytest.approx(high) if high is not None else None), text
    assert parsed.goal.required_elements == [], "a unit is never read as an element"
    assert parsed.not_understood == []


@pytest.mark.parametrize("text, required, excluded", [
    ("Zr glass with carbon", ["C"], []),
    ("Zr glass with C and Tg > 400 C", ["C"], []),  # "with C" not after a number is carbon
    ("Zr glass without Ag or Be", [], ["Ag", "Be"]),  # an element list: exclude both
    ("Zr glass, no Be or Hf, Trg > 0.6", [], ["Be", "Hf"]),
    ("Zr glass without Ag, Be, or Hf", [], ["Ag", "Be", "Hf"]),  # the Oxford comma
])
def test_carbon_is_written_as_an_element_and_or_lists_exclude_each(text, required, excluded):
    goal = parse_goal(text).goal
    assert (goal.required_elements, goal.excluded_elements) == (required, excluded)


@pytest.mark.parametrize("text, message", [
    ("Zr glass with Trg > 0.6 or gamma > 0.4", "'Trg > 0.6 or gamma > 0.4'"),
    ("Zr glass with Trg > 0.6 or under $30/kg", "or' between them is not read"),
    ("ternary or quaternary Zr glass", "'ternary or quaternary'"),
    ("Zr glass containing Cu or Ni", "'containing Cu or Ni'"),
    ("Zr glass, 5 C", "a temperature that belongs to no property"),
    ("Zr glass with Trg > 0.6 C", "Trg has no unit"),
    ("Zr glass with Tg > 400 °F", "°F are not read"),
    ("Zr glass with Tg between 400 K and 500 °C", "mixes K and °C"),
    ("Zr glass under $1,500/kg", "'1,500': a decimal comma or a thousands separator"),
    ("Zr glass top 50000000", "candidates 50000000: at most 500"),
    ("Zr glass with Tg > 1e9999", "'Tg > 1e9999': bound on Tg must be a finite number"),
    ("Zr glass seed 99999999999999999999", "seed 999999… (20 digits): at most 9 digits"),
    ("Zr glass " + "with Trg > 0.6 " * 400, "state it in at most 4,000"),
])
def test_ambiguous_or_unbounded_words_are_refused_with_the_words_and_the_fix(text, message):
    with pytest.raises(GoalError) as error:
        parse_goal(text)
    assert message in str(error.value)


def test_parse_goal_and_design_from_the_shell(run_cli, fresh_home):
    code, out, err = run_cli("parse-goal", "Zr glass with Tg > 400 C", "--json")
    assert code == 0, err
    goal = json.loads(out)
    assert goal["constraints"] == [{"property": "Tg", "min": 673.15, "max": None}] and goal["required_elements"] == []
    for words in ("Zr glass with Trg > 0.6 or gamma > 0.4", "Zr glass, Tg > 400 C, 5 C"):
        _one_error_line(*run_cli("design", words), "use 'and'" if " or " in words else "carbon")
    assert _snapshot(fresh_home) == {}


# --- item 10: duplicate columns --------------------------------------------------------------------------------

def test_a_csv_with_two_composition_columns_is_refused(run_cli, fresh_home, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("composition,note,composition\nCu50Zr50,a,Zr50Cu40Al10\n", encoding="utf-8")
    _one_error_line(*run_cli("predict", "--file", str(rows)), "'composition' appears more than once")
    table = tmp_path / "mine.csv"
    table.write_text("composition,Tg,Tx,Tl,composition\nZr50Cu50,700,760,1150,Cu50Zr50\n", encoding="utf-8")
    assert run_cli("kb", "stats")[0] == 0  # the store exists (a first command creates it)
    before = _snapshot(fresh_home)
    code, out, err = run_cli("kb", "import", str(table))
    _one_error_line(code, out, err, "composition")
    assert _snapshot(fresh_home) == before


# --- item 11: logging the same candidates twice ----------------------------------------------------------------

def _suggestions(home: Path) -> int:
    with sqlite3.connect(home / "alloygan.sqlite") as db:
        return db.execute("SELECT COUNT(*) FROM experiment_suggestions").fetchone()[0]


def test_logging_the_same_candidates_of_the_same_design_twice_is_a_no_op_that_says_so(fresh_home):
    from alloygan.agent.answer import _logged
    from alloygan.tools.experiments import log_suggestions

    design = synthetic_design(3)
    first = log_suggestions(design, ranks=[1, 2])
    assert [s.id for s in first.logged] == [1, 2] and first.already_logged == []
    again = log_suggestions(design, ranks=[1, 2, 3])  # "log the top 3" after "log the top 2"
    assert [s.id for s in again.logged] == [3] and [s.id for s in again.already_logged] == [1, 2]
    assert _suggestions(fresh_home) == 3
    said = " ".join(_logged(again, False))
    assert "Zr50Cu40Al10 already logged as #1" in said and "Logged 1 experiment suggestions: #3" in said
    assert again.compact()["already_logged"][0] == {"id": 1, "formula": "Zr50Cu40Al10", "design_rank": 1}
    nothing_new = log_suggestions(design)
    assert nothing_new.logged == [] and len(nothing_new.already_logged) == 3
    assert "already logged as #3" in " ".join(_logged(nothing_new, False)) and _suggestions(fresh_home) == 3
    # another design (another seed) of the same goal is another design: its candidates are logged
    other = design.model_copy(update={"goal": design.goal.model_copy(update={"seed": 1})})
    assert len(log_suggestions(other, ranks=[1]).logged) == 1 and _suggestions(fresh_home) == 4


def test_an_older_store_gains_the_design_key_and_keeps_its_suggestions(fresh_home):
    from alloygan.knowledge_base.experiments import ExperimentLog
    from alloygan.knowledge_base.store import AlloyStore
    from alloygan.tools.experiments import log_suggestions

    log_suggestions(synthetic_design(1))
    with sqlite3.connect(fresh_home / "alloygan.sqlite") as db:  # the table as an older alloygan made it
        db.execute("DROP INDEX experiment_suggestions_design")
        db.execute("ALTER TABLE experiment_suggestions DROP COLUMN design_key")
    with AlloyStore(fresh_home / "alloygan.sqlite") as store:
        assert [s.id for s in ExperimentLog(store).suggestions()] == [1]
    assert len(log_suggestions(synthetic_design(1)).logged) == 1  # logged before the key existed: not recognised


# --- item 12: bounded counts -----------------------------------------------------------------------------------

def test_log_the_top_50000000_answers_at_once_and_writes_little(run_cli, fresh_home):
    from alloygan.agent.planners.offline import _ranks

    assert len(_ranks("log the top 50000000")) == 501  # one past the bound: the tool refuses it
    assert len(_ranks("log the top " + "9" * 5000)) == 501
    started = time.perf_counter()
    code, out, err = run_cli("ask", "log the top 50000000")
    assert time.perf_counter() - started < 10 and code == 0  # an answer that says why, not a crash
    assert "a design returns at most 500 candidates" in out + err
    sizes = sum(p.stat().st_size for p in fresh_home.rglob("*") if p.is_file())
    assert sizes < 2_000_000


def test_every_caller_of_log_meets_the_rank_bounds(fresh_home):
    from alloygan.tools.errors import ToolInputError
    from alloygan.tools.experiments import log_suggestions

    design = synthetic_design(2)
    for ranks, message in (([50_000_000], "at most 500 candidates"), (list(range(1, 600)), "at most 500"),
                           ([0], "greater than or equal to 1"), (list(range(3, 400)), "rank 3, 4, 5, 6, 7, … (397 in all)")):
        with pytest.raises(ToolInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
            log_suggestions(design, ranks=ranks)
    assert not (fresh_home / "alloygan.sqlite").exists() or _suggestions(fresh_home) == 0


# --- item 16: deep nesting -------------------------------------------------------------------------------------

@pytest.mark.parametrize("formula, message", [
    ("(" * 1000 + "Zr50Cu50" + ")100" * 1000, "a formula has at most 500"),
    ("(" * 30 + "Zr50Cu50" + ")100" * 30, "nested more than 8 deep"),
])
def test_deeply_nested_formulas_are_refused_not_recursion_errors(formula, message):
    from alloygan.knowledge_base.composition import Composition, CompositionError

    with pytest.raises(CompositionError, match=message):
        Composition.parse(formula)
    assert Composition.parse("((Cu50Zr50)90Al10)98Y2").as_dict()["Y"] == pytest.approx(2.0)


@pytest.mark.parametrize("name, content, message", [
    ("deep.json", "[" * 5000 + "]" * 5000, "nested more than 10 levels deep"),
    ("deep.yaml", "- " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 10 levels deep"),
    ("deep-entry.yaml", "- Zr glass\n- goal: Cu glass\n  constraints: " + "[" * 40 + "]" * 40 + "\n",
     "entry 2: nested more than 10 levels deep"),
])
def test_deeply_nested_goals_files_are_one_line(run_cli, tmp_path, name, content, message):
    goals, out_dir = tmp_path / name, tmp_path / "out"
    goals.write_text(content, encoding="utf-8")
    _one_error_line(*run_cli("batch", str(goals), "--out", str(out_dir)), message)
    assert not out_dir.exists()


@pytest.mark.slow  # trains the quick forward model when the session's home has none yet
def test_one_deeply_nested_row_is_an_error_entry_and_the_other_rows_are_predicted(run_cli, tmp_path):
    rows = tmp_path / "rows.csv"
    deep = "(" * 1000 + "Zr50Cu50" + ")100" * 1000
    rows.write_text(f"composition\nCu47Zr45Al8\n{deep}\nZr55Cu25Al10Ni5Ti5\n", encoding="utf-8")
    code, out, err = run_cli("predict", "--file", str(rows), "--json")
    assert code == 0, err
    records = json.loads(out)
    assert [("error" in r) for r in records] == [False, True, False]
    assert "a formula has at most 500" in records[1]["error"]


# --- item 17: files that are not UTF-8 -------------------------------------------------------------------------

@pytest.mark.parametrize("name, data, message", [
    ("random.yaml", bytes(range(128, 256)) * 8, "byte 0x80 is not UTF-8"),
    ("nul.yaml", bytes(range(256)) * 4, "binary content"),
    ("paper.yaml", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n", "a PDF document"),
    ("latin1.json", '["Zr glass with Trg > 0.6 \u00e9"]'.encode("latin-1"), "line 1: byte 0xE9 is not UTF-8"),
])
def test_a_goals_file_that_is_not_text_is_one_line(run_cli, tmp_path, name, data, message):
    goals, out_dir = tmp_path / name, tmp_path / "out"
    goals.write_bytes(data)
    _one_error_line(*run_cli("batch", str(goals), "--out", str(out_dir)), str(goals), message, "UTF-8")
    assert not out_dir.exists()


@pytest.mark.parametrize("encoding, bom", [("utf-16", b""), ("utf-8", codecs.BOM_UTF8), ("utf-32", b"")])
def test_goals_files_with_a_byte_order_mark_are_read(tmp_path, encoding, bom):
    from alloygan.agent.batch import load_goals

    goals = tmp_path / "goals.yaml"
    goals.write_bytes(bom + "- Zr glass with Tg > 400 °C\n- id: b\n  goal: Cu glass\n".encode(encoding))
    entries = load_goals(goals)
    assert [(e.id, e.text) for e in entries] == [("goal-01", "Zr glass with Tg > 400 °C"), ("b", "Cu glass")]


def test_predict_file_reads_utf16_and_refuses_bytes_in_one_line(run_cli, tmp_path):
    from alloygan.tools.prediction import read_composition_column

    utf16 = tmp_path / "excel.csv"
    utf16.write_bytes("composition,note\nCu50Zr50,é\nZr60Cu30Al10,b\n".encode("utf-16"))
    assert read_composition_column(utf16) == ["Cu50Zr50", "Zr60Cu30Al10"]
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"composition\n" + bytes(range(128, 256)))
    _one_error_line(*run_cli("predict", "--file", str(garbage)), f"--file {garbage}: line 2: byte 0x80 is not UTF-8")
    pdf = tmp_path / "paper.csv"
    pdf.write_bytes(b"%PDF-1.7\n\xe2\xe3\xcf\xd3 binary")
    _one_error_line(*run_cli("predict", "--file", str(pdf)), "a PDF document, not a text file")


def test_kb_import_reads_utf16_with_bom_and_refuses_a_pdf(run_cli, fresh_home, tmp_path):
    pdf = tmp_path / "table.csv"
    pdf.write_bytes(b"%PDF-1.7\n\xe2\xe3\xcf\xd3\nstream\x00\x01\x02")
    assert run_cli("kb", "stats")[0] == 0  # the store exists (a first command creates it)
    before = _snapshot(fresh_home)
    _one_error_line(*run_cli("kb", "import", str(pdf), "--dry-run"), str(pdf))
    assert _snapshot(fresh_home) == before
    utf16 = tmp_path / "mine.csv"
    utf16.write_bytes("composition,Tg (K),Tx (K),Tl (K)\nZr50Cu50,700,760,1150\n".encode("utf-16"))
    code, _, err = run_cli("kb", "import", str(utf16), "--dry-run")
    assert code == 0, err
