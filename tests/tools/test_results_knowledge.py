"""The typed results of the knowledge base, the literature, the experiment log and training: their JSON form
(the keys and order `--json` prints), the compact form an LLM reads, CSV rows, and JSON round trips."""
from __future__ import annotations

import json

import pytest

from alloygan.knowledge_base.experiments import Measurement as LabMeasurement
from alloygan.knowledge_base.experiments import Suggestion
from alloygan.knowledge_base.literature.ingestion import FileResult, IngestReport
from alloygan.knowledge_base.literature.records import Evidence, make_record
from alloygan.knowledge_base.literature.vector_store import Passage
from alloygan.models.descriptors.thermal import FEATURE_NAMES
from alloygan.tools.results import (
    MAX_LISTED, MAX_PASSAGE_CHARS, AlloyDescription, AlloyQueryResult, Experiment, ExperimentCheck, ExtractedRecord,
    Extraction, Ingestion, KnowledgeBaseStats, KnownAlloy, LiteratureHit, LoggedSuggestions, PropertyCheck,
    TrainingReport,
)

QUOTE = "The Zr65Cu17.5Ni10Al7.5 glass has a Tg of 656 K, a Tx of 741 K and a Tl of 1168 K (DSC, 20 K/min)."


def _round_trips(result) -> None:
    """The JSON form, through JSON text, validates back into an equal result."""
    again = type(result).model_validate(json.loads(json.dumps(result.to_json())))
    assert again == result and again.to_json() == result.to_json()


@pytest.fixture(scope="module")
def known_alloys() -> list[KnownAlloy]:
    """Every known Zr alloy of the shipped table with Cu (from the session's store)."""
    from alloygan.tools.knowledge import AlloyQuery, query_alloys

    return query_alloys(AlloyQuery(base="Zr", require=["Cu"])).alloys


def test_a_known_alloy_has_the_documented_keys_in_order_and_round_trips(known_alloys):
    alloy = known_alloys[0]
    data = alloy.to_json()
    assert list(data) == ["composition", "formula", "base_element", *FEATURE_NAMES, "n_reports", "conflicting",
                          "spread_K", "sources"]
    assert list(data["sources"][0]) == ["document", "sha256", "kind", "page", "location", "raw_text"]  # no quote
    assert data["Trg"] == pytest.approx(data["Tg"] / data["Tl"], abs=1e-6)
    _round_trips(alloy)


def test_a_source_with_a_verified_quote_keeps_it_when_nested(known_alloys):
    quoted = known_alloys[0].sources[0].model_copy(update={"quote": "Tg = 700 K"})
    alloy = known_alloys[0].model_copy(update={"sources": [quoted]})
    assert alloy.to_json()["sources"][0]["quote"] == "Tg = 700 K"
    _round_trips(alloy)


def test_the_compact_form_is_what_an_llm_reads(known_alloys):
    alloy = known_alloys[0]
    compact = alloy.compact()
    assert list(compact) == ["formula", "Tg", "Tx", "Tl", "Trg", "gamma", "dTx", "n_reports", "source"]
    assert compact["Trg"] == round(alloy.Trg, 4) and compact["dTx"] == round(alloy.dTx, 1)
    assert compact["source"] == f"{alloy.sources[0].document}, {alloy.sources[0].location}"
    row = alloy.csv_row()
    assert row["formula"] == alloy.formula and row["Trg"] == alloy.Trg and "composition" not in row
    assert not any(isinstance(value, (dict, list)) for value in row.values())


def test_a_query_result_counts_every_match_and_lists_a_bounded_number(known_alloys):
    result = AlloyQueryResult(n_found=len(known_alloys), alloys=known_alloys)
    assert len(known_alloys) > MAX_LISTED
    compact = result.compact()
    assert compact["n_found"] == len(known_alloys) and len(compact["alloys"]) == MAX_LISTED
    assert [a["formula"] for a in compact["alloys"]] == [a.formula for a in known_alloys[:MAX_LISTED]]
    _round_trips(AlloyQueryResult(n_found=len(known_alloys), alloys=known_alloys[:3]))


