"""Reading alloy formulas exactly, or refusing them with the reason.

Why not `pymatgen.core.Composition(text)`: its grammar is right for chemical formulas
but wrong or too lenient for alloy notation (tests/knowledge_base/test_formula.py proves
each case). It reads `(Cu50Zr43Al7)98Si2` as stoichiometry (0.02 at.% Si instead of
2 at.%), turns the misprint `A10.20` into a dummy species, reads `TI2` as H + I,
ignores spaces by joining digits (`Zr 62 Cu 29.6`), and fails on `(Cu5/6Ag1/6)`.
So the grammar is ours and the element table is pymatgen's.

Grammar (whitespace, subscript digits and a trailing `(at.%)` are tolerated):

    formula := item+
    item    := ELEMENT AMOUNT | "(" group ")" AMOUNT | "[" group "]" AMOUNT
    group   := item+ | item ("," item)+        (commas only between items with amounts)
    AMOUNT  := NUMBER | NUMBER "/" NUMBER

Meaning, which is alloy notation rather than stoichiometry: a group's content is
normalised to its own total and then scaled by the group's amount, so
`(Cu50Zr43Al7)98Si2` is 98 at.% of Cu50Zr43Al7 plus 2 at.% Si. Every level (the
formula and each group) must total 100 (at.%) or 1 (atomic fractions) within 0.5 %,
and is then renormalised. A group amount at or below 1 beside at.% amounts is read as
a fraction of the whole when that makes the level total exactly 100 (within 0.01):
`(Cu50Zr42.5Al7.5)0.99Si1` is 99 at.% of the group plus 1 at.% Si.

Refused, never guessed: unknown symbols (`A10.20`), unresolved mixtures (`(Cu,Ni)21`),
missing amounts (`B15.5PNb2.5`), stray characters (`Ag2?`), totals that fit neither
reading, and weight-percent notations (`Ti-6Al-4V`, `wt.%`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from alloygan.knowledge_base.composition import NORMALISED_SLACK, CompositionError, element_symbols

LEVEL_TOLERANCE = 0.005  # relative: a level may total 99.5-100.5 (or 0.995-1.005)
FRACTION_GROUP_TOLERANCE = 0.01  # at.%: the stricter test for the fraction reading
MAX_NESTING = 8  # groups inside groups; alloy notation uses two or three levels
MAX_FORMULA_CHARS = 500

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_AT_PCT_SUFFIX = re.compile(r"\(?\s*(at\.?\s*%|at\.?\s*pct|atomic\s*%)\s*\)?\s*$", re.IGNORECASE)
_WEIGHT_NOTATION = re.compile(r"\b(wt|mass|weight)\b\.?\s*(%|pct|percent)?|wt\.?%|mass\s*%", re.IGNORECASE)
_DASH_DESIGNATION = re.compile(r"^[A-Z][a-z]?(\s*[-–]\s*\d+(\.\d+)?\s*[A-Z][a-z]?)+$")
_TOKEN = re.compile(r"(?P<element>[A-Z][a-z]?)|(?P<number>\d+(?:\.\d*)?|\.\d+)|(?P<punct>[()\[\]{},/])")
_CLOSING = {"(": ")", "[": "]", "{": "}"}


class FormulaError(CompositionError):
    """A formula that cannot be read exactly."""

    def __init__(self, formula: str, reason: str):
        self.formula = formula
        self.reason = reason
        super().__init__(f"cannot read formula {formula!r}: {reason}")


@dataclass
class _Token:
    kind: str  # "element", "number", or the punctuation character itself
    text: str
    position: int


def _tokenize(text: str, original: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            raise FormulaError(original, f"unexpected character {char!r} at position {position + 1}")
        kind = match.lastgroup or ""
        value = match.group()
        tokens.append(_Token(value if kind == "punct" else kind, value, position))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens; each level returns [(element, amount)] totalling its scale."""

    def __init__(self, tokens: list[_Token], original: str, cleaned: str):
        self.tokens = tokens
        self.cleaned = cleaned
        self.index = 0
        self.original = original
        self.symbols = element_symbols()
        self.depth = 0

    def fail(self, reason: str) -> FormulaError:
        return FormulaError(self.original, reason)

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def amount(self, what: str) -> float | None:
        token = self.peek()
        if token is None or token.kind != "number":
            return None
        value = float(self.take().text)
        nxt = self.peek()
        if nxt is not None and nxt.kind == "/":
            self.take()
            denominator = self.peek()
            if denominator is None or denominator.kind != "number":
                raise self.fail(f"fraction after {what} has no denominator")
            divisor = float(self.take().text)
            if divisor == 0:
                raise self.fail(f"fraction after {what} divides by zero")
            value /= divisor
        return value

    def level(self, closing: str | None) -> list[tuple[str, float, bool]]:
        """Items up to `closing`; each item is (element, amount, came_from_group)."""
        items: list[tuple[str, float, bool]] = []
        group_items: list[tuple[list[tuple[str, float]], float]] = []
        simple: list[tuple[str, float]] = []
        saw_comma = False
        missing: list[str] = []
        while True:
            token = self.peek()
            if token is None:
                if closing is not None:
                    raise self.fail(f"missing {closing!r}")
                break
            if token.kind == closing:
                break
            if token.kind == ",":
                if closing is None:
                    raise self.fail("unexpected ',' outside parentheses")
                saw_comma = True
                self.take()
                continue
            if token.kind == "element":
                self.take()
                if token.text not in self.symbols:
                    raise self.fail(f"{token.text!r} is not an element symbol (position {token.position + 1})")
                value = self.amount(token.text)
                if value is None:
                    missing.append(token.text)
                    continue
                simple.append((token.text, value))
                continue
            if token.kind in _CLOSING:
                if self.depth >= MAX_NESTING:
                    raise self.fail(f"groups nested more than {MAX_NESTING} deep (position {token.position + 1}); "
                                    "write the composition with fewer levels of parentheses")
                self.take()
                self.depth += 1
                inner = self.level(_CLOSING[token.kind])
                self.depth -= 1
                self.take()  # the closing bracket
                group_text = self._text_between(token)
                value = self.amount(group_text)
                if value is None:
                    raise self.fail(f"group {group_text} has no amount after it")
                group_items.append(([(e, a) for e, a, _ in inner], value))
                continue
            if token.kind == "number":
                raise self.fail(f"number {token.text} at position {token.position + 1} follows no element")
            raise self.fail(f"unexpected {token.text!r} at position {token.position + 1}")
        if missing:
            if saw_comma or (len(missing) > 1 and closing is not None and not simple and not group_items):
                names = ",".join(missing)
                raise self.fail(f"unresolved mixture ({names}): the share of each element is not stated")
            raise self.fail(f"element {missing[0]} has no amount")
        if not simple and not group_items:
            raise self.fail("empty formula" if closing is None else "empty parentheses")
        return self._resolve(simple, group_items, closing)

    def _text_between(self, opening: _Token) -> str:
        start = opening.position
        end = self.tokens[self.index - 1].position + 1
        return self.cleaned[start:end]

    def _resolve(
        self,
        simple: list[tuple[str, float]],
        groups: list[tuple[list[tuple[str, float]], float]],
        closing: str | None,
    ) -> list[tuple[str, float, bool]]:
        where = "the formula" if closing is None else "a group"
        total = sum(a for _, a in simple) + sum(m for _, m in groups)
        scale = None
        for candidate in (100.0, 1.0):
            if abs(total - candidate) <= LEVEL_TOLERANCE * candidate:
                scale = candidate
        multipliers = [m for _, m in groups]
        if scale is None and any(m <= 1 for m in multipliers):
            # `(Cu50Zr42.5Al7.5)0.99Si1`: the group amount is a fraction of the whole.
            reread = [m * 100 if m <= 1 else m for m in multipliers]
            reread_total = sum(a for _, a in simple) + sum(reread)
            if abs(reread_total - 100.0) <= FRACTION_GROUP_TOLERANCE:
                groups = [(content, m) for (content, _), m in zip(groups, reread)]
                total, scale = reread_total, 100.0
        if scale is None:
            raise self.fail(
                f"amounts in {where} total {total:g}; expected 100 (at.%) or 1 (atomic fractions)"
            )
        # A level that already totals its scale up to printing precision is taken as written.
        divisor = scale if abs(total - scale) <= NORMALISED_SLACK * scale / 100.0 else total
        items: list[tuple[str, float, bool]] = [(e, a * 100.0 / divisor, False) for e, a in simple]
        for content, multiplier in groups:
            content_total = sum(a for _, a in content)
            for element, amount in content:
                items.append((element, amount / content_total * multiplier * 100.0 / divisor, True))
        return items


