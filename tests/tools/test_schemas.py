"""The published JSON Schemas: `alloygan schema`, the files in docs/schemas/ kept current, and real outputs
validating against them."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from alloygan.tools.results import RESULT_MODELS
from alloygan.tools.schemas import schema_files, schema_names, schema_text

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "schemas"
GOLDEN = REPO / "tests" / "data" / "golden"


def test_the_schema_files_in_the_docs_are_current():
    """Regenerated in memory from the models and compared with the files (run `alloygan schema --out
    docs/schemas` after changing a result model)."""
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in DOCS.glob("*.json")}
    expected = schema_files()
    assert sorted(on_disk) == sorted(expected), "run `alloygan schema --out docs/schemas` (and delete stale files)"
    changed = [name for name, text in expected.items() if on_disk[name] != text]
    assert not changed, f"{', '.join(changed)} out of date: run `alloygan schema --out docs/schemas`"


def test_every_published_result_is_listed_and_has_a_valid_schema(run_cli):
    code, out, err = run_cli("schema")
    assert code == 0, err
    listed = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert listed == schema_names() == sorted(RESULT_MODELS)
    assert {"known-alloy", "alloy-description", "literature-hit", "extracted-record", "experiment",
            "training-report"} <= set(listed)
    for name in listed:
        schema = json.loads(schema_text(name))
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["title"] == RESULT_MODELS[name].__name__ and schema["properties"], name


def test_schema_prints_exactly_the_documented_file(run_cli):
    code, out, _ = run_cli("schema", "known-alloy")
    assert code == 0 and out == (DOCS / "known-alloy.json").read_text(encoding="utf-8")
    properties = json.loads(out)["properties"]
    assert list(properties)[:6] == ["composition", "formula", "base_element", "Tg", "Tx", "Tl"]
    assert "Z.P. Lu, H. Tan" in properties["Trg"]["description"]  # each criterion described with its citation


@pytest.mark.parametrize("args, message", [
    (("schema", "known_alloys"), "schema known_alloys: no result of that name; use one of alloy-description"),
    (("schema", "known-alloy", "--out", "."), "give a NAME to print one schema, or --out DIR"),
    (("schema", "--out", "/no/such/dir"), "--out /no/such/dir: no such directory"),
])
def test_bad_input_is_one_line_exit_2(run_cli, args, message):
    code, out, err = run_cli(*args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and out == ""


def test_out_writes_every_schema_and_names_stale_files(run_cli, tmp_path):
    (tmp_path / "retired-result.json").write_text("{}", encoding="utf-8")
    code, out, err = run_cli("schema", "--out", str(tmp_path))
    assert code == 0, err
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.json") if p.name != "retired-result.json"} \
        == schema_files()
    assert f"{len(schema_files())} schemas written" in out and "retired-result.json: no published result" in out
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("golden, name", [
    ("kb_query.json", "known-alloy"), ("describe.json", "alloy-description"),
])
def test_the_stored_cli_outputs_validate_against_their_published_schema(golden, name):
    schema = json.loads((DOCS / f"{name}.json").read_text(encoding="utf-8"))
    records = json.loads((GOLDEN / golden).read_text(encoding="utf-8"))
    assert records
    for record in records:
        jsonschema.validate(record, schema)
    broken = dict(records[0], colour="red")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_kb_stats_validates_against_its_schema():
    schema = json.loads((DOCS / "kb-stats.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads((GOLDEN / "kb_stats.json").read_text(encoding="utf-8")), schema)
