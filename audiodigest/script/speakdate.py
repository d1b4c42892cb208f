"""Dates and small numbers as a host would say them.

Used by the script templates ("Tuesday, the twenty-fourth of November"). Month and weekday names
are spelled here rather than taken from ``strftime`` so the output does not depend on the
machine's locale.
"""

from __future__ import annotations

import logging
from datetime import date

logger = logging.getLogger(__name__)

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# Ordinal forms of the words a cardinal can end in; every other word just takes "th".
_ORDINAL_ENDINGS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def cardinal_words(n: int) -> str:
    """English words for ``0 <= n < 10**9``.

    >>> cardinal_words(0)
    'zero'
    >>> cardinal_words(42)
    'forty-two'
    >>> cardinal_words(115)
    'one hundred fifteen'
    >>> cardinal_words(2_026)
    'two thousand twenty-six'
    >>> cardinal_words(1_000_001)
    'one million one'
    """
    if not 0 <= n < 10**9:
        raise ValueError(f"cardinal_words supports 0 to 999,999,999, not {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {cardinal_words(rest)}" if rest else "")
    for size, name in ((10**6, "million"), (1000, "thousand")):
        if n >= size:
            high, rest = divmod(n, size)
            return f"{cardinal_words(high)} {name}" + (f" {cardinal_words(rest)}" if rest else "")
    raise AssertionError("unreachable")  # pragma: no cover


def ordinal_words(n: int) -> str:
    """English ordinal words for ``0 <= n < 10**9``.

    >>> ordinal_words(1)
    'first'
    >>> ordinal_words(24)
    'twenty-fourth'
    >>> ordinal_words(30)
    'thirtieth'
    >>> ordinal_words(112)
    'one hundred twelfth'
    >>> ordinal_words(1000)
    'one thousandth'
    """
    words = cardinal_words(n)
    # Only the last word (after the last space or hyphen) changes.
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    head, last = words[:cut], words[cut:]
    if last in _ORDINAL_ENDINGS:
        return head + _ORDINAL_ENDINGS[last]
    if last.endswith("y"):
        return head + last[:-1] + "ieth"
    return head + last + "th"


def spoken_date(day: date) -> str:
    """The date as a host says it, without the year.

    >>> spoken_date(date(2026, 11, 24))
    'Tuesday, the twenty-fourth of November'
    >>> spoken_date(date(2026, 3, 1))
    'Sunday, the first of March'
    """
    return f"{WEEKDAYS[day.weekday()]}, the {ordinal_words(day.day)} of {MONTHS[day.month - 1]}"


def written_date(day: date) -> str:
    """The date as printed in titles, e.g. ``27 November 2026`` (locale-independent).

    >>> written_date(date(2026, 11, 27))
    '27 November 2026'
    """
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
