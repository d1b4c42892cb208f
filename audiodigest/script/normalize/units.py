"""Money, percentages, sizes, units, multipliers, fractions, ranges, plain numbers, symbols.

Model sizes: M, B and T say "million", "billion", "trillion"; K stays the letter ("512K
context" -> "five hundred twelve K context", "4K" -> "four K"), except for money ("$40K" ->
"forty thousand dollars").

Money is read here, not by num2words' ``to="currency"``: in num2words 0.5.14 an integer
amount is taken as cents (1 -> "zero dollars, one cent"), pounds are "pounds sterling", euros
do not take a plural, yen is not known for English, and magnitudes ("$1.5 billion") and the
"and" between dollars and cents are not offered.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from audiodigest.script.normalize.chars import LET, NUM, SHELF, B, E, Shelf, W
from audiodigest.script.normalize.data import table, words
from audiodigest.script.normalize.dates import is_year_context
from audiodigest.script.normalize.numbers import (
    cardinal,
    decimal_words,
    ordinal,
    pair_words,
    plural_word,
    version_words,
    year_words,
)

_CURRENCY = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "¥": ("yen", "yen", "", ""),
}
_MAGNITUDE = {
    "k": "thousand",
    "K": "thousand",
    "thousand": "thousand",
    "M": "million",
    "m": "million",
    "mn": "million",
    "million": "million",
    "B": "billion",
    "b": "billion",
    "bn": "billion",
    "billion": "billion",
    "T": "trillion",
    "tn": "trillion",
    "trillion": "trillion",
}


def _money(m: re.Match[str]) -> str:
    one, many, sub_one, sub_many = _CURRENCY[m.group("cur")]
    amount = m.group("n")
    mag = m.group("mag")
    if mag:
        spoken = f"{decimal_words(amount)} {_MAGNITUDE[mag]} {many}"
    else:
        whole, _, frac = amount.replace(",", "").partition(".")
        units = int(whole or "0")
        if not frac.strip("0"):
            spoken = f"{cardinal(units)} {one if units == 1 else many}"
        elif len(frac) == 2 and sub_one:
            cents = int(frac)
            small = f"{cardinal(cents)} {sub_one if cents == 1 else sub_many}"
            spoken = (
                small
                if units == 0
                else (f"{cardinal(units)} {one if units == 1 else many} and {small}")
            )
        else:
            spoken = f"{decimal_words(amount)} {many}"
    if m.group("sign"):
        spoken = "minus " + spoken
    if m.group("plus"):
        spoken = "more than " + spoken
    return spoken


def _signed(sign: str, number: str) -> str:
    prefix = {"-": "minus ", "+": "plus "}.get(sign, "")
    return prefix + decimal_words(number)


def _percent_range(m: re.Match[str]) -> str:
    return (
        f"{_signed(m.group('s1'), m.group('a'))} to {_signed(m.group('s2'), m.group('b'))} percent"
    )


def _percent(m: re.Match[str]) -> str:
    return f"{_signed(m.group('s'), m.group('n'))} percent"


def _decade(m: re.Match[str]) -> str:
    digits = m.group("n")
    if len(digits) == 4:
        return plural_word(year_words(int(digits)))
    return plural_word(cardinal(int(digits)))


_SIZE = {
    "K": "K",
    "k": "K",
    "M": "million",
    "B": "billion",
    "bn": "billion",
    "T": "trillion",
    "tn": "trillion",
}


def _size(m: re.Match[str]) -> str:
    spoken = f"{decimal_words(m.group('n'))} {_SIZE[m.group('u')]}"
    return spoken + (" " if m.group("dash") else "")


UNITS: dict[str, tuple[str, ...]] = table("units", 3)
UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))


def _dimension(number: str) -> str:
    """One side of "1920x1080": four digits in pairs, as people say screen sizes."""
    return pair_words(number) if re.fullmatch(r"[1-9]\d{3}", number) else decimal_words(number)


def _more_than(m: re.Match[str]) -> str:
    size = m.group("u")
    return f"more than {decimal_words(m.group('n'))}" + (f" {_SIZE[size]}" if size else "")


# A number and unit between one of these and a noun is an adjective: "a 2 MW hall" is "a
# two-megawatt hall". The noun is any lower-case word but these.
_ADJECTIVE_AFTER = words("unit_adjective_after")
_NOT_NOUNS = words("unit_not_nouns")


def _unit_is_adjective(m: re.Match[str]) -> bool:
    after = re.match(r"\s*([a-z][a-z'-]*)", m.string[m.end() : m.end() + 40])
    if after is None or after.group(1) in _NOT_NOUNS:
        return False
    if m.group("sep") == "-":
        return True  # "a 10-kW rack"
    before = re.findall(rf"[{LET}]+", m.string[max(0, m.start() - 20) : m.start()])
    return bool(before) and before[-1].lower() in _ADJECTIVE_AFTER


def _unit(m: re.Match[str]) -> str:
    number = m.group("n")
    one, many = UNITS[m.group("u")]
    if _unit_is_adjective(m):
        return f"{_signed(m.group('s'), number)}-{one}"
    return f"{_signed(m.group('s'), number)} {one if number == '1' else many}"


_FRACTION_NAMES = {2: ("half", "halves"), 4: ("quarter", "quarters")}


def _fraction(m: re.Match[str]) -> str:
    top, bottom = int(m.group(1)), int(m.group(2))
    if top < bottom and re.match(rf"\s+[{LET}]+s\b", m.string[m.end() : m.end() + 80]):
        return f"{cardinal(top)} out of {cardinal(bottom)}"  # "9/10 doctors"
    if (top, bottom) == (24, 7):
        return "twenty-four seven"
    if top == bottom:
        return f"{cardinal(top)} {cardinal(bottom)}"
    if 1 <= top < 100 and 2 <= bottom <= 20:
        one, many = _FRACTION_NAMES.get(bottom, (ordinal(bottom), ordinal(bottom) + "s"))
        return f"{cardinal(top)} {one if top == 1 else many}"
    return f"{cardinal(top)} over {cardinal(bottom)}"


def _range(m: re.Match[str]) -> str:
    a, b = m.group("a"), m.group("b")
    if re.fullmatch(r"\d{4}", a) and 1100 <= int(a) <= 2099:
        if re.fullmatch(r"\d{4}", b) and 1100 <= int(b) <= 2099:
            return f"{year_words(int(a))} to {year_words(int(b))}"
        if re.fullmatch(r"\d{2}", b) and int(b) > int(a) % 100:
            return f"{year_words(int(a))} to {year_words(int(a) // 100 * 100 + int(b))}"
    return f"{decimal_words(a)} to {decimal_words(b)}"


def plain_number(m: re.Match[str], shelf: Shelf) -> str:
    raw = m.group(0)
    if re.fullmatch(r"\d+(?:\.\d+){2,}", raw):
        return version_words(raw)
    if re.fullmatch(r"[1-9]\d{3}", raw):
        n = int(raw)
        if is_year_context(m, n, shelf):
            return year_words(n)
        before = re.findall(r"\S+", m.string[max(0, m.start() - 20) : m.start()])
        if before and re.fullmatch(r"[A-Z]{2,}", before[-1]):
            return pair_words(raw)  # "RTX 4090"
    return decimal_words(raw)



PLAIN = re.compile(rf"{B}(?:\d+(?:\.\d+){{2,}}|{NUM}|\.\d+)(?!\d)")


# --- symbols ---------------------------------------------------------------------------------

_PER = {short: name for short, (name,) in table("per", 2).items()}
_PER_ALT = "|".join(sorted(_PER, key=len, reverse=True))


def _per(m: re.Match[str]) -> str:
    """A rate after a word: "tokens/s" -> "tokens per second"."""
    return f" per {_PER[m.group('per')]}"


def _slash(m: re.Match[str]) -> str:
    """A slash between words. Beside an acronym or a shelved piece (a lexicon respelling, a
    product name) it is said, "slash" ("RLHF/DPO", "CPU/GPU memory", "GPT-4o/Claude"): dropped,
    two spelled acronyms run into one string of letters, and "or" would misread "CPU/GPU
    memory". Between plain words it is "or" ("input/output"); single letters ("I/O", "A/B")
    are one name; fixed pairs ("TCP/IP") are in the lexicon."""
    left, right = m.group(1), m.group(2)
    if (left.lower(), right.lower()) == ("and", "or"):
        return "and or"
    if _one_letter(left) or _one_letter(right):
        return f"{left} {right}"
    if any(_named(side) for side in (left, right)):
        return f"{left} slash {right}"
    return f"{left} or {right}"


def _named(word: str) -> bool:
    """An acronym ("GPU", "GPUs") or a shelved piece: not a plain word."""
    return bool(re.search(f"[{SHELF}]", word)) or sum(c.isupper() for c in word) >= 2


def _one_letter(word: str) -> bool:
    return len(word) == 1 and word.isalpha()


_SYMBOLS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\s*&\s*"), " and "),
    (re.compile(r"\s*(?:→|⟶|⇒|->|=>)\s*"), " to "),
    (re.compile(r"\s*(?:←|<-)\s*"), " from "),
    (re.compile(r"\s*±\s*"), " plus or minus "),
    (re.compile(r"\s*=\s*"), " equals "),
    (re.compile(r"\s*\+\s*"), " plus "),
    (re.compile(r"\s*×\s*"), " times "),
    (re.compile(r"\s*÷\s*"), " divided by "),
    (re.compile(r"\s*%"), " percent"),
    (re.compile(r"°"), " degrees"),
    (re.compile(r"§\s*"), " section "),
    (re.compile(r"\s*@\s*"), " at "),
    (re.compile(rf"(?<=[{LET}{SHELF}])\s?/(?P<per>{_PER_ALT})(?![{LET}])"), _per),
    (re.compile(rf"([{LET}{SHELF}]+)/([{LET}{SHELF}]+)"), _slash),
    (re.compile(r"\s*(?:—|―|--+|\s[–-]\s|–)\s*"), ", "),
    (re.compile(r"\.\.\.+(?=\s*$)"), "."),
    (re.compile(r"\s*\.\.\.+\s*(?=[A-Z])"), ". "),
    (re.compile(r"\s*\.\.\.+\s*"), ", "),
    (re.compile(r"\s*[()\[\]{}|]\s*"), ", "),
    (re.compile(r"[\"*_/\\^~<>#$€£¥]"), " "),
)


def symbols(text: str) -> str:
    for pattern, repl in _SYMBOLS:
        text = pattern.sub(repl, text)
    return text


NUMBER_PASSES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(
            rf"(?<![{LET}0-9.])(?P<sign>-)?(?P<cur>[$€£¥])\s?(?P<n>{NUM})"
            rf"(?:\s?(?P<mag>thousand|million|billion|trillion|mn|bn|tn|[kKmMbBT])(?![{LET}]))?"
            rf"(?P<plus>\+)?"
        ),
        _money,
    ),
    (
        re.compile(rf"{B}(?P<s1>[-+]?)(?P<a>{NUM})\s?%?\s?[–-]\s?(?P<s2>[-+]?)(?P<b>{NUM})\s?%"),
        _percent_range,
    ),
    (re.compile(rf"(?<![{W}.\-])(?P<s>[-+]?)(?P<n>{NUM})\s?%"), _percent),
    (re.compile(rf"(?<![{W}.'])'?(?P<n>\d0|\d{{3}}0)s{E}"), _decade),
    (
        re.compile(rf"{B}(\d{{1,3}}(?:,\d{{3}})+|\d+)(?:st|nd|rd|th){E}"),
        lambda m: ordinal(int(m.group(1).replace(",", ""))),
    ),
    (
        re.compile(rf"(?<![{W}.\-])v(\d+(?:\.\d+)*){E}(?!\.\d)"),
        lambda m: "version " + version_words(m.group(1)),
    ),
    (re.compile(rf"{B}(?P<n>{NUM})(?P<u>bn|tn|[KkMBT])?\+(?![\d+])"), _more_than),
    (re.compile(rf"(?<![{W}.\-])(?P<n>{NUM})(?P<u>bn|tn|[KkMBT]){E}(?P<dash>-(?=[{LET}]))?"), _size),
    (re.compile(rf"(?<![{W}.\-])(?P<s>-?)(?P<n>{NUM})(?P<sep>\s?|-)(?P<u>{UNIT_ALT})(?![{W}])"), _unit),
    (
        re.compile(rf"{B}(?P<a>{NUM})\s?[x×]\s?(?P<b>{NUM}){E}"),
        lambda m: f"{_dimension(m.group('a'))} by {_dimension(m.group('b'))}",
    ),
    (
        re.compile(rf"{B}(?P<a>{NUM})\s?[–-]\s?(?P<b>{NUM})\s?[x×]{E}"),
        lambda m: f"{decimal_words(m.group('a'))} to {decimal_words(m.group('b'))} times",
    ),
    (re.compile(rf"{B}(?P<n>{NUM})\s?[x×]{E}"), lambda m: decimal_words(m.group("n")) + " times"),
    (re.compile(rf"(?<![{W}./])(\d+)/(\d+)(?![{W}/]|\.\d)"), _fraction),
    (
        re.compile(rf"{B}(?P<a>{NUM})/(?P<b>{NUM}){E}"),
        lambda m: f"{decimal_words(m.group('a'))} out of {decimal_words(m.group('b'))}",
    ),
    (re.compile(rf"(?<![{W}.\-])(?P<a>{NUM})\s?[–-]\s?(?P<b>{NUM})(?![{W}]|[.,]\d|-\d)"), _range),
    (
        re.compile(rf"(?<![{W}.\-])-(?P<n>{NUM}){E}"),
        lambda m: "minus " + decimal_words(m.group("n")),
    ),
)

# Comparison and other signs before a number, said before the number passes run.
EARLY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[~≈]\s?(?=[-$€£¥]?\d)"), " about "),
    (re.compile(r"\s?(?:≥|>=)\s?"), " at least "),
    (re.compile(r"\s?(?:≤|<=)\s?"), " at most "),
    (re.compile(r"\s?==\s?(?=v?\d)"), " version "),  # "torch==2.5.1"
    (re.compile(r"\s?!=\s?(?=v?\d)"), " not version "),
    (re.compile(r"<\s?(?=[$€£¥]?\d)"), " less than "),
    (re.compile(r">\s?(?=[$€£¥]?\d)"), " more than "),
    (re.compile(rf"(?<![{W}])#\s?(?=\d)"), " number "),
    (re.compile(r"(?<![\w.])@(?=[A-Za-z_])"), " at "),
    (re.compile(r"(?<=\d)\s?\+\s?(?=\d)"), " plus "),
)
