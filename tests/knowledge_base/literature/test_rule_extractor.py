"""The rule-based extractor: the dataset PDF as the miner reads it, snippets in many styles, no false records."""
from __future__ import annotations

from collections import Counter

import pytest

from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.literature.documents import read_document
from alloygan.knowledge_base.literature.records import Evidence, ExtractedRecord, Rejection
from alloygan.knowledge_base.literature.rule_extractor import extract_with_rules
from alloygan.knowledge_base.literature.statements import read_paragraph
from alloygan.knowledge_base.literature.tables import read_grid, text_grids
from alloygan.knowledge_base.literature.units import rate_to_K_per_min, temperature_unit, to_kelvin
from alloygan.knowledge_base.table_miner import mine_table
from tests.knowledge_base.literature.conftest import text_document, write_pdf


def _key(formula, Tg, Tx, Tl):
    return (Composition.parse(formula), round(Tg, 2), round(Tx, 2), round(Tl, 2))


def _evidence(number: int, quote: str) -> Evidence:
    return Evidence(document="d", sha256="0" * 64, page=1, location=f"record {number}", quote=quote)


def statement(text: str) -> tuple[list[ExtractedRecord], list[Rejection]]:
    items = read_paragraph(text, _evidence)
    return ([i for i in items if isinstance(i, ExtractedRecord)], [i for i in items if isinstance(i, Rejection)])


@pytest.mark.slow  # end to end over the dataset PDF: both readers parse all 12 pages
def test_on_the_dataset_pdf_it_recovers_exactly_the_rows_the_miner_accepts(shared_pdf):
    mined = mine_table(shared_pdf)
    result = extract_with_rules(read_document(shared_pdf))
    assert Counter(r.key() for r in result.records) == Counter(
        _key(r.composition.formula, r.Tg, r.Tx, r.Tl) for r in mined.reports)
    assert len(result.records) == len(mined.reports) and len(result.rejected) == len(mined.quarantined)
    first = next(r for r in result.records if r.source.quote.startswith("(Cu50Zr43Al7)98Si2 "))
    assert first.source.page == 1 and first.source.location == "p1 right line 50"
    assert (first.Tg, first.Tx, first.Tl, first.method) == (740.0, 800.0, 1256.0, "rules")
    assert first.source.sha256.startswith("a34375ff")
    reasons = {r.text: r.reason for r in result.rejected}
    assert "unexpected character '?'" in reasons["Zr48Cu43Al7Ag2? 700 761 1152"]


def test_on_the_snippets_it_finds_every_record_and_no_false_one(snippets, expected):
    for name, records in expected.items():
        result = extract_with_rules(read_document(snippets / name))
        found = Counter(r.key() for r in result.records)
        assert found == Counter(_key(r["formula"], r["Tg"], r["Tx"], r["Tl"]) for r in records), name
        rates = {r.composition: r.heating_rate_K_per_min for r in result.records}
        for r in records:
            assert rates[Composition.parse(r["formula"])] == r.get("heating_rate_K_per_min"), (name, r["formula"])


def test_records_carry_provenance_and_verbatim_quotes(snippets):
    document = read_document(snippets / "zr_statements.txt")
    record = extract_with_rules(document).records[0]
    assert record.source.sha256 == document.sha256 and record.source.page == 1
    assert record.source.location == "p1 para 3 record 1" and record.source.path.endswith("zr_statements.txt")
    assert record.source.quote == ("The Zr65Cu17.5Ni10Al7.5 glass has a Tg of 656 K, a Tx of 741 K and a Tl of "
                                   "1168 K, measured by DSC at a heating rate of 20 K/min.")
    assert record.composition.as_dict() == {"Zr": 65.0, "Cu": 17.5, "Ni": 10.0, "Al": 7.5}
    assert (record.Tg, record.Tx, record.Tl, record.method) == (656.0, 741.0, 1168.0, "rules")


def test_celsius_tables_are_converted_and_incomplete_rows_rejected(snippets):
    result = extract_with_rules(read_document(snippets / "cu_celsius_table.md"))
    cu50 = result.records[0]
    assert (cu50.Tg, cu50.Tx, cu50.Tl, cu50.stated_unit) == (675.15, 723.15, 1208.15, "°C")
    assert cu50.source.location == "p1 table 1 row 1" and cu50.source.quote == "Cu50Zr50 | 402 | 450 | 935 | 48"
    assert [(r.location, r.reason) for r in result.rejected] == [("p1 table 1 row 4", "Tl not given")]


def test_negative_snippet_gives_only_rejections_with_reasons(snippets):
    result = extract_with_rules(read_document(snippets / "negatives.txt"))
    assert result.records == []
    assert [r.reason for r in result.rejected] == [
        "incomplete: Tx, Tl not stated for Mg65Cu25Y10",
        "Tg (764 K) exceeds Tx (720 K); a glass needs Tg < Tx",
        "formula 'Zr48Cu43Al7Ag2?': unexpected character '?' at position 15",
    ]


