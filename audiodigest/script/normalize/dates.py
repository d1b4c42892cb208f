"""Dates and times in the spoken text, and when a bare four-digit number is a year.

A four-digit number from 1100 to 2099 is read as a year ("twenty twenty-six") when bare, in a
year context ("in 2026", "2020s", "2020-2024") or before a non-plural word; it is a cardinal
when written with a comma, followed by a plural ("1500 GPUs" -> "one thousand five hundred
G.P.U's"), or a power of two ("a 2048 token limit").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from audiodigest.script.normalize.chars import LET, SHELF, B, E, Shelf, W, keep_final_dot
from audiodigest.script.normalize.data import words
from audiodigest.script.normalize.numbers import MONTHS, ONES, cardinal, ordinal, year_words

_MONTH_ALT = (
    "Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    "Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_YEAR_BEFORE = (
    words("year_before") | {m.lower() for m in MONTHS} | {m[:3].lower() for m in MONTHS} | {"sept"}
)


def _month(name: str) -> str:
    return next(m for m in MONTHS if m.lower().startswith(name[:3].lower()))


def is_year_context(m: re.Match[str], n: int, shelf: Shelf) -> bool:
    """Whether a bare 4-digit number reads as a year (see the module docstring)."""
    if not 1100 <= n <= 2099:
        return False
    before = re.findall(rf"[{LET}0-9]+", m.string[max(0, m.start() - 30) : m.start()])
    if before and before[-1].lower() in _YEAR_BEFORE:
        return True
    after = re.match(rf"\s*([{LET}{SHELF}][{LET}{SHELF}'-]*)", m.string[m.end() : m.end() + 80])
    if after is None:
        return True
    word = shelf.restore(after.group(1)).strip()
    # Powers of two (1024, 2048) are sizes in technical text, not years.
    if n & (n - 1) == 0:
        return False
    # A counted thing after the number ("1500 GPUs", "2100 tokens") makes it a cardinal.
    return not (
        word.endswith("s")
        and len(word) > 2
        and word.lower() not in ("was", "has", "is", "saw", "sees", "brings", "marks")
    )


def _date_iso(m: re.Match[str]) -> str:
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return m.group(0)
    return f"{MONTHS[day.month - 1]} {ordinal(day.day)}, {year_words(day.year)}"


def _spoken_named_date(m: re.Match[str], pattern: str) -> str:
    """``pattern`` with {month} and {day} filled in, plus ", <year>" when the match has one."""
    day = int(m.group("d"))
    if not 1 <= day <= 31:
        return m.group(0)
    spoken = pattern.format(month=_month(m.group("m")), day=ordinal(day))
    if m.group("y"):
        spoken += f", {year_words(int(m.group('y')))}"
    return spoken


def _date_named(m: re.Match[str]) -> str:
    return _spoken_named_date(m, "{month} {day}")


def _date_day_first(m: re.Match[str]) -> str:
    return _spoken_named_date(m, "the {day} of {month}")


def _date_us(m: re.Match[str]) -> str:
    try:
        day = date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    except ValueError:
        return m.group(0)
    return f"{MONTHS[day.month - 1]} {ordinal(day.day)}, {year_words(day.year)}"


def _ampm(letter: str | None) -> str:
    return f" {letter.upper()} M" if letter else ""


def _time(m: re.Match[str]) -> str:
    hour, minute = int(m.group("h")), int(m.group("min"))
    ampm = m.group("ap")
    if minute == 0:
        if ampm:
            spoken = cardinal(hour)
        elif hour == 0:
            spoken = "midnight"
        elif hour <= 12:
            spoken = f"{cardinal(hour)} o'clock"
        else:
            spoken = f"{cardinal(hour)} hundred"
    else:
        spoken = f"{cardinal(hour)} " + (f"oh {ONES[minute]}" if minute < 10 else cardinal(minute))
    if m.group("sec") and int(m.group("sec")):
        spoken += f" and {cardinal(int(m.group('sec')))} seconds"
    return keep_final_dot(m, spoken + _ampm(ampm))


def _hour_ampm(m: re.Match[str]) -> str:
    return keep_final_dot(m, cardinal(int(m.group("h"))) + _ampm(m.group("ap")))



DATE_PASSES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(rf"(?<![{W}\-.])(\d{{4}})-(\d{{2}})-(\d{{2}})(?![{W}]|-\d)"), _date_iso),
    (
        re.compile(
            rf"(?<![{W}])(?P<m>{_MONTH_ALT})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
            rf"(?:,?\s+(?P<y>\d{{4}}))?{E}"
        ),
        _date_named,
    ),
    (
        re.compile(
            rf"{B}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTH_ALT})\.?"
            rf"(?:,?\s+(?P<y>\d{{4}}))?{E}"
        ),
        _date_day_first,
    ),
    (re.compile(rf"(?<![{W}/.])(\d{{1,2}})/(\d{{1,2}})/(\d{{4}})(?![{W}/])"), _date_us),
    (
        re.compile(rf"(?<![{W}])(?P<q>[QH][1-4])\s+(?P<y>\d{{4}}){E}"),
        lambda m: f"{m.group('q')[0]} {cardinal(int(m.group('q')[1]))} "
        f"{year_words(int(m.group('y')))}",
    ),
    (
        re.compile(
            rf"(?<![{W}:.])(?P<h>[01]?\d|2[0-3]):(?P<min>[0-5]\d)(?::(?P<sec>[0-5]\d))?"
            rf"(?:\s?(?P<ap>[AaPp])\.?[Mm]\.?)?(?![{W}:])"
        ),
        _time,
    ),
    (re.compile(rf"(?<![{W}:.])(?P<h>1[0-2]|0?[1-9])\s?(?P<ap>[AaPp])\.?[Mm]\.?{E}"), _hour_ampm),
)
