"""Number words: cardinals, ordinals and years (num2words), decimals, versions, digit pairs.

Numbers are American style without "and": 512 -> "five hundred twelve". Decimals are read
digit by digit ("2.50" -> "two point five zero"); version parts as whole numbers ("v2.10" ->
"version two point ten").

num2words says cardinals, ordinals and years; its British "and" and its commas are taken out
("one thousand, nine hundred and ninety-nine" -> "one thousand nine hundred ninety-nine"). Its
currency reading is not used (see units.py for why).
"""

from __future__ import annotations

from functools import lru_cache

from num2words import num2words

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


def _plain(words: str) -> str:
    """num2words' English made American and punctuation-free."""
    return " ".join(words.replace(",", " ").replace(" and ", " ").replace("oh-", "oh ").split())


@lru_cache(maxsize=4096)  # num2words takes ~0.1 ms a call; texts repeat numbers
def cardinal(n: int) -> str:
    """English words for a whole number; from 10**18 on the digits are read one by one.

    >>> cardinal(0)
    'zero'
    >>> cardinal(512)
    'five hundred twelve'
    >>> cardinal(-12000)
    'minus twelve thousand'
    >>> cardinal(10**15)
    'one quadrillion'
    >>> cardinal(1_000_021)
    'one million twenty-one'
    """
    if n < 0:
        return "minus " + cardinal(-n)
    if n < 20:
        return ONES[n]  # the common case, without the library's call overhead
    if n >= 10**18:
        return digit_words(str(n))  # "quintillion" helps nobody; a listener follows digits
    return _plain(num2words(n))


def digit_words(digits: str) -> str:
    """Each digit as a word: "007" -> "zero zero seven"."""
    return " ".join(ONES[int(d)] for d in digits if d.isdigit())


@lru_cache(maxsize=4096)
def ordinal(n: int) -> str:
    """Ordinal words.

    >>> ordinal(22)
    'twenty-second'
    >>> ordinal(100)
    'one hundredth'
    >>> ordinal(40)
    'fortieth'
    """
    if n < 0 or n >= 10**18:
        return cardinal(n)
    return _plain(num2words(n, to="ordinal"))


@lru_cache(maxsize=4096)
def year_words(n: int) -> str:
    """A year as people say it.

    >>> year_words(2026)
    'twenty twenty-six'
    >>> year_words(2005)
    'two thousand five'
    >>> year_words(1905)
    'nineteen oh five'
    >>> year_words(1900)
    'nineteen hundred'
    """
    if not 1000 <= n <= 9999:
        return cardinal(n)
    return _plain(num2words(n, to="year"))


def decimal_words(text: str) -> str:
    """A written number: thousands separators, decimals read digit by digit.

    >>> decimal_words("12,000")
    'twelve thousand'
    >>> decimal_words("2.50")
    'two point five zero'
    >>> decimal_words(".5")
    'point five'
    """
    whole, _, frac = text.replace(",", "").partition(".")
    if not whole:
        spoken = "point"
    elif len(whole) > 1 and whole.startswith("0"):
        spoken = digit_words(whole)
    else:
        spoken = cardinal(int(whole))
        if frac or text.endswith("."):
            spoken += " point"
    return f"{spoken} {digit_words(frac)}" if frac else spoken


def version_words(text: str) -> str:
    """Dotted version numbers, each part a whole number: "2.10.1" -> "two point ten point one"."""
    parts = []
    for part in text.split("."):
        if not part:
            continue
        parts.append(
            digit_words(part) if len(part) > 1 and part.startswith("0") else cardinal(int(part))
        )
    return " point ".join(parts)


def pair_words(digits: str) -> str:
    """Four digits in a product name, said in pairs: 4090 -> "forty ninety"."""
    n = int(digits)
    if len(digits) == 4 and not digits.startswith("0") and n % 1000 and n % 100:
        high, low = divmod(n, 100)
        return f"{cardinal(high)} " + (f"oh {ONES[low]}" if low < 10 else cardinal(low))
    return decimal_words(digits)


def plural_word(words: str) -> str:
    """Pluralise the last word of a number ("nineteen nineties", "two thousands")."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    return words + "s"