def test_a_description_reads_alloy_level_descriptors_in_its_compact_form(known_alloys):
    described = AlloyDescription(input="zr-alloy", composition=known_alloys[0].composition,
                                 formula=known_alloys[0].formula, known=known_alloys[0],
                                 descriptors={"MagpieData mean Number": 32.78, "delta": 5.123456, "dH_mix": None},
                                 cost_usd_per_kg=22.87349)
    compact = described.compact()
    assert compact["descriptors"] == {"delta": 5.1235, "dH_mix": None} and compact["cost_usd_per_kg"] == 22.87
    assert compact["known"] == known_alloys[0].compact()
    assert described.csv_row()["MagpieData mean Number"] == 32.78 and described.csv_row()["Tg"] == known_alloys[0].Tg
    _round_trips(described)
    _round_trips(described.model_copy(update={"known": None}))


def test_kb_stats_name_what_they_were_built_from_only_after_a_build():
    stats = KnowledgeBaseStats(store="/x/alloygan.sqlite", schema_version=1, rows_read=3, accepted=2, quarantined=1,
                               unique_compositions=2, conflicting_alloys=0, families={"Zr": 2}, sources=[])
    assert "built_from" not in stats.to_json()
    built = stats.model_copy(update={"built_from": "shipped table"})
    assert list(built.to_json())[-1] == "built_from"
    _round_trips(built)


def test_a_literature_hit_keeps_its_citation_and_trims_text_for_an_llm():
    passage = Passage(document="Fe paper", path="/p/fe.html", sha256="ab" * 32, page=3, chunk=7, score=0.812345,
                      text="x" * (MAX_PASSAGE_CHARS + 50))
    hit = LiteratureHit.model_validate(passage, from_attributes=True)
    assert list(hit.to_json()) == ["document", "page", "score", "text", "path", "sha256", "chunk"]
    assert hit.compact() == {"document": "Fe paper", "page": 3, "score": 0.812, "text": "x" * MAX_PASSAGE_CHARS}
    assert hit.csv_row() == hit.to_json()
    _round_trips(hit)


def _record(formula: str = "Zr65Cu17.5Ni10Al7.5", **values):
    evidence = Evidence(document="Zr paper", sha256="cd" * 32, path="/p/zr.txt", page=1, location="p1 para 3",
                        quote=QUOTE * 3)
    return make_record(evidence, "rules", formula, **({"Tg": 656.0, "Tx": 741.0, "Tl": 1168.0} | values),
                       heating_rate_K_per_min=20.0)


def test_an_extracted_record_has_the_documented_keys_and_its_evidence():
    record = ExtractedRecord.of(_record())
    data = record.to_json()
    assert list(data) == ["composition", "formula", "formula_as_written", "Tg", "Tx", "Tl", "unit", "stated_unit",
                          "heating_rate_K_per_min", "source", "method", "prompt_version"]
    assert data["composition"] == {"Zr": 65.0, "Cu": 17.5, "Ni": 10.0, "Al": 7.5} and data["unit"] == "K"
    assert list(data["source"]) == ["document", "sha256", "path", "page", "location", "quote"]
    assert record.compact() == {"formula": "Zr65Cu17.5Ni10Al7.5", "Tg": 656.0, "Tx": 741.0, "Tl": 1168.0,
                                "document": "Zr paper", "page": 1, "quote": (QUOTE * 3)[:200]}
    assert record.csv_row()["location"] == "p1 para 3"
    _round_trips(record)


def test_an_extraction_counts_everything_but_lists_a_bounded_number():
    records = [ExtractedRecord.of(_record(f"Zr{50 + i}Cu{50 - i}")) for i in range(MAX_LISTED + 5)]
    rejected = [_record(Tg=900.0)]  # Tg above Tx: a rejection with the reason
    assert "exceeds Tx" in rejected[0].reason
    extraction = Extraction(method="rules", records=records, rejected=rejected, documents=[], committed=None)
    compact = extraction.compact()
    assert (compact["n_records"], compact["n_rejected"], len(compact["records"])) == (MAX_LISTED + 5, 1, MAX_LISTED)
    assert compact["committed"] is None
    _round_trips(extraction)