@pytest.mark.parametrize("text, records", [
    ("The Cu50Zr50 glass has a Tg of 675 K, a Tx of 723 K and a Tl of 1208 K.", [("Cu50Zr50", 675, 723, 1208)]),
    ("For Cu50Zr50, Tg, Tx and Tl are 675, 723 and 1208 K.", [("Cu50Zr50", 675, 723, 1208)]),
    ("Cu50Zr50: Tg/Tx/Tl = 675/723/1208 K.", [("Cu50Zr50", 675, 723, 1208)]),
    ("The Tg, Tx, and Tl of Cu50Zr50 were 675 K, 723 K, and 1208 K, respectively.", [("Cu50Zr50", 675, 723, 1208)]),
    ("Cu50Zr50 shows T_g = 401.85 °C, T_x = 449.85 °C and T_l = 934.85 °C.", [("Cu50Zr50", 675, 723, 1208)]),
    ("Cu50Zr50 shows Tg = 402 ℃, Tx = 450 ℃ and Tl = 935 ℃.", [("Cu50Zr50", 675.15, 723.15, 1208.15)]),
    ("A glass transition temperature of 675 K, an onset crystallization temperature of 723 K and a liquidus "
     "temperature of 1208 K were found for Cu50Zr50.", [("Cu50Zr50", 675, 723, 1208)]),
    ("The Zr₆₅Cu₃₅ glass has Tg = 650 ± 2 K, Tx = 720 ± 2 K and Tl = 1170 K.", [("Zr65Cu35", 650, 720, 1170)]),
    ("Cu50Zr50 has Tg = 675 K. Its Tx is 723 K. Its liquidus temperature is 1208 K.", [("Cu50Zr50", 675, 723, 1208)]),
    ("Cu50Zr50 and Cu64Zr36 have Tg of 675 and 787 K, Tx of 723 and 833 K and Tl of 1208 and 1230 K, respectively.",
     [("Cu50Zr50", 675, 723, 1208), ("Cu64Zr36", 787, 833, 1230)]),
    ("Cu50Zr50 (Tg = 675 K, Tx = 723 K, Tl = 1208 K) and Cu64Zr36 (Tg = 787 K, Tx = 833 K, Tl = 1230 K).",
     [("Cu50Zr50", 675, 723, 1208), ("Cu64Zr36", 787, 833, 1230)]),
    ("The Cu50Zr50 alloy has a glass transition temperature (Tg) of 675 K, an onset crystallization temperature "
     "(Tx) of 723 K and a liquidus temperature (Tl) of 1208 K.", [("Cu50Zr50", 675, 723, 1208)]),
    ("Cu50Zr50 has Tg ≈ 675 K, Tx ∼ 723 K and Tl ~ 1208 K.", [("Cu50Zr50", 675, 723, 1208)]),
    ("Compared with Cu64Zr36, the Cu50Zr50 glass has Tg = 675 K, Tx = 723 K and Tl = 1208 K.",
     [("Cu50Zr50", 675, 723, 1208)]),
    ("Adding Al to Cu64Zr36 gives Cu50Zr50 with Tg = 675 K, Tx = 723 K and Tl = 1208 K.", [("Cu50Zr50", 675, 723, 1208)]),
    ("For Cu50Zr50, Cu64Zr36, and Cu46Zr46Al8, Tg is 675, 787 and 710 K, Tx 723, 833 and 778 K and Tl 1208, 1230 "
     "and 1163 K, respectively.",
     [("Cu50Zr50", 675, 723, 1208), ("Cu64Zr36", 787, 833, 1230), ("Cu46Zr46Al8", 710, 778, 1163)]),
])
def test_statement_styles(text, records):
    found, rejected = statement(text)
    assert rejected == []
    assert Counter(r.key() for r in found) == Counter(_key(*r) for r in records)


@pytest.mark.parametrize("text", [
    "The supercooled liquid region ΔTx = 48 K of Cu50Zr50 is narrow.",
    "For Cu50Zr50, Tx - Tg = 48 K and Tx−Tg = 48 K.",
    "Cu50Zr50 was annealed 20 K below Tg and heated to 900 K at 20 K/min.",
    "Adding Al to Cu50Zr50 raised Tg by 15 K.",
    "The reduced glass transition temperature Trg = Tg/Tl = 0.56 of Cu50Zr50 is moderate.",
    "Tg of 675 K, Tx of 723 K and Tl of 1208 K are typical of binary glasses.",  # no alloy named
    "Cu50Zr50 was cooled at 10 K/s; its Tg depends on the cooling rate.",
])
def test_no_record_from_numbers_that_are_not_its_temperatures(text):
    found, rejected = statement(text)
    assert found == [] and rejected == []


