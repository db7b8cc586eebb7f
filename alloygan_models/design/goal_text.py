"""The offline goal parser: plain words -> `DesignGoal`, by a deterministic grammar.

Each rule below recognises one kind of phrase and consumes it; whatever words are left,
apart from filler ("find", "a", "glass", ...), are reported beside the goal (`ParsedGoal`)
rather than silently ignored. Element symbols are case-sensitive (`Be` is beryllium, `be` is a
verb); element names are accepted too ("silver"). With `previous`, the text refines an
earlier goal (a follow-up such as "now also avoid Be and keep cost under $25/kg"):
lists grow, a new range on a property replaces the old one, other fields are kept.

Rules (examples): "Zr-based", "Zr glass", "based on Zr", "Zr-Cu-Al-based" (base Zr with Cu, Al); "Trg > 0.6", "gamma >= 0.41",
"ΔTx above 50 K", "Tg between 800 and 900 K", "0.6 <= Trg <= 0.7"; "avoiding Ag",
"no Be or Hf", "without Cu", "Be-free"; "containing Cu and Zr", "with Ti"; "only Zr, Cu,
Al"; "under $30/kg", "below 30 USD/kg", "cheapest"; "at most 4 elements", "ternary";
"20 candidates", "top 5"; "at least 5 at.% from known alloys", "novel" (also: explore); "explore",
"exploratory", "far from known alloys" (candidates outside the domain allowed, marked); "seed 3";
"Al at most 10 at.%", "at least 40 at.% Zr"; objectives: "the highest Trg", "maximise γ", "lowest liquidus",
"widest supercooled liquid region", "gamma as high as possible" (one per goal: the first is read, the words of
another are reported as not used); "as cheap as possible", "minimise cost" (cheapest first).

Numbers and units: temperatures are in K unless a Celsius unit follows the number ("400 C", "400 °C", "400 ℃",
"400 degC", "400 deg C", "400 degrees Celsius"): Tg, Tx, Tl then gain 273.15, ΔTx (a difference) keeps its
number; °C on a ratio, °F, or a Celsius value that belongs to no property is an error. So a "C" right after a
number is never carbon (carbon is "carbon", or "C" after with/without/no). "0,6" (a comma between digits, no
space) is a decimal comma; "1,500" (three digits after a non-zero whole part) is refused as ambiguous.
"7.5e2" is 750. A goal is a conjunction: "or" between two parts of it ("Trg > 0.6 or gamma > 0.4",
"ternary or quaternary", "containing Cu or Ni") is refused with the words; in a list of excluded or allowed
elements ("without Ag or Be") it lists them. Counts and seeds are bounded (at most `MAX_CANDIDATES`
candidates, 9 digits), and so is the text (`MAX_GOAL_CHARS`).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pydantic import ValidationError

from alloygan.knowledge_base.validation import validation_message
from alloygan.models.constraints import PropertyRange, parse_conditions
from alloygan.models.descriptors.thermal import property_spellings, resolve_property
from alloygan.models.design.goal import MAX_CANDIDATES, DesignGoal, ElementLimit, Objective

NOVEL_DEFAULT_AT_PCT = 5.0
MAX_GOAL_CHARS = 4000  # a goal is a sentence or a paragraph, not a document
MAX_COUNT_DIGITS = 9  # counts and seeds beyond this are refused before they are turned into numbers
ABSOLUTE_ZERO_C = -273.15
ABSOLUTE_TEMPERATURES = ("Tg", "Tx", "Tl")  # °C -> K adds 273.15
TEMPERATURE_DIFFERENCES = ("dTx",)  # a difference is the same number in °C and in K
_NUM = r"(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
_CELSIUS = "°C"  # the one spelling that `_units` leaves for Celsius, attached to its number
_UNIT = rf"\s*(?:K\b|kelvin\b|{_CELSIUS})?"
# Celsius as people type it after a number: "400 C", "400°C", "400 ℃", "400 degC", "400 deg C", "400 degrees Celsius".
# A bare "C" counts only right after a number (carbon is "carbon", or "C" after with/without/no, not after a number).
_CELSIUS_SPELLINGS = re.compile(r"(?<![\w.])((?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?)\s*"
                                r"(?:[°º˚]\s*C|℃|(?i:deg(?:ree)?s?\.?\s*(?:C\b|celsius\b)|celsius\b)|C(?![\w°]))")
_FAHRENHEIT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?|\.\d+)\s*(?:[°º˚]\s*F|℉|F(?![\w°])|(?i:deg(?:ree)?s?\.?\s*(?:F\b|fahrenheit\b)|"
                         r"fahrenheit\b))")
# "0,6": a comma between digits, no space around it, is a decimal comma ("Zr, Cu" and "0.6, 0.7" are lists).
_DECIMAL_COMMA = re.compile(r"(?<![\w.,])(\d+),(\d+)(?!\w|,\d|\.\d)")
_UP = r"(?:>=|=>|≥|>|at least|above|over|greater than|more than|higher than|exceeding|no less than|not below|min(?:imum)?(?: of)?|of at least)"
_DOWN = r"(?:<=|=<|≤|<|at most|below|under|less than|lower than|no more than|not above|max(?:imum)?(?: of)?|up to|of at most|within)"
# Objectives: "the highest Trg", "maximise γ", "lowest liquidus", "ΔTx as large as possible".
_MOST = r"(?:highest|largest|greatest|biggest|widest|maximum|maximal|max)"
_LEAST = r"(?:lowest|smallest|least|narrowest|minimum|minimal|min)"
_MAXIMISE = r"(?:maximi[sz]e[sd]?|maximi[sz]ing)"
_MINIMISE = r"(?:minimi[sz]e[sd]?|minimi[sz]ing)"
_COUNT_WORDS = {"binary": 2, "ternary": 3, "quaternary": 4, "quinary": 5, "senary": 6}
_FILLER = set("""
find design suggest propose generate give show get list search look looking want need would like please me us i we
a an the some any of for with and or to in on that which who having has have is are be it its this these those as
glass glasses metallic bulk bmg bmgs mg alloy alloys composition compositions candidate candidates option options
former formers system systems family new also now keep make should then let lets can could you your good ones one
k kelvin value values while still but too plus please thanks
""".split())


class GoalError(ValueError):
    """A goal that cannot be served as stated; the message says what to change."""


class ParsedGoal(NamedTuple):
    """What the grammar read from a request: the goal, and the words it could not use (in order)."""

    goal: DesignGoal
    not_understood: list[str]


@lru_cache(maxsize=1)
def _element_names() -> dict[str, str]:
    from pymatgen.core.periodic_table import Element

    names = {e.long_name.lower(): e.symbol for e in Element}
    names["aluminium"] = "Al"
    names["caesium"] = "Cs"
    return names


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    names = sorted(_element_names(), key=len, reverse=True)
    element = rf"(?:[A-Z][a-z]?\b|(?i:{'|'.join(names)})\b)"
    elements = rf"{element}(?:\s*(?:,\s*(?i:or|and|nor)\b|,|/|&|(?i:\bor\b|\band\b|\bnor\b))\s*{element})*"
    # One-letter ASCII spellings ("k") are left out: a lone letter is too often something else; Greek ones are kept.
    spellings = sorted((s for s in property_spellings() if len(s) > 1 or not s.isascii()), key=len, reverse=True)
    prop = rf"(?<![\w$])(?:{'|'.join(_spelling_pattern(s) for s in spellings)})(?!\w)"
    i = "(?i:"
    objective = (rf"{i}\b(?:(?P<most>{_MOST}|{_MAXIMISE})|(?P<least>{_LEAST}|{_MINIMISE}))(?:\s+(?:the|its|their))?"
                 rf"(?:\s+possible)?\s+)(?P<prop>{prop})(?:\s+{i}possible|first)\b)?|(?P<prop_first>{prop})\s+{i}as\s+"
                 rf"(?:(?P<high>high|large|big|wide)|(?P<low>low|small|narrow))\s+as\s+possible\b)")
    return {
        "element": re.compile(element),
        "between": re.compile(rf"({prop})\s*{i}(?:between|from))\s*{_NUM}{_UNIT}\s*{i}(?:and|to|-))\s*{_NUM}{_UNIT}"),
        "chain": re.compile(rf"{_NUM}{_UNIT}\s*(<=|<|≤)\s*({prop})\s*(<=|<|≤)\s*{_NUM}{_UNIT}"),
        "up": re.compile(rf"({prop})\s*{i}(?:of\s+|is\s+|should be\s+)?({_UP}))\s*{_NUM}{_UNIT}"),
        "down": re.compile(rf"({prop})\s*{i}(?:of\s+|is\s+|should be\s+)?({_DOWN}))\s*{_NUM}{_UNIT}"),
        # not before a number: "maximum Trg of 0.6" is a bound the comparisons did not read, not an objective
        "objective": re.compile(rf"(?:{objective})(?!\s*{i}(?:of\s+|is\s+|should be\s+)?(?:{_UP}|{_DOWN})?)\s*{_NUM})"),
        "cost": re.compile(rf"{i}(?:(?:raw[- ]material\s+)?(?:cost|price)\s*(?:of\s*)?)?(?:{_DOWN}|cheaper than)\s*)"
                           rf"(?:US\s*)?\$?\s*{_NUM}\s*{i}(?:usd|us\$|\$|dollars?)?\s*(?:/|per)\s*kg)"),
        "cheap": re.compile(rf"{i}\b(?:as\s+(?:cheap|inexpensive|affordable|low[- ]cost)\s+as\s+possible|"
                            rf"(?:minimi[sz]e[sd]?|minimi[sz]ing)\s+(?:the\s+)?(?:raw[- ]material\s+)?(?:cost|price)|"
                            rf"(?:cheapest|lowest[- ]cost)(?:\s+possible)?|"
                            rf"cheaper|cheap|low[- ]cost|inexpensive|affordable)\b)"),
        "max_count": re.compile(rf"{i}(?:{_DOWN})\s*(\d+)\s*(?:elements|components|constituents)\b)"),
        "max_count2": re.compile(rf"{i}(\d+)\s*(?:elements|components)?\s*or (?:fewer|less)(?: elements| components)?\b)"),
        "min_count": re.compile(rf"{i}(?:{_UP})\s*(\d+)\s*(?:elements|components|constituents)\b)"),
        "exact_count": re.compile(rf"{i}\b(\d+)[- ](?:element|component)\b|\b({'|'.join(_COUNT_WORDS)})\b)"),
        "n": re.compile(rf"{i}(?:\btop\s+(\d+)\b|\b(\d+)\s+(?:candidates|compositions|suggestions|alloys|options|designs|results)\b))"),
        "seed": re.compile(rf"{i}\bseed\s*(?:=|of|:)?\s*(\d+)\b)"),
        "novelty": re.compile(rf"{i}(?:at least\s+)?{_NUM}\s*(?:at\.?\s*%|%|at\.?\s*pct)\s*(?:away\s+)?from\s+(?:any\s+|every\s+|all\s+|the\s+)?known(?:\s+alloys?)?)"),
        "novel": re.compile(rf"{i}\b(?:novel|unexplored|unreported)\b)"),
        "explore": re.compile(rf"{i}\b(?:explore|exploring|exploration|exploratory|extrapolate|extrapolating|"
                              rf"far (?:away )?from (?:any |every |all |the )?known(?: alloys?| glasses?| compositions?)?)\b)"),
        "limit_after": re.compile(rf"({element})\s*{i}(?:content|fraction|amount)?\s*(?:of\s+)?({_UP}|{_DOWN}))\s*{_NUM}\s*{i}(?:at\.?\s*%|%|at\.?\s*pct))"),
        "limit_before": re.compile(rf"{i}({_UP}|{_DOWN}))\s*{_NUM}\s*{i}(?:at\.?\s*%|%|at\.?\s*pct))\s*{i}(?:of\s+)?)({element})"),
        "base": re.compile(rf"({element}(?:\s*-\s*{element})*)\s*(?:-|\s)?\s*{i}(?:based|base|rich)\b)|{i}based on)\s+({element})"),
        "base_noun": re.compile(rf"({element})\s+{i}(?:metallic glass|glass|glasses|bmg|bmgs|alloy|alloys|mg)\b)"),
        "exclude": re.compile(rf"{i}\b(?:avoiding|avoid|without|excluding|exclude|no|not|free of|except|but not|nor|drop|remove|minus)\b)\s*({elements})"),
        "free": re.compile(rf"({element})[- ]{i}free\b)"),
        "only": re.compile(rf"{i}\b(?:only|using only|restricted to|limited to)\b)\s*({elements})"),
        "require": re.compile(rf"{i}\b(?:containing|contains|contain|with|including|include|includes|using|plus|add|adding|must have|must contain)\b)\s*({elements})"),
    }


def _spelling_pattern(spelling: str) -> str:
    """A spelling as a pattern; one of whole words joined by '_' ("supercooled_liquid_region") also as people
    type it, with spaces or hyphens ("supercooled liquid region", "liquidus temperature")."""
    words = spelling.split("_")
    if len(words) > 1 and all(len(word) >= 3 and word.isalpha() for word in words):
        return r"[ _-]".join(re.escape(word) for word in words)
    return re.escape(spelling)


def _symbol(token: str) -> str:
    token = token.strip()
    return _element_names().get(token.lower(), token) if len(token) > 2 else token


def _symbols(listing: str) -> list[str]:
    return [_symbol(m.group()) for m in _patterns()["element"].finditer(listing)]


def _base_system(found: dict, symbols: list[str]) -> None:
    """"Zr-based": base Zr. "Zr-Cu-Al-based" names a system: base Zr (listed first), Cu and Al required."""
    found["base_element"] = symbols[0]
    found["required"].extend(symbols[1:])


def _is_up(word: str) -> bool:
    return re.fullmatch(_UP, word.strip(), flags=re.IGNORECASE) is not None


def _canonical(spelling: str) -> str:
    return resolve_property(spelling)  # the one alias table: "liquidus temperature" as "liquidus_temperature"


def _decimal_comma(match: re.Match) -> str:
    whole, fraction = match[1], match[2]
    if len(fraction) == 3 and whole != "0":
        raise GoalError(f"{match[0]!r}: a decimal comma or a thousands separator? write {whole}.{fraction} or "
                        f"{whole}{fraction}")
    return f"{whole}.{fraction}"


def _normalised_numbers(text: str) -> str:
    """Decimal commas as points, and every Celsius spelling after a number as `_CELSIUS` attached to it;
    GoalError for Fahrenheit."""
    if (fahrenheit := _FAHRENHEIT.search(text)) is not None:
        raise GoalError(f"{fahrenheit[0]!r}: temperatures in °F are not read; give them in K or °C (e.g. Tg > 400 °C)")
    text = _DECIMAL_COMMA.sub(_decimal_comma, text)
    return _CELSIUS_SPELLINGS.sub(lambda m: f"{m[1]}{_CELSIUS}", text)


def _in_celsius(match: re.Match, group: int) -> bool:
    """Whether the number of `group` is followed by the Celsius unit."""
    return match.string[match.end(group):].lstrip().startswith(_CELSIUS)


def _kelvin(match: re.Match, prop: str, *groups: int) -> list[float]:
    """The numbers of `groups` in K. One °C in a range (\"between 400 and 500 °C\") applies to all its numbers;
    a dimensionless property with a °C is an error."""
    values = [float(match[g]) for g in groups]
    if not any(_in_celsius(match, g) for g in groups):
        return values
    name = _canonical(prop)
    words = match[0].strip()
    if any(re.match(r"\s*(?:K\b|kelvin\b)", match.string[match.end(g):]) for g in groups):
        raise GoalError(f"{words!r} mixes K and °C; give both bounds in one unit")
    if name in ABSOLUTE_TEMPERATURES:
        return [v - ABSOLUTE_ZERO_C for v in values]
    if name in TEMPERATURE_DIFFERENCES:
        return values
    raise GoalError(f"{words!r}: {name} has no unit; drop the °C (e.g. \"{prop} > 0.6\")")


def _count(text: str, what: str, most: int | None = None) -> int:
    """A count or seed as written; GoalError when it has too many digits to be meant (or is above `most`)."""
    if len(text) > MAX_COUNT_DIGITS or (most is not None and int(text) > most):
        limit = f"at most {most}" if most is not None else f"at most {MAX_COUNT_DIGITS} digits"
        shown = text if len(text) <= 12 else f"{text[:6]}… ({len(text)} digits)"
        raise GoalError(f"{what} {shown}: {limit}; give a smaller number")
    return int(text)


def _required(found: dict, match: re.Match) -> None:
    if re.search(r"(?i)\bor\b", match[1]):
        raise GoalError(f"{match[0].strip()!r}: every candidate contains all required elements, so 'or' is ambiguous; "
                        "write 'and' to require each, or ask for each alternative separately")
    found["required"].extend(_symbols(match[1]))


def _refuse_or(rest: str, consumed: list[str]) -> None:
    """'or' between two parts of the goal: the goal is one set of conditions that all hold, so refuse it
    (an element list such as "without Ag or Be" was consumed whole before this)."""
    def side(token: str) -> str:
        return consumed[ord(token) - _MARK] if len(token) == 1 and ord(token) >= _MARK else token

    for match in re.finditer(r"(\S+)\s*,?\s+(?i:or)\s+(\S+)", rest):
        left, right = match[1], match[2]
        if side(left) != left or side(right) != right:
            raise GoalError(f"'{side(left).strip()} or {side(right).strip()}': a goal is conditions that all hold, "
                            "and 'or' between them is not read; use 'and', or ask for each alternative separately")


_MARK = 0xE000  # consumed phrases leave a private-use character (numbered) in their place, never a word


def parse_goal(text: str, previous: DesignGoal | None = None) -> ParsedGoal:
    """Plain words -> the goal (refining `previous` if given) and the words not used; GoalError when
    the goal cannot hold or its words are ambiguous."""
    if not isinstance(text, str) or not text.strip():
        raise GoalError("empty goal; say e.g. \"find Zr-based glass with Trg>0.6 avoiding Ag\"")
    if len(text) > MAX_GOAL_CHARS:
        raise GoalError(f"goal of {len(text):,} characters; state it in at most {MAX_GOAL_CHARS:,}")
    rest = re.sub(r"(?i)\bdelta\s*T\s*x\b|∆\s*Tx|Δ\s*Tx", "ΔTx", text)
    rest = rest.replace("≥", ">=").replace("≤", "<=")
    rest = re.sub(f"[{chr(_MARK)}-{chr(0xF8FF)}]", " ", rest)
    rest = _normalised_numbers(rest)
    found: dict = {"ranges": [], "excluded": [], "required": [], "limits": []}
    consumed: list[str] = []

    def take(name: str, handle, once: bool = False) -> None:
        nonlocal rest
        pattern = _patterns()[name]
        while (match := pattern.search(rest)) is not None:
            try:
                handle(match)
            except ValidationError as error:  # e.g. a bound that overflows to infinity
                raise GoalError(f"{match[0].strip()!r}: {validation_message(error, most=1, locations=False)}") from None
            consumed.append(match[0])
            rest = rest[: match.start()] + f" {chr(_MARK + len(consumed) - 1)} " + rest[match.end():]
            if once:
                return

    def chain(m: re.Match) -> None:
        low, high = _kelvin(m, m[3], 1, 5)
        found["ranges"].extend(parse_conditions(f"{low!r}{m[2]}{_canonical(m[3])}{m[4]}{high!r}"))

    def between(m: re.Match) -> None:
        low, high = sorted(_kelvin(m, m[1], 2, 3))
        found["ranges"].append(PropertyRange(property=_canonical(m[1]), min=low, max=high))

    take("chain", chain)
    take("between", between)
    take("up", lambda m: found["ranges"].append(
        PropertyRange(property=_canonical(m[1]), min=_kelvin(m, m[1], 3)[0], min_inclusive=m[2].strip() != ">")))
    take("down", lambda m: found["ranges"].append(
        PropertyRange(property=_canonical(m[1]), max=_kelvin(m, m[1], 3)[0], max_inclusive=m[2].strip() != "<")))
    if (celsius := re.search(rf"\S*{_NUM}{_CELSIUS}", rest)) is not None:
        raise GoalError(f"{celsius[0]!r}: a temperature that belongs to no property; write e.g. \"Tg > 400 °C\" "
                        "(for the element carbon, write \"carbon\")")
    # Before the element rules ("lowest Tl" is not thallium). One objective orders a ranking: the first is read,
    # the words of any other are left and reported as not used (state the other as a bound instead).
    take("objective", lambda m: found.__setitem__("objective", Objective(
        property=_canonical(m["prop"] or m["prop_first"]), maximise=bool(m["most"] or m["high"]))), once=True)
    take("cost", lambda m: found.__setitem__("max_cost_usd_per_kg", float(m[1])))
    take("cheap", lambda m: found.__setitem__("prefer_low_cost", True))
    take("novelty", lambda m: found.__setitem__("min_novelty", float(m[1])))
    take("novel", lambda m: found.update(min_novelty=NOVEL_DEFAULT_AT_PCT, explore=True))
    take("explore", lambda m: found.__setitem__("explore", True))
    take("max_count", lambda m: found.__setitem__("max_elements", _count(m[1], "at most")))
    take("max_count2", lambda m: found.__setitem__("max_elements", _count(m[1], "at most")))
    take("min_count", lambda m: found.__setitem__("min_elements", _count(m[1], "at least")))
    take("exact_count", lambda m: found.update(
        dict.fromkeys(("min_elements", "max_elements"), _count(m[1], "elements") if m[1] else _COUNT_WORDS[m[2].lower()])))
    take("n", lambda m: found.__setitem__("n_candidates", _count(m[1] or m[2], "candidates", MAX_CANDIDATES)))
    take("seed", lambda m: found.__setitem__("seed", _count(m[1], "seed")))
    take("limit_after", lambda m: found["limits"].append((_symbol(m[1]), m[2], float(m[3]))))
    take("limit_before", lambda m: found["limits"].append((_symbol(m[3]), m[1], float(m[2]))))
    take("base", lambda m: _base_system(found, _symbols(m[1]) if m[1] else [_symbol(m[2])]))
    if "base_element" not in found:
        take("base_noun", lambda m: found.__setitem__("base_element", _symbol(m[1])))
    take("free", lambda m: found["excluded"].append(_symbol(m[1])))
    take("exclude", lambda m: found["excluded"].extend(_symbols(m[1])))
    take("only", lambda m: found.__setitem__("allowed_elements", _symbols(m[1])))
    take("require", lambda m: _required(found, m))
    _refuse_or(rest, consumed)
    words = re.findall(r"[^\s,;.!?()]+", rest)
    unused = [w for w in words if w.lower().strip("'\"") not in _FILLER and not re.fullmatch(r"[-–:&/+]+", w)
              and not (len(w) == 1 and ord(w) >= _MARK)]
    return ParsedGoal(_build(found, previous), unused)


def _limits(raw: list[tuple[str, str, float]]) -> list[ElementLimit]:
    bounds: dict[str, list[float]] = {}
    for element, word, value in raw:
        low, high = bounds.setdefault(element, [0.0, 100.0])
        bounds[element] = [max(low, value), high] if _is_up(word) else [low, min(high, value)]
    return [ElementLimit(element=e, min=low, max=high) for e, (low, high) in bounds.items()]


def _build(found: dict, previous: DesignGoal | None) -> DesignGoal:
    base = previous.model_dump() if previous is not None else {}
    data = dict(base)
    try:
        ranges: dict[str, PropertyRange] = {c.property: c for c in (previous.constraints if previous else [])}
        new: dict[str, PropertyRange] = {}
        for item in found.pop("ranges"):
            new[item.property] = new[item.property].intersect(item) if item.property in new else item
        ranges.update(new)  # a new statement about a property replaces the old one
        data["constraints"] = list(ranges.values())
        excluded, required = found.pop("excluded"), found.pop("required")
        data["excluded_elements"] = list(dict.fromkeys([e for e in base.get("excluded_elements", []) if e not in required] + excluded))
        data["required_elements"] = list(dict.fromkeys([e for e in base.get("required_elements", []) if e not in excluded] + required))
        limits = {limit.element: limit for limit in (previous.element_limits if previous else [])}
        limits.update({limit.element: limit for limit in _limits(found.pop("limits"))})
        data["element_limits"] = list(limits.values())
        data.update(found)
        return DesignGoal(**data)
    except ValidationError as error:
        raise GoalError(validation_message(error, most=1, locations=False)) from None
    except ValueError as error:
        raise GoalError(str(error)) from None
