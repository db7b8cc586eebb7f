"""Reading alloy temperatures stated in sentences.

The styles read (units K or °C, stated after the values):
- one at a time: `Tg of 675 K`, `T_g = 675 K`, `a glass transition temperature of 402 °C`;
- lists: `Tg, Tx and Tl are 675, 754 and 1145 K`, `Tg/Tx/Tl = 675/754/1145 K`,
  `Tg and Tx of 675 K and 754 K, respectively`;
- one property of several alloys: `Zr65Cu35 and Zr50Cu50 have Tg of 650 and 700 K, respectively`.

Values belong to the alloy mentioned before them in the same sentence (or, when none
is, the first one after them); a sentence that names no alloy continues the alloy of
the two sentences before it in the paragraph. When whose values they are is not clear
(the nearest alloy before them sits in a clause inserted after another one, `A, unlike
B, has Tg = ...`; or the sentence carried from names two alloys), the record is rejected
with that reason, never given to a guess. An alloy gets a record when its paragraph
states Tg, Tx and Tl; otherwise, and when a property is stated twice with different
values, it is rejected with the reason. Differences (`ΔTx = 79 K`), changes (`Tg
increased by 20 K`), the ends of a range (`720 K to 760 K`) and numbers without a unit
are not temperatures.
A heating rate (`at a heating rate of 20 K/min`) is attached when the paragraph states
exactly one.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from alloygan.knowledge_base.literature.records import Evidence, ExtractedRecord, Rejection, make_record, rejection
from alloygan.knowledge_base.literature.units import RATE_UNIT, TEMPERATURE_UNIT, rate_to_K_per_min, temperature_unit, to_kelvin

# One character for one character, so that spans found in the matchable text are spans of the original.
_MATCHABLE = str.maketrans("₀₁₂₃₄₅₆₇₈₉‐‑‒–—−\u00a0∼≃≅", "0123456789------ ~≈≈")

# A name starts a word and is not the subtrahend of a difference (`ΔTx`, `Tx - Tg`, `Tx-Tg`).
_B = r"(?<![-+]\s)(?<![A-Za-z0-9Δ∆+\-])"
_NAME = {
    "Tg": rf"{_B}(?:glass[- ]transition(?:\s+temperatures?)?(?:\s*\(\s*T\s?_?g\s*\))?|T\s?_?\{{?g\}}?(?![A-Za-z0-9]))",
    "Tx": rf"{_B}(?:(?:onset\s+(?:of\s+)?)?crystalli[sz]ation(?:\s+onset)?(?:\s+temperatures?)?"
          rf"(?:\s*\(\s*T\s?_?x1?\s*\))?|T\s?_?\{{?x1?\}}?(?![A-Za-z0-9]))",
    "Tl": rf"{_B}(?:liquidus(?:\s+temperatures?)?(?:\s*\(\s*T\s?_?[lL]\s*\))?|T\s?_?\{{?[lL]\}}?(?![A-Za-z0-9]))",
}
_ANY_NAME = "|".join(f"(?P<{n}>{p})" for n, p in _NAME.items())
_ANY_NAME_PLAIN = "(?:" + "|".join(_NAME.values()) + ")"
_FORMULA_TOKEN = r"[(\[]*[A-Z][A-Za-z0-9.()\[\]/]*\d[A-Za-z0-9.()\[\]/]*"
_LINK_WORD = (r"of|is|was|are|were|at|around|about|approximately|nearly|near|reaching|equal\s+to|values?|"
              r"determined|measured|found|obtained|as|to|be|being|the|this|that|these|its|their|alloys?|glass(?:es)?|"
              r"BMGs?|MGs?|samples?|ribbons?|rods?|specimens?|compositions?|respectively|" + _FORMULA_TOKEN)
# The words between a name and its value. Atomic (`(?>...)`): what it matched is never re-split, which
# keeps matching linear in the text (a plain `(\s*word\s*)*` splits whitespace in 2^n ways on failure).
_LINK = rf"(?>(?:\s*(?:[:=≈~(),]|(?:{_LINK_WORD})(?![A-Za-z0-9])))*)\s*"
_NUM = r"\d+(?:\.\d+)?"
_PM = rf"(?:\s*(?:±|\+/-|\+-)\s*{_NUM})?"
_SEP = r"\s*(?:,\s*and|,|and|/|&)\s*"
_VALUE = rf"{_NUM}{_PM}(?:\s*{TEMPERATURE_UNIT})?"
# `720 K to 760 K`, `675 K - 680 K`: the first end of a range is not a value
_NOT_RANGE = r"(?!\s*(?:-|to(?![A-Za-z]))\s*\d)"
_VALUES = rf"(?P<values>{_VALUE}(?:{_SEP}{_VALUE})+){_NOT_RANGE}"

LIST_OF_NAMES = re.compile(rf"(?P<names>{_ANY_NAME_PLAIN}(?:{_SEP}{_ANY_NAME_PLAIN})+){_LINK}{_VALUES}")
ONE_NAME_MANY_VALUES = re.compile(rf"(?:{_ANY_NAME}){_LINK}{_VALUES}")
ONE_NAME_ONE_VALUE = re.compile(
    rf"(?:{_ANY_NAME}){_LINK}(?P<value>{_NUM}){_PM}\s*(?P<unit>{TEMPERATURE_UNIT}){_NOT_RANGE}")
_VALUE_ITEM = re.compile(rf"(?P<value>{_NUM}){_PM}(?:\s*(?P<unit>{TEMPERATURE_UNIT}))?")
_NAME_ITEM = re.compile(_ANY_NAME)
_RATES = rf"{_NUM}(?:\s*{RATE_UNIT})?(?:{_SEP}{_NUM}(?:\s*{RATE_UNIT})?)*\s*{RATE_UNIT}"
HEATING_RATE = re.compile(
    rf"heating\s+rates?\s*(?:\(\s*[βΦφ]\s*\)\s*)?(?:of|=|:|was|were|is|are|was\s+set\s+to|,)?\s*(?P<rates>{_RATES})"
    rf"|(?P<rates2>{_RATES})\s+heating"
    rf"|(?:heated|scanned|measured|determined|obtained|recorded|DSC|differential\s+scanning\s+calorimetry)\b"
    rf"(?:(?!{_NUM}\s*{RATE_UNIT})[^.;]){{0,60}}?\bat\s+(?:a\s+rate\s+of\s+)?"  # skips no other rate
    rf"(?P<rates3>{_RATES})",
    re.IGNORECASE,
)
_RATE_ITEM = re.compile(rf"(?P<value>{_NUM})(?:\s*(?P<unit>{RATE_UNIT}))?", re.IGNORECASE)
_FORMULA_RUN = re.compile(r"[A-Za-z0-9.()\[\]/]+")
_ELEMENT_AMOUNT = re.compile(r"[A-Z][a-z]?\d")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")
_ABBREVIATIONS = ("e.g.", "i.e.", "al.", "Fig.", "Figs.", "Ref.", "Refs.", "Eq.", "No.", "vs.", "approx.", "ca.", "cf.")
CARRY_SENTENCES = 2  # a sentence naming no alloy continues one named at most this many sentences before


@dataclass
class _Subject:
    formula: str
    order: int  # position of the first mention in the paragraph
    sentences: set[int] = field(default_factory=set)
    values: dict[str, list[tuple[float, str, str]]] = field(default_factory=dict)  # name -> (K, unit, as written)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Assignment:
    name: str
    value: float
    unit: str
    start: int
    sentence: int


def _sentences(paragraph: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        before = paragraph[start:match.start()]
        if before.endswith(_ABBREVIATIONS):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(paragraph)))
    return spans


def _mentions(text: str) -> list[tuple[int, str]]:
    """(position, formula as written) of every alloy formula in the text."""
    found = []
    for match in _FORMULA_RUN.finditer(text):
        token, start = match.group(), match.start()
        token = token.rstrip(".")
        while token.startswith(("(", "[")) and token.count("(") + token.count("[") > token.count(")") + token.count("]"):
            token, start = token[1:], start + 1
        while token.endswith((")", "]")) and token.count(")") + token.count("]") > token.count("(") + token.count("["):
            token = token[:-1]
        if len(_ELEMENT_AMOUNT.findall(token)) >= 2 and not re.search(r"[a-z]{3}", token):
            after = start + len(token)
            if text[after:after + 1] in ("?", "*", "#", "!"):  # a stray mark makes the formula unreadable
                token += text[after]
            found.append((start, token))
    return found


def _values(text: str) -> list[tuple[float, str]] | None:
    """`675, 754 and 1145 K` -> [(675, K), (754, K), (1145, K)]; None unless the last value has a unit."""
    items = [(float(m.group("value")), m.group("unit")) for m in _VALUE_ITEM.finditer(text)]
    if not items or items[-1][1] is None:
        return None
    last_unit = items[-1][1]
    return [(value, temperature_unit(unit or last_unit) or "K") for value, unit in items]


def _assignments(text: str, sentence_of: Callable[[int], int]) -> tuple[list[_Assignment], list[tuple[int, str]]]:
    """Temperature statements in the paragraph, and the ambiguous ones with the reason."""
    out: list[_Assignment] = []
    ambiguous: list[tuple[int, str]] = []
    taken = [False] * len(text)

    def free(match: re.Match) -> bool:
        return not any(taken[match.start():match.end()])

    def take(match: re.Match) -> None:
        taken[match.start():match.end()] = [True] * (match.end() - match.start())

    for match in LIST_OF_NAMES.finditer(text):
        names = [next(n for n, v in m.groupdict().items() if v) for m in _NAME_ITEM.finditer(match.group("names"))]
        values = _values(match.group("values"))
        if values is None:
            continue
        take(match)
        if len(names) != len(values):
            ambiguous.append((match.start(), f"{len(names)} properties but {len(values)} values in {match.group()!r}"))
            continue
        at = match.start("values")
        out += [_Assignment(n, v, u, at, sentence_of(at)) for n, (v, u) in zip(names, values)]
    for pattern in (ONE_NAME_MANY_VALUES, ONE_NAME_ONE_VALUE):
        for match in pattern.finditer(text):
            if not free(match):
                continue
            name = next(n for n in _NAME if match.group(n))
            values = _values(match.group("values")) if "values" in match.groupdict() else [
                (float(match.group("value")), temperature_unit(match.group("unit")) or "K")]
            if values is None:
                continue
            take(match)
            at = match.start("values") if "values" in match.groupdict() else match.start("value")
            out += [_Assignment(name, v, u, at + i, sentence_of(at)) for i, (v, u) in enumerate(values)]
    return sorted(out, key=lambda a: a.start), ambiguous


def heating_rates(paragraph: str) -> list[tuple[float, int]]:
    """(K/min, position) of every heating rate stated; `10, 20 and 40 K/min` are three."""
    rates = []
    for match in HEATING_RATE.finditer(paragraph):
        group = next(g for g in ("rates", "rates2", "rates3") if match.group(g))
        items = [(m.group("value"), m.group("unit")) for m in _RATE_ITEM.finditer(match.group(group))]
        last_unit = items[-1][1]
        rates += [(rate_to_K_per_min(float(value), unit or last_unit), match.start()) for value, unit in items]
    return rates


def read_paragraph(original: str, evidence_for: Callable[[int, str], Evidence]) -> list[ExtractedRecord | Rejection]:
    """Records stated in one paragraph; `evidence_for(record_number, quote)` gives their evidence."""
    text = original.translate(_MATCHABLE)
    spans = _sentences(text)

    def sentence_of(position: int) -> int:
        return next(i for i, (s, e) in enumerate(spans) if position < e or i == len(spans) - 1)

    mentions = [(pos, formula, sentence_of(pos)) for pos, formula in _mentions(text)]
    assignments, ambiguous = _assignments(text, sentence_of)
    subjects: dict[str, _Subject] = {}

    first_seen = {}
    for position, formula, _ in mentions:
        first_seen.setdefault(formula, position)

    def subject(formula: str, sentence: int) -> _Subject:
        found = subjects.setdefault(formula, _Subject(formula, first_seen[formula]))
        found.sentences.add(sentence)
        return found

    value_positions = [a.start for a in assignments]
    for assignment in assignments:
        same = [m for m in mentions if m[2] == assignment.sentence]
        before = [m for m in same if m[0] < assignment.start]
        unclear = None
        if before:
            mention = before[-1]
            unclear = _inserted_clause(text, before, value_positions, assignment.start)
        elif same:
            mention = same[0]
        else:
            earlier = [m for m in mentions if assignment.sentence - CARRY_SENTENCES <= m[2] < assignment.sentence]
            if not earlier:
                continue  # a temperature of no named alloy
            mention = earlier[-1]
            named = sorted({m[1] for m in earlier if m[2] == mention[2]})
            if len(named) > 1:
                unclear = (f"the sentence before its values names {len(named)} alloys ({', '.join(named)}); "
                           "which one they belong to is not stated")
        target = subject(mention[1], mention[2])
        target.sentences.add(assignment.sentence)
        if unclear and unclear not in target.problems:
            target.problems.append(unclear)
        target.values.setdefault(assignment.name, []).append(
            (to_kelvin(assignment.value, assignment.unit), assignment.unit, f"{assignment.value:g}"))
    _spread_respectively(assignments, mentions, subjects, subject)
    for position, reason in ambiguous:
        same = [m for m in mentions if m[2] == sentence_of(position)]
        if same:
            subject(same[0][1], same[0][2]).problems.append(reason)

    rates = heating_rates(text)
    rate = rates[0] if len({r for r, _ in rates}) == 1 else None
    out: list[ExtractedRecord | Rejection] = []
    for number, target in enumerate(sorted(subjects.values(), key=lambda s: s.order), start=1):
        sentences = set(target.sentences) | ({sentence_of(rate[1])} if rate else set())
        start, end = spans[min(sentences)][0], spans[max(sentences)][1]
        evidence = evidence_for(number, " ".join(original[start:end].split()))
        out.append(_record(target, evidence, rate[0] if rate else None))
    return out


def _inserted_clause(text: str, before: list[tuple[int, str, int]], value_positions: list[int], at: int) -> str | None:
    """`A, unlike B, has Tg = ...`, `A (made from B) has Tg = ...`: the alloy nearest before the values
    sits in a clause inserted after another alloy, so whose values they are is not clear (None when it is)."""
    if len(before) < 2 or before[-2][1] == before[-1][1]:
        return None
    (_, earlier, _), (start, nearest, _) = before[-2], before[-1]
    earlier_end = before[-2][0] + len(earlier)
    if any(earlier_end <= p < start for p in value_positions):
        return None  # the earlier alloy has values of its own: `A (Tg = 650 K) and B (Tg = ...)`
    end = start + len(nearest)
    lead, tail = text[earlier_end:start], text[end:min([p for p in value_positions if end <= p] + [at])]
    in_parentheses = lead.rfind("(") > lead.rfind(")") and ")" in tail
    in_commas = re.search(r",\s*(?!(?:and|or)(?![A-Za-z]))[A-Za-z]", lead) is not None and "," in tail
    if not (in_parentheses or in_commas):
        return None
    return (f"its values follow {nearest} inside a clause about {earlier}; "
            "which of the two they belong to is not clear")


def _spread_respectively(assignments, mentions, subjects, subject) -> None:
    """`A and B have Tg of 650 and 700 K, respectively`: several values of one property spread
    over the alloys of the sentence, in order, when the counts agree."""
    by_sentence: dict[tuple[int, str], list[_Assignment]] = {}
    for a in assignments:
        by_sentence.setdefault((a.sentence, a.name), []).append(a)
    for (sentence, name), group in by_sentence.items():
        same = [m for m in mentions if m[2] == sentence]
        if len(group) < 2 or len(same) != len(group):
            continue
        for target in {m[1] for m in same} & subjects.keys():
            subjects[target].values.pop(name, None)
        for mention, a in zip(same, group):
            subject(mention[1], mention[2]).values.setdefault(name, []).append(
                (to_kelvin(a.value, a.unit), a.unit, f"{a.value:g}"))


def _record(target: _Subject, evidence: Evidence, rate: float | None) -> ExtractedRecord | Rejection:
    problems = list(target.problems)
    chosen: dict[str, float] = {}
    for name in ("Tg", "Tx", "Tl"):
        stated = {kelvin for kelvin, _, _ in target.values.get(name, [])}
        if len(stated) > 1:
            problems.append(f"{name} stated with different values ({', '.join(f'{v:g} K' for v in sorted(stated))})")
        elif stated:
            chosen[name] = stated.pop()
    missing = [n for n in ("Tg", "Tx", "Tl") if n not in chosen]
    if missing and not problems:
        problems.append(f"incomplete: {', '.join(missing)} not stated for {target.formula}")
    if problems:
        return rejection(evidence, "rules", "; ".join(problems))
    units = {unit for values in target.values.values() for _, unit, _ in values}
    return make_record(evidence, "rules", target.formula, chosen["Tg"], chosen["Tx"], chosen["Tl"],
                       stated_unit="°C" if "°C" in units else "K", heating_rate_K_per_min=rate)


def read_text(text: str, evidence_for: Callable[[int, int, str], Evidence]) -> list[ExtractedRecord | Rejection]:
    """Every paragraph of a page (paragraphs are separated by blank lines);
    `evidence_for(paragraph_number, record_number, quote)`."""
    out: list[ExtractedRecord | Rejection] = []
    for number, paragraph in enumerate((p for p in re.split(r"\n\s*\n", text) if p.strip()), start=1):
        out += read_paragraph(paragraph, lambda record, quote, n=number: evidence_for(n, record, quote))
    return out