def weight_percent_notation(text: str) -> bool:
    """True for a composition written in weight percent (`wt.%`, `mass%`, `Ti-6Al-4V`), which is never read as at.%."""
    text = text.strip()
    return bool(_WEIGHT_NOTATION.search(text) or _DASH_DESIGNATION.match(text))


def _preprocess(text: str) -> str:
    cleaned = text.translate(_SUBSCRIPTS).strip()
    cleaned = _AT_PCT_SUFFIX.sub("", cleaned)
    return re.sub(r"[\s\u00a0\u2009\u202f]+", "", cleaned)


def parse_formula(text: str) -> dict[str, float]:
    """{element: at.%} for an alloy formula, or `FormulaError` naming what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError(str(text), "empty formula")
    original = text.strip()
    if len(original) > MAX_FORMULA_CHARS:
        raise FormulaError(original[:40] + "…", f"{len(original):,} characters; a formula has at most "
                           f"{MAX_FORMULA_CHARS}")
    if _WEIGHT_NOTATION.search(original):
        raise FormulaError(original, "weight-percent notation is not supported; give the composition in at.%")
    if _DASH_DESIGNATION.match(original.strip()):
        raise FormulaError(
            original,
            "dash notation (e.g. Ti-6Al-4V) is an engineering designation in wt.%; give the composition in at.%",
        )
    cleaned = _preprocess(original)
    if not cleaned:
        raise FormulaError(original, "empty formula")
    parser = _Parser(_tokenize(cleaned, original), original, cleaned)
    items = parser.level(None)
    amounts: dict[str, float] = {}
    for element, amount, _ in items:
        amounts[element] = amounts.get(element, 0.0) + amount
    return amounts