def test_conflicting_and_mismatched_statements_are_rejected_not_guessed():
    found, rejected = statement("Cu50Zr50 has Tg = 675 K, Tx = 723 K and Tl = 1208 K. Later we measured Tg = 690 K.")
    assert found == [] and "Tg stated with different values (675 K, 690 K)" in rejected[0].reason
    found, rejected = statement("For Cu50Zr50, Tg, Tx and Tl are 675 and 723 K.")
    assert found == [] and "3 properties but 2 values" in rejected[0].reason


def test_heating_rates_in_their_usual_units():
    found, _ = statement("At a heating rate of 0.67 K/s, Cu50Zr50 shows Tg = 675 K, Tx = 723 K and Tl = 1208 K.")
    assert found[0].heating_rate_K_per_min == pytest.approx(40.2)
    found, _ = statement("Cu50Zr50 shows Tg = 675 K, Tx = 723 K and Tl = 1208 K (DSC at 20 K min−1).")
    assert found[0].heating_rate_K_per_min == 20.0
    found, _ = statement("Heating rates of 10 K/min and 40 K/min were used. Cu50Zr50 has Tg = 675 K, Tx = 723 K and "
                         "Tl = 1208 K.")
    assert found[0].heating_rate_K_per_min is None  # two rates: which one is not stated
    found, _ = statement("DSC scans at 10, 20 and 40 K/min; Cu50Zr50 has Tg = 675 K, Tx = 723 K and Tl = 1208 K.")
    assert found[0].heating_rate_K_per_min is None


def test_unit_helpers():
    assert to_kelvin(402, "°C") == 675.15 and to_kelvin(675, "K") == 675.0
    assert [temperature_unit(u) for u in ("(K)", "K", "°C", "℃", "(oC)", "deg C", "celsius", "min")] == [
        "K", "K", "°C", "°C", "°C", "°C", "°C", None]
    assert rate_to_K_per_min(0.5, "K/s") == 30.0 and rate_to_K_per_min(20, "K min-1") == 20.0
    assert rate_to_K_per_min(10, "°C/min") == 10.0


def test_table_units_from_a_unit_row_and_a_missing_unit_is_not_guessed():
    evidence = lambda row, quote: _evidence(row, quote)  # noqa: E731
    with_unit_row = [["Alloy", "Tg", "Tx", "Tl"], ["", "(°C)", "(°C)", "(°C)"], ["Cu50Zr50", "402", "450", "935"]]
    (record,) = read_grid(with_unit_row, evidence)
    assert (record.Tg, record.Tl) == (675.15, 1208.15)
    (rejected,) = read_grid([["Alloy", "Tg", "Tx", "Tl"], ["Cu50Zr50", "675", "723", "1208"]], evidence)
    assert isinstance(rejected, Rejection) and "the table header states no unit" in rejected.reason
    rate_column = [["Composition", "Tg (K)", "Tx (K)", "Tl (K)", "Heating rate (K/s)"], ["Cu50Zr50", "675", "723", "1208", "0.5"]]
    assert read_grid(rate_column, evidence)[0].heating_rate_K_per_min == 30.0


def test_text_tables_with_single_spaces_and_a_unit_row():
    text = "Table 1\nAlloy Tg Tx Tl\n(K) (K) (K)\nCu50Zr50 675 723 1208\nZr 65 Cu 35 650 720 1170\n\nAfter the table."
    ((grid, printed),) = text_grids(text)
    records = read_grid(grid, _evidence, printed)
    assert [r.key() for r in records] == [_key("Cu50Zr50", 675, 723, 1208), _key("Zr65Cu35", 650, 720, 1170)]
    assert records[1].source.quote == "Zr 65 Cu 35 650 720 1170"


def test_ruled_pdf_table_and_pdf_sentences(tmp_path):
    pdf = write_pdf(tmp_path / "paper.pdf",
                    [["The Zr65Cu17.5Ni10Al7.5 glass has a Tg of 656 K, a Tx of 741 K and a Tl of 1168 K."]],
                    table=[["Alloy", "Tg (°C)", "Tx (°C)", "Tl (°C)"], ["Cu50Zr50", "402", "450", "935"]])
    result = extract_with_rules(read_document(pdf))
    assert Counter(r.key() for r in result.records) == Counter([
        _key("Cu50Zr50", 675.15, 723.15, 1208.15), _key("Zr65Cu17.5Ni10Al7.5", 656, 741, 1168)])
    table_record = next(r for r in result.records if r.source.location.startswith("p1 table 1"))
    assert table_record.source.quote == "Cu50Zr50 | 402 | 450 | 935"