def test_an_ingestion_report_from_the_literature_package():
    report = IngestReport(index="/home/literature", files=[
        FileResult("/p/a.pdf", "added", "A", "ef" * 32, pages=2, chunks_added=5, seconds=0.5),
        FileResult("/p/b.pdf", "failed", "b.pdf", reason="not a readable PDF")])
    ingestion = Ingestion.of(report)
    data = ingestion.to_json()
    assert list(data) == ["index", "files", "totals"] and data["totals"] == report.totals
    assert data["files"][1]["reason"] == "not a readable PDF" and data["totals"]["pages_read"] == 2
    _round_trips(ingestion)


def _suggestion(sid: int = 1, measurement: LabMeasurement | None = None) -> Suggestion:
    return Suggestion(sid, "Zr50Cu40Al10", {"Zr": 50.0, "Cu": 40.0, "Al": 10.0},
                      {"Tg": {"mean": 701.0, "std": 10.0}, "Trg": {"mean": 0.61, "std": 0.01}}, 0.9, 24.5,
                      {"base_element": "Zr"}, "Zr-based", 1, "ours-Zr", "forward-v1", "t-1",
                      "2025-01-01T00:00:00+00:00", measurement)


@pytest.mark.parametrize("measurement, status", [
    (None, "pending"),
    (LabMeasurement(True, 705.0, 785.0, 1160.0, "DSC", True, "2025-01-02T00:00:00+00:00"), "glass"),
    (LabMeasurement(False, None, None, None, "crystalline", False, "2025-01-02T00:00:00+00:00"), "not a glass"),
])
def test_an_experiment_says_its_status_and_round_trips(measurement, status):
    experiment = Experiment.of(_suggestion(measurement=measurement))
    data = experiment.to_json()
    assert data["status"] == status and list(data)[-2:] == ["measurement", "status"]
    assert data["predicted"]["Tg"] == {"mean": 701.0, "std": 10.0}
    compact = experiment.compact()
    assert compact["predicted"] == {"Tg": {"mean": 701.0, "std": 10.0}, "Tx": None, "Tl": None}
    assert compact["added_to_knowledge_base"] is (status == "glass")
    assert compact["measured"] == (None if measurement is None else
                                   {"Tg": measurement.Tg, "Tx": measurement.Tx, "Tl": measurement.Tl})
    row = experiment.csv_row()
    assert row["Tg_mean"] == 701.0 and row["Trg_std"] == 0.01 and row["status"] == status
    _round_trips(experiment)


def test_logged_suggestions_name_their_ids_and_models():
    logged = LoggedSuggestions(logged=[Experiment.of(_suggestion(1)), Experiment.of(_suggestion(2))])
    assert logged.compact() == {"logged": [{"id": 1, "formula": "Zr50Cu40Al10", "design_rank": 1},
                                           {"id": 2, "formula": "Zr50Cu40Al10", "design_rank": 1}],
                                "forward_model": "forward-v1", "generator": "ours-Zr"}
    _round_trips(logged)


def test_a_checked_experiment_carries_a_note_only_when_it_did_not_form_a_glass():
    glass = ExperimentCheck(id=1, formula="Zr50Cu40Al10", amorphous=True, properties={
        "Tg": PropertyCheck(predicted={"mean": 701.0, "std": 10.0}, measured=712.0, error=11.0, within_2sigma=True)})
    assert "note" not in glass.to_json()
    failed = ExperimentCheck(id=2, formula="Zr51Cu39Al10", amorphous=False, properties={}, note="crystalline")
    assert failed.to_json() == {"id": 2, "formula": "Zr51Cu39Al10", "amorphous": False, "properties": {},
                                "note": "crystalline"}
    _round_trips(glass)
    _round_trips(failed)


def test_a_training_report_round_trips_and_has_no_csv_form():
    report = TrainingReport.model_validate({
        "alloys": 987, "forward_model": {"trained": True, "n_alloys": 987, "training_seconds": 12.5, "elements": 51},
        "generators": [{"model": "ours", "family": "Zr", "trained": False, "training_seconds": None,
                        "n_alloys": 124}], "seconds": 13.0})
    assert list(report.to_json()) == ["alloys", "forward_model", "generators", "seconds"]
    _round_trips(report)
    with pytest.raises(NotImplementedError, match="TrainingReport has no CSV form"):
        report.csv_row()
