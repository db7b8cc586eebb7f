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
"Al at most 10 at.%", "at least 40 at.% Zr".
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pydantic import ValidationError

from alloygan.knowledge_base.validation import validation_message
from alloygan.models.constraints import PropertyRange, parse_conditions
from alloygan.models.descriptors.thermal import property_spellings
from alloygan.models.design.goal import DesignGoal, ElementLimit

NOVEL_DEFAULT_AT_PCT = 5.0
_NUM = r"(\d+(?:\.\d+)?|\.\d+)"
_UNIT = r"\s*(?:K\b|kelvin\b)?"
_UP = r"(?:>=|=>|≥|>|at least|above|over|greater than|more than|higher than|exceeding|no less than|not below|min(?:imum)?(?: of)?|of at least)"
_DOWN = r"(?:<=|=<|≤|<|at most|below|under|less than|lower than|no more than|not above|max(?:imum)?(?: of)?|up to|of at most|within)"
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
    elements = rf"{element}(?:\s*(?:,|/|&|(?i:\bor\b|\band\b|\bnor\b))\s*{element})*"
    spellings = sorted((s for s in property_spellings() if len(s) > 1), key=len, reverse=True)
    prop = rf"(?<![\w$])(?:{'|'.join(re.escape(s) for s in spellings)})(?!\w)"
    i = "(?i:"
    return {
        "element": re.compile(element),
        "between": re.compile(rf"({prop})\s*{i}(?:between|from))\s*{_NUM}{_UNIT}\s*{i}(?:and|to|-))\s*{_NUM}{_UNIT}"),
        "chain": re.compile(rf"{_NUM}{_UNIT}\s*(<=|<|≤)\s*({prop})\s*(<=|<|≤)\s*{_NUM}{_UNIT}"),
        "up": re.compile(rf"({prop})\s*{i}(?:of\s+|is\s+|should be\s+)?({_UP}))\s*{_NUM}{_UNIT}"),
        "down": re.compile(rf"({prop})\s*{i}(?:of\s+|is\s+|should be\s+)?({_DOWN}))\s*{_NUM}{_UNIT}"),
        "cost": re.compile(rf"{i}(?:(?:raw[- ]material\s+)?(?:cost|price)\s*(?:of\s*)?)?(?:{_DOWN}|cheaper than)\s*)"
                           rf"(?:US\s*)?\$?\s*{_NUM}\s*{i}(?:usd|us\$|\$|dollars?)?\s*(?:/|per)\s*kg)"),
        "cheap": re.compile(rf"{i}\b(?:cheapest|cheaper|cheap|low[- ]cost|lowest[- ]cost|inexpensive|affordable)\b)"),
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
    return property_spellings()[spelling]


def parse_goal(text: str, previous: DesignGoal | None = None) -> ParsedGoal:
    """Plain words -> the goal (refining `previous` if given) and the words not used; GoalError when
    the goal cannot hold."""
    if not isinstance(text, str) or not text.strip():
        raise GoalError("empty goal; say e.g. \"find Zr-based glass with Trg>0.6 avoiding Ag\"")
    rest = re.sub(r"(?i)\bdelta\s*T\s*x\b|∆\s*Tx|Δ\s*Tx", "ΔTx", text)
    rest = rest.replace("≥", ">=").replace("≤", "<=")
    found: dict = {"ranges": [], "excluded": [], "required": [], "limits": []}

    def take(name: str, handle) -> None:
        nonlocal rest
        pattern = _patterns()[name]
        while (match := pattern.search(rest)) is not None:
            handle(match)
            rest = rest[: match.start()] + " " + rest[match.end():]

    take("chain", lambda m: found["ranges"].extend(parse_conditions(f"{m[1]}{m[2]}{_canonical(m[3])}{m[4]}{m[5]}")))
    take("between", lambda m: found["ranges"].append(
        PropertyRange(property=_canonical(m[1]), min=min(float(m[2]), float(m[3])), max=max(float(m[2]), float(m[3])))))
    take("up", lambda m: found["ranges"].append(
        PropertyRange(property=_canonical(m[1]), min=float(m[3]), min_inclusive=m[2].strip() != ">")))
    take("down", lambda m: found["ranges"].append(
        PropertyRange(property=_canonical(m[1]), max=float(m[3]), max_inclusive=m[2].strip() != "<")))
    take("cost", lambda m: found.__setitem__("max_cost_usd_per_kg", float(m[1])))
    take("cheap", lambda m: found.__setitem__("prefer_low_cost", True))
    take("novelty", lambda m: found.__setitem__("min_novelty", float(m[1])))
    take("novel", lambda m: found.update(min_novelty=NOVEL_DEFAULT_AT_PCT, explore=True))
    take("explore", lambda m: found.__setitem__("explore", True))
    take("max_count", lambda m: found.__setitem__("max_elements", int(m[1])))
    take("max_count2", lambda m: found.__setitem__("max_elements", int(m[1])))
    take("min_count", lambda m: found.__setitem__("min_elements", int(m[1])))
    take("exact_count", lambda m: found.update(
        dict.fromkeys(("min_elements", "max_elements"), int(m[1]) if m[1] else _COUNT_WORDS[m[2].lower()])))
    take("n", lambda m: found.__setitem__("n_candidates", int(m[1] or m[2])))
    take("seed", lambda m: found.__setitem__("seed", int(m[1])))
    take("limit_after", lambda m: found["limits"].append((_symbol(m[1]), m[2], float(m[3]))))
    take("limit_before", lambda m: found["limits"].append((_symbol(m[3]), m[1], float(m[2]))))
    take("base", lambda m: _base_system(found, _symbols(m[1]) if m[1] else [_symbol(m[2])]))
    if "base_element" not in found:
        take("base_noun", lambda m: found.__setitem__("base_element", _symbol(m[1])))
    take("free", lambda m: found["excluded"].append(_symbol(m[1])))
    take("exclude", lambda m: found["excluded"].extend(_symbols(m[1])))
    take("only", lambda m: found.__setitem__("allowed_elements", _symbols(m[1])))
    take("require", lambda m: found["required"].extend(_symbols(m[1])))
    words = re.findall(r"[^\s,;.!?()]+", rest)
    unused = [w for w in words if w.lower().strip("'\"") not in _FILLER and not re.fullmatch(r"[-–:&/+]+", w)]
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
