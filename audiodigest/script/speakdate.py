"""Dates and small numbers as a host would say them.

Used by the script templates ("Tuesday, the twenty-fourth of November"). Month and weekday names
are spelled here rather than taken from ``strftime`` so the output does not depend on the
machine's locale.
"""

from __future__ import annotations

import logging
from datetime import date

from audiodigest.script.normalize import MONTHS, cardinal, ordinal

logger = logging.getLogger(__name__)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def cardinal_words(n: int) -> str:
    """English words for a whole number (the normaliser's reading).

    >>> cardinal_words(2_026)
    'two thousand twenty-six'
    """
    return cardinal(n)


def ordinal_words(n: int) -> str:
    """English ordinal words for a whole number.

    >>> ordinal_words(24)
    'twenty-fourth'
    >>> ordinal_words(30)
    'thirtieth'
    """
    return ordinal(n)


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