def test_a_statement_repeating_a_table_row_is_one_record():
    document = text_document("| Alloy | Tg (K) | Tx (K) | Tl (K) |\n|---|---|---|---|\n| Cu50Zr50 | 675 | 723 | 1208 |\n\n"
                             "As the table shows, Cu50Zr50 has Tg = 675 K, Tx = 723 K and Tl = 1208 K.")
    result = extract_with_rules(document)
    assert [r.source.location for r in result.records] == ["p1 table 1 row 1"]


def test_matching_stays_linear_on_pathological_text():
    import time

    # nested optional whitespace once made the first of these take 2^n steps (minutes at n = 50)
    texts = ["Tg " + "of the " * 300 + "x", "Tg, Tx and Tl " + "   " * 300 + "are", "Tg " + "(" * 300,
             "Cu50Zr50 Tg of " + "1, " * 300 + "2 K"]
    started = time.perf_counter()
    for text in texts:
        read_paragraph(text, _evidence)
    assert time.perf_counter() - started < 2.0


_RANGE = "incomplete: Tx not stated for Cu50Zr50"  # the ends of a range are not values
_CLAUSE = "its values follow Cu64Zr36 inside a clause about Cu50Zr50; which of the two they belong to is not clear"


@pytest.mark.parametrize("text, reason", [
    ("Cu50Zr50 has Tg = 675 K and Tl = 1208 K; Tx of 720 K to 760 K was seen.", _RANGE),
    ("Cu50Zr50 has Tg = 675 K and Tl = 1208 K; Tx = 720 K – 760 K depending on the rate.", _RANGE),
    ("Cu50Zr50 has Tg = 675 K and Tl = 1208 K; Tx increases from 720 to 760 K with Al.", _RANGE),
    # the values are Cu50Zr50's, but the nearest alloy before them is Cu64Zr36: reject, never misattribute
    ("Cu50Zr50, unlike Cu64Zr36, has Tg = 675 K, Tx = 723 K and Tl = 1208 K.", _CLAUSE),
    ("Cu50Zr50, which was derived from Cu64Zr36 by adding Zr, has Tg = 675 K, Tx = 723 K and Tl = 1208 K.", _CLAUSE),
    ("Cu50Zr50 (derived from Cu64Zr36) has Tg = 675 K, Tx = 723 K and Tl = 1208 K.", _CLAUSE),
])
def test_ranges_and_values_of_unclear_alloys_are_rejected_not_guessed(text, reason):
    found, rejected = statement(text)
    assert found == [] and [r.reason for r in rejected] == [reason]


def test_values_after_a_sentence_naming_two_alloys_are_given_to_neither():
    found, rejected = statement("Cu50Zr50 and Cu64Zr36 were cast. Tg = 675 K, Tx = 723 K and Tl = 1208 K.")
    assert found == [] and "names 2 alloys (Cu50Zr50, Cu64Zr36)" in rejected[0].reason
    found, _ = statement("Cu50Zr50 was cast. Tg = 675 K, Tx = 723 K and Tl = 1208 K.")
    assert [r.composition.formula for r in found] == ["Cu50Zr50"]


def test_a_heating_rate_pattern_does_not_step_over_another_rate():
    found, _ = statement("The Cu50Zr50 glass has Tg = 675 K, Tx = 723 K and Tl = 1208 K, measured at 40 K/min.")
    assert found[0].heating_rate_K_per_min == 40.0
    # once, "measured ... at 40 K/min" swallowed the 20 K/min between: one rate, the wrong one
    found, _ = statement("Cu50Zr50 has Tg = 675 K, Tx = 723 K and Tl = 1208 K measured with a heating rate of "
                         "20 K/min, and Cu64Zr36 was heated at 40 K/min.")
    assert found[0].heating_rate_K_per_min is None


def test_a_heating_rate_in_the_table_caption_holds_for_its_rows():
    caption = "Table 2. DSC data (heating rate 10 K/min).\n\n"
    table = "| Alloy | Tg (K) | Tx (K) | Tl (K) |\n|---|---|---|---|\n| Cu50Zr50 | 675 | 723 | 1208 |\n"
    (record,) = extract_with_rules(text_document(caption + table)).records
    assert record.heating_rate_K_per_min == 10.0
    for other in ("Table 2. DSC data at 10 and 40 K/min heating.\n\n",  # two rates: which one is not stated
                  "Heating rate 10 K/min.\n\n",  # not a caption
                  "Table 2. DSC data.\n\nHeating rate 10 K/min for all alloys.\n\n"):  # caption without it
        (record,) = extract_with_rules(text_document(other + table)).records
        assert record.heating_rate_K_per_min is None, other
    with_column = table.replace("Tl (K) |", "Tl (K) | heating rate (K/s) |").replace("1208 |", "1208 | 0.5 |")
    (record,) = extract_with_rules(text_document(caption + with_column)).records
    assert record.heating_rate_K_per_min == 30.0  # the row's own rate wins
