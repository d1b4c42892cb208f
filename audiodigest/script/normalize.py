r"""Speech normalisation: turn the editor's words into the text a speech engine reads well.

:func:`normalize` is pure: text and a :class:`Lexicon` in, engine text out. Its output contains
only Latin letters, spaces and ``. , ; : ! ? ' -`` -- no digits and no symbols a voice reads
badly (``%``, ``&``, ``×``, ``→``, emoji). The transcript keeps the editor's words; only the engine
sees this text.

The passes run in a fixed order, most specific first. Each pass *shelves* what it produced (the
piece is swapped for one private-use character and put back at the end), so a later, more general
pass never re-reads finished speech: "$1.5 billion" is spoken once as money and never again as a
decimal. In order: inline hints ``{written|spoken}`` (the spoken form is used as written), URLs
and e-mail addresses, the lexicon, dates, times, money, percentages, decades, ordinals, versions,
model sizes, units, multipliers, fractions, ranges, dotted initialisms, product names
(``Qwen3-30B``), plain numbers, symbols, and finally capitals and mixed-case words.

Choices a listener will notice:

* Numbers are American style without "and": 512 -> "five hundred twelve". Decimals are read
  digit by digit ("2.50" -> "two point five zero"); version parts as whole numbers ("v2.10" ->
  "version two point ten").
* A four-digit number from 1100 to 2099 is read as a year ("twenty twenty-six") when bare, in a
  year context ("in 2026", "2020s", "2020-2024") or before a non-plural word; it is a cardinal
  when written with a comma, followed by a plural ("1500 GPUs" -> "one thousand five hundred
  G.P.U's"), or a power of two ("a 2048 token limit"). In product names four digits are read in pairs ("RTX 4090" -> "forty ninety").
* Model sizes: M, B and T say "million", "billion", "trillion"; K stays the letter ("512K
  context" -> "five hundred twelve K context", "4K" -> "four K"), except for money ("$40K" ->
  "forty thousand dollars"). Inside a product name the size letter is a letter ("Qwen3-30B" ->
  "Kwen three thirty B").
* Unknown words in capitals are spelled when they have at most four letters, no vowel (A E I O
  U), or a run of three consonants (Y counting as a vowel); otherwise they are read as a word
  ("UNESCO", "FLOPS").
  A few short English words in capitals (THE, NEW, ...) are read as words. The lexicon overrides
  all of this. Plurals take "'s" ("LLMs" -> "L.L.M's"), which espeak says as "emz".
* Spelled letters come out dotted ("G.P.U"), also when a lexicon entry or hint writes them with
  spaces: espeak, which Piper uses, reads a lone "A" between spaced letters as the article "uh"
  ("R A G"), but reads "R.A.G" letter by letter; a dot inside a word does not end a sentence.
* Mixed-case words: camel-case names whose parts are capitalised words are left to the voice
  ("DeepSeek"); a run of capitals inside a word is looked up in the lexicon ("OpenAI" -> "Open
  A.I"), spelled when three or more letters ("ChatGPT") or when it starts the word ("LMArena"),
  and otherwise the word is read as one word ("DelTA" -> "Delta"), since Piper spells
  mixed-case names letter by letter.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache

from audiodigest.script.lexicon import Lexicon, LexiconEntry, is_all_caps
from audiodigest.script.termmatch import TermMatcher

logger = logging.getLogger(__name__)

# --- character classes -------------------------------------------------------------------------

# Latin letters, without the multiplication and division signs that sit in that block.
LET = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
# Shelved (finished) pieces, and inline hints, travel as private-use characters.
_SHELF_BASE = 0xF0000
_SHELF_MAX = 0xFFFFD
SHELF = "\U000f0000-\U000ffffd"
HINT_BASE = 0x100000
HINT = "\U00100000-\U0010fffd"
W = LET + "0-9" + SHELF  # a "word" character for boundary checks
_LETTER_RE = re.compile(f"[{LET}]")

# A number as written: 12,000 / 2.5 / 42
NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"

# --- number words --------------------------------------------------------------------------

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = (
    (10**15, "quadrillion"),
    (10**12, "trillion"),
    (10**9, "billion"),
    (10**6, "million"),
    (10**3, "thousand"),
)
_ORDINAL_ENDINGS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def cardinal(n: int) -> str:
    """English words for a whole number; beyond 10**18 the digits are read one by one.

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
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {cardinal(rest)}" if rest else "")
    if n >= 10**18:
        return digit_words(str(n))
    for value, name in _SCALES:
        if n >= value:
            high, rest = divmod(n, value)
            return f"{cardinal(high)} {name}" + (f" {cardinal(rest)}" if rest else "")
    raise AssertionError(n)  # unreachable: every n >= 1000 has a scale


def digit_words(digits: str) -> str:
    """Each digit as a word: "007" -> "zero zero seven"."""
    return " ".join(_ONES[int(d)] for d in digits if d.isdigit())


def ordinal(n: int) -> str:
    """Ordinal words.

    >>> ordinal(22)
    'twenty-second'
    >>> ordinal(100)
    'one hundredth'
    >>> ordinal(40)
    'fortieth'
    """
    words = cardinal(n)
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    head, last = words[:cut], words[cut:]
    if last in _ORDINAL_ENDINGS:
        return head + _ORDINAL_ENDINGS[last]
    if last.endswith("y"):
        return head + last[:-1] + "ieth"
    return head + last + "th"


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
    if 2000 <= n <= 2009 or n % 1000 == 0 or n >= 10000 or n < 1000:
        return cardinal(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{cardinal(high)} hundred"
    if low < 10:
        return f"{cardinal(high)} oh {_ONES[low]}"
    return f"{cardinal(high)} {cardinal(low)}"


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


def _pair_words(digits: str) -> str:
    """Four digits in a product name, said in pairs: 4090 -> "forty ninety"."""
    n = int(digits)
    if len(digits) == 4 and not digits.startswith("0") and n % 1000 and n % 100:
        high, low = divmod(n, 100)
        return f"{cardinal(high)} " + (f"oh {_ONES[low]}" if low < 10 else cardinal(low))
    return decimal_words(digits)


def _plural_word(words: str) -> str:
    """Pluralise the last word of a number ("nineteen nineties", "two thousands")."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    return words + "s"


# --- the shelf -------------------------------------------------------------------------------


class _Shelf:
    """Finished pieces of speech, each standing in the text as one private-use character."""

    _RE = re.compile(f"[{SHELF}]")

    def __init__(self) -> None:
        self.items: list[str] = []

    def put(self, spoken: str) -> str:
        if _SHELF_BASE + len(self.items) > _SHELF_MAX:
            return f" {spoken} "  # an absurdly long text; rather unprotected than wrong
        self.items.append(spoken)
        return chr(_SHELF_BASE + len(self.items) - 1)

    def restore(self, text: str) -> str:
        # Pieces may contain other pieces; a few rounds put everything back.
        for _ in range(8):
            if not self._RE.search(text):
                break
            text = self._RE.sub(lambda m: self.items[ord(m.group()) - _SHELF_BASE], text)
        return self._RE.sub("", text)


def _ends_text(m: re.Match[str]) -> bool:
    return not m.string[m.end() : m.end() + 200].strip() and not m.string[m.end() + 200 :].strip()


def _keep_final_dot(m: re.Match[str], spoken: str) -> str:
    """A pattern that swallowed a full stop ("a.m.", "etc.") gives it back at the end of text."""
    return spoken + "." if m.group(0).endswith(".") and _ends_text(m) else spoken


# --- cleanup ---------------------------------------------------------------------------------

_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "π": "pi",
    "ρ": "rho",
    "σ": "sigma",
    "τ": "tau",
    "φ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "Δ": "delta",
    "Σ": "sigma",
    "Ω": "omega",
    "Φ": "phi",
    "Π": "pi",
}
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2044": "/",
        "\u2215": "/",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u2026": "...",
        "^": " to the power of ",
        "\t": " ",
        "\n": " ",
        "\r": " ",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
        "\u00ad": "",
    }
)
# Unicode categories dropped outright: emoji and other pictographs, marks, controls, unassigned.
_DROP_CATEGORIES = {"So", "Sk", "Cs", "Cn", "Cf", "Cc", "Mn", "Me", "Co"}
_KEEP_SYMBOLS = {"°"}


def _cleanup(text: str, keep_hints: bool) -> str:
    text = unicodedata.normalize("NFKC", text.translate(_TRANSLATE)).translate(_TRANSLATE)
    out = []
    for ch in text:
        if ch in _GREEK:
            out.append(f" {_GREEK[ch]} ")
        elif (
            keep_hints
            and HINT_BASE <= ord(ch) <= 0x10FFFD
            or ch in _KEEP_SYMBOLS
            or unicodedata.category(ch) not in _DROP_CATEGORIES
        ):
            out.append(ch)
        elif unicodedata.category(ch) == "Cc":
            out.append(" ")
    return "".join(out)


# --- URLs and e-mail -------------------------------------------------------------------------

_TLDS = (
    "com|org|net|io|ai|dev|co|app|edu|gov|uk|de|fr|eu|me|tv|info|xyz|gg|ly|so|sh|news|"
    "tech|cloud|us|ca|au|in|jp|cn|ch|nl|se"
)
_EMAIL_RE = re.compile(r"(?<![\w.+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_URL_RE = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']+"
    rf"|(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_URL_TRAIL = ".,;:!?)]}'\""


def _host_words(host: str, lexicon: Lexicon) -> str:
    labels = [label for label in host.lower().strip(".").split(".") if label]
    if len(labels) > 2 and labels[0] == "www":
        labels = labels[1:]
    return " dot ".join(
        normalize_marked(label.replace("-", " ").replace("_", " "), lexicon, {}) for label in labels
    )


def _urls(text: str, shelf: _Shelf, lexicon: Lexicon) -> str:
    def email(m: re.Match[str]) -> str:
        local = re.sub(
            r"[._+-]",
            lambda s: {".": " dot ", "_": " underscore ", "+": " plus ", "-": " dash "}[s.group()],
            m.group(1),
        )
        local = normalize_marked(local, lexicon, {})
        return shelf.put(f" {local} at {_host_words(m.group(2), lexicon)} ")

    def url(m: re.Match[str]) -> str:
        raw = m.group(0)
        tail = ""
        while raw and raw[-1] in _URL_TRAIL:
            raw, tail = raw[:-1], raw[-1] + tail
        host = re.sub(r"^[a-z]+://", "", raw, flags=re.IGNORECASE)
        host = re.split(r"[/?#:]", host, maxsplit=1)[0].rsplit("@", 1)[-1]
        if not re.search("[A-Za-z0-9]", host):
            return m.group(0)
        return shelf.put(f" {_host_words(host, lexicon)} ") + tail

    return _URL_RE.sub(url, _EMAIL_RE.sub(email, text))


# --- lexicon ---------------------------------------------------------------------------------


def _term_pattern(entry: LexiconEntry) -> str:
    """What must match where ``entry``'s term starts: its case rule, its plural, its edges."""
    body = re.escape(entry.term)
    if not entry.case_sensitive:
        body = f"(?i:{body})"
    if is_all_caps(entry.term) and entry.term[-1].isalpha():
        body += "(?P<s>'?s)?"
    if entry.whole_word:
        first, last = entry.term[0], entry.term[-1]
        if first.isalpha():
            body = f"(?<![{LET}{SHELF}])" + body
        elif first.isdigit():
            body = f"(?<![{W}])" + body
        if last.isalpha():
            body += f"(?![{LET}{SHELF}])"
        elif last.isdigit():
            body += f"(?![{W}])"
    return body


@cache
def _lexicon_matcher(lexicon: Lexicon) -> TermMatcher:
    """Every term at once, longest first (ties: earlier entries, i.e. the show's)."""
    entries = lexicon.entries
    return TermMatcher([e.term for e in entries], lambda i: _term_pattern(entries[i]))


def _apply_lexicon(text: str, lexicon: Lexicon, shelf: _Shelf) -> str:
    out: list[str] = []
    done = 0
    for index, m in _lexicon_matcher(lexicon).finditer(text):
        entry = lexicon.entries[index]
        spoken = entry.spoken
        if "s" in m.re.groupindex and m.group("s"):
            spoken += "'s"
        if entry.term.endswith(".") and _ends_text(m):
            spoken += "."
        out += [text[done : m.start()], shelf.put(f" {dot_letters(spoken)} ")]
        done = m.end()
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


# --- numbers in context ----------------------------------------------------------------------

_MONTH_ALT = (
    "Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    "Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_YEAR_BEFORE = set(
    [
        "in",
        "since",
        "by",
        "from",
        "until",
        "till",
        "through",
        "of",
        "during",
        "early",
        "late",
        "mid",
        "before",
        "after",
        "around",
        "circa",
        "year",
        "years",
        "fiscal",
        "fy",
        "between",
        "and",
        "or",
        "to",
        "the",
        "class",
        "spring",
        "summer",
        "autumn",
        "fall",
        "winter",
        "q1",
        "q2",
        "q3",
        "q4",
        "h1",
        "h2",
        "ad",
        "bc",
        "vintage",
    ]
)
_YEAR_BEFORE |= {m.lower() for m in MONTHS} | {m[:3].lower() for m in MONTHS} | {"sept"}


def _month(name: str) -> str:
    return next(m for m in MONTHS if m.lower().startswith(name[:3].lower()))


def _is_year_context(m: re.Match[str], n: int, shelf: _Shelf) -> bool:
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
        spoken = f"{cardinal(hour)} " + (f"oh {_ONES[minute]}" if minute < 10 else cardinal(minute))
    if m.group("sec") and int(m.group("sec")):
        spoken += f" and {cardinal(int(m.group('sec')))} seconds"
    return _keep_final_dot(m, spoken + _ampm(ampm))


def _hour_ampm(m: re.Match[str]) -> str:
    return _keep_final_dot(m, cardinal(int(m.group("h"))) + _ampm(m.group("ap")))


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
        return _plural_word(year_words(int(digits)))
    return _plural_word(cardinal(int(digits)))


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


_UNITS: dict[str, tuple[str, str]] = {
    "km/h": ("kilometre per hour", "kilometres per hour"),
    "mph": ("mile per hour", "miles per hour"),
    "km": ("kilometre", "kilometres"),
    "cm": ("centimetre", "centimetres"),
    "mm": ("millimetre", "millimetres"),
    "nm": ("nanometre", "nanometres"),
    "μm": ("micrometre", "micrometres"),
    "kg": ("kilogram", "kilograms"),
    "mg": ("milligram", "milligrams"),
    "PB": ("petabyte", "petabytes"),
    "TB": ("terabyte", "terabytes"),
    "GB": ("gigabyte", "gigabytes"),
    "MB": ("megabyte", "megabytes"),
    "KB": ("kilobyte", "kilobytes"),
    "kB": ("kilobyte", "kilobytes"),
    "Tbps": ("terabit per second", "terabits per second"),
    "Gbps": ("gigabit per second", "gigabits per second"),
    "Mbps": ("megabit per second", "megabits per second"),
    "GHz": ("gigahertz", "gigahertz"),
    "MHz": ("megahertz", "megahertz"),
    "kHz": ("kilohertz", "kilohertz"),
    "Hz": ("hertz", "hertz"),
    "ms": ("millisecond", "milliseconds"),
    "μs": ("microsecond", "microseconds"),
    "ns": ("nanosecond", "nanoseconds"),
    "min": ("minute", "minutes"),
    "mins": ("minute", "minutes"),
    "hrs": ("hour", "hours"),
    "hr": ("hour", "hours"),
    "h": ("hour", "hours"),
    "kWh": ("kilowatt hour", "kilowatt hours"),
    "MWh": ("megawatt hour", "megawatt hours"),
    "GWh": ("gigawatt hour", "gigawatt hours"),
    "TWh": ("terawatt hour", "terawatt hours"),
    "kW": ("kilowatt", "kilowatts"),
    "MW": ("megawatt", "megawatts"),
    "GW": ("gigawatt", "gigawatts"),
    "W": ("watt", "watts"),
    "°C": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"),
    "TFLOPS": ("teraflops", "teraflops"),
    "PFLOPS": ("petaflops", "petaflops"),
    "fps": ("frame per second", "frames per second"),
}
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))


def _dimension(number: str) -> str:
    """One side of "1920x1080": four digits in pairs, as people say screen sizes."""
    return _pair_words(number) if re.fullmatch(r"[1-9]\d{3}", number) else decimal_words(number)


def _more_than(m: re.Match[str]) -> str:
    size = m.group("u")
    return f"more than {decimal_words(m.group('n'))}" + (f" {_SIZE[size]}" if size else "")


def _unit(m: re.Match[str]) -> str:
    number = m.group("n")
    one, many = _UNITS[m.group("u")]
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


def _plain_number(m: re.Match[str], shelf: _Shelf) -> str:
    raw = m.group(0)
    if re.fullmatch(r"\d+(?:\.\d+){2,}", raw):
        return version_words(raw)
    if re.fullmatch(r"[1-9]\d{3}", raw):
        n = int(raw)
        if _is_year_context(m, n, shelf):
            return year_words(n)
        before = re.findall(r"\S+", m.string[max(0, m.start() - 20) : m.start()])
        if before and re.fullmatch(r"[A-Z]{2,}", before[-1]):
            return _pair_words(raw)  # "RTX 4090"
    return decimal_words(raw)


# --- words -----------------------------------------------------------------------------------

# Short English words that appear in capitals (headlines) and are not acronyms.
_CAPS_WORDS = set(
    [
        "THE",
        "AND",
        "FOR",
        "NOT",
        "ALL",
        "BUT",
        "NEW",
        "NOW",
        "OUT",
        "BIG",
        "YES",
        "TOP",
        "HOT",
        "WHY",
        "HOW",
        "WHO",
        "WHAT",
        "ARE",
        "WAS",
        "HAS",
        "HAD",
        "CAN",
        "GET",
        "GOT",
        "ITS",
        "OUR",
        "YOU",
        "HER",
        "HIS",
        "ONE",
        "TWO",
        "SIX",
        "TEN",
        "OFF",
        "WIN",
        "WON",
        "JUST",
        "MORE",
        "MOST",
        "BEST",
        "FREE",
        "LIVE",
        "FAST",
        "SLOW",
        "THIS",
        "THAT",
        "WITH",
        "FROM",
        "INTO",
        "HERE",
        "WILL",
        "BEEN",
        "HAVE",
        "MUST",
        "SAYS",
        "SAID",
        "NEWS",
        "DEAD",
        "LOST",
        "OVER",
        "ONLY",
        "ALSO",
        "EVEN",
        "BACK",
        "MAKE",
        "TAKE",
        "GOOD",
        "HUGE",
        "BOLD",
        "DEAL",
        "RISE",
        "FALL",
        "NO",
        "TO",
        "OF",
        "IN",
        "ON",
        "IS",
        "BE",
        "WE",
        "SO",
        "DO",
        "GO",
        "UP",
        "BY",
        "MY",
    ]
)


def _pronounceable(word: str) -> bool:
    """Whether an unknown word in capitals is read as a word (see the module docstring)."""
    up = word.upper()
    if len(up) <= 4 or not any(c in "AEIOU" for c in up):
        return False
    return not re.search(r"[^AEIOUY]{3}", up)


def _is_shouting(text: str) -> bool:
    """A whole sentence in capitals with ordinary words in it ("THE CHIP WAR IS OVER")."""
    caps = re.findall(rf"(?<![{LET}])[A-Z]{{2,}}(?![{LET}])", text)
    return (not re.search("[a-z]", text) and len(caps) >= 3
            and any(w in _CAPS_WORDS or _pronounceable(w) for w in caps))


def _spell(word: str) -> str:
    return ".".join(word.upper())


def dot_letters(spoken: str) -> str:
    """Runs of single capitals written with spaces ("R L H F") in the dotted form ("R.L.H.F").

    >>> dot_letters("the R A G step")
    'the R.A.G step'
    """
    return _LETTER_RUN.sub(lambda m: m.group().replace(" ", "."), spoken)


def _acronym(word: str, lexicon: Lexicon) -> str:
    entry = lexicon.lookup(word)
    if entry is not None:
        return entry.spoken
    if word in _CAPS_WORDS or _pronounceable(word):
        return word[0] + word[1:].lower()
    return _spell(word)


def _mixed(word: str, lexicon: Lexicon) -> str:
    """A mixed-case word ("OpenAI", "iPhone", "DelTA")."""
    if not word.isascii():
        return word
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", word)
    if "".join(parts) != word:
        return word
    out: list[str] = []
    plain = True
    for i, part in enumerate(parts):
        if part.isupper() and (len(part) > 1 or i > 0):
            plain = False
            entry = lexicon.lookup(part)
            if entry is not None:
                out.append(entry.spoken)
            elif len(part) >= 3:
                out.append(_acronym(part, lexicon))
            elif i == 0:
                out.append(_spell(part))  # "LMArena", "MLPerf": a prefix acronym
            else:
                # "DelTA": a short run of capitals is more likely a typing accident or styling
                # than an acronym; Piper would spell the whole word, so read it as one word.
                return word[0] + word[1:].lower()
        elif i == 0 and len(part) == 1 and part.islower():
            plain = False
            out.append(part.upper())  # "iPhone", "eBay"
        else:
            entry = lexicon.lookup(part)
            out.append(entry.spoken if entry is not None else part)
    return word if plain else " ".join(out)


def _word(word: str, lexicon: Lexicon, compound: bool = False, shouting: bool = False) -> str:
    """One run of letters (possibly with an apostrophe) as it should be said."""
    return dot_letters(_word_raw(word, lexicon, compound, shouting))


def _word_raw(word: str, lexicon: Lexicon, compound: bool, shouting: bool) -> str:
    if re.search(f"[{SHELF}]", word):
        return word
    entry = lexicon.lookup(word)
    if entry is not None:
        return entry.spoken
    plural = re.fullmatch(r"([A-Z]{2,})('s|s)", word)
    if plural and not shouting and (len(plural.group(1)) <= 4 or not _pronounceable(plural.group(1))):
        return _acronym(plural.group(1), lexicon) + "'s"
    letters = word.replace("'", "")
    if shouting and letters.isupper():
        return word[0] + word[1:].lower()
    if len(letters) >= 2 and letters.isupper():
        return _acronym(word, lexicon) if "'" not in word else word[0] + word[1:].lower()
    if any(c.isupper() for c in letters[1:]) and any(c.islower() for c in letters):
        return _mixed(word, lexicon) if "'" not in word else word
    if (
        compound
        and len(word) >= 2
        and word.isascii()
        and word.islower()
        and not any(c in "aeiouy" for c in word)
    ):
        return _spell(word)  # "gpt-4o"
    return word


def _compound(token: str, lexicon: Lexicon) -> str:
    """A product or version name mixing letters and digits ("Qwen3-30B", "GH200")."""
    pieces = re.findall(rf"[{LET}{SHELF}]+|\d+(?:\.\d+)*", token)
    out: list[str] = []
    for i, piece in enumerate(pieces):
        prev = pieces[i - 1] if i else ""
        nxt = pieces[i + 1] if i + 1 < len(pieces) else ""
        if piece[0].isdigit():
            if "." in piece:
                spoken = version_words(piece)
            elif len(piece) == 4:
                spoken = _pair_words(piece)
            else:
                spoken = decimal_words(piece)
            if out and out[-1].endswith("-"):
                out[-1] += spoken
            else:
                out.append(spoken)
        elif piece == "x" and prev[:1].isdigit() and nxt[:1].isdigit():
            out.append("by")  # "8x7B"
        elif piece == "s" and prev[:1].isdigit() and out:
            out[-1] += "'s"  # "H100s"
        elif piece == "A" and nxt[:1].isdigit():
            out.append("A-")  # espeak reads a lone "A" as the article; "A-one" as the letter
        else:
            out.append(_word(piece, lexicon, compound=True))
    return " " + " ".join(out) + " "


# --- symbols ---------------------------------------------------------------------------------


_PER = {"s": "second", "sec": "second", "h": "hour", "hr": "hour", "day": "day", "d": "day",
        "wk": "week", "week": "week", "mo": "month", "month": "month", "yr": "year", "y": "year",
        "year": "year", "user": "user", "token": "token"}
_PER_ALT = "|".join(sorted(_PER, key=len, reverse=True))


def _per(m: re.Match[str]) -> str:
    """A rate after a word: "tokens/s" -> "tokens per second"."""
    return f" per {_PER[m.group('per')]}"


def _slash(m: re.Match[str]) -> str:
    left, right = m.group(1), m.group(2)
    if (left.lower(), right.lower()) == ("and", "or"):
        return "and or"
    if left.isupper() or right.isupper() or len(left) == 1 or len(right) == 1:
        return f"{left} {right}"  # "TCP/IP", "I/O"
    return f"{left} or {right}"


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
    (re.compile(rf"([{LET}]+)/([{LET}]+)"), _slash),
    (re.compile(r"\s*(?:—|―|--+|\s[–-]\s|–)\s*"), ", "),
    (re.compile(r"\.\.\.+(?=\s*$)"), "."),
    (re.compile(r"\s*\.\.\.+\s*(?=[A-Z])"), ". "),
    (re.compile(r"\s*\.\.\.+\s*"), ", "),
    (re.compile(r"\s*[()\[\]{}|]\s*"), ", "),
    (re.compile(r"[\"*_/\\^~<>#$€£¥]"), " "),
)


def _symbols(text: str) -> str:
    for pattern, repl in _SYMBOLS:
        text = pattern.sub(repl, text)
    return text


# --- the final pass --------------------------------------------------------------------------

_ALLOWED = re.compile(f"[^{LET} .,;:!?'-]")
_LETTER_RUN = re.compile(r"(?<![\w'.-])[A-Z](?: [A-Z](?![\w-]|\.\w))+")


def _strongest_stop(m: re.Match[str]) -> str:
    """A run of punctuation ("., !") becomes its strongest mark ("!")."""
    return next(mark for mark in "?!.;:," if mark in m.group())


def _finish(text: str) -> str:
    """Digits to words, unreadable characters out, spelled letters dotted, punctuation tidied."""
    text = re.sub(r"\d+", lambda m: f" {decimal_words(m.group())} ", text)
    text = _ALLOWED.sub(" ", text)
    text = dot_letters(text)
    text = re.sub(r"\s+'s\b", "'s", text)  # a possessive after a shelved word: "Qwen's"
    text = re.sub(rf"(?<![{LET}])'|'(?![{LET}])(?<![sS]')", "", text)
    text = re.sub(rf"(?<![{LET}])-+|-+(?![{LET}])", " ", text)
    text = " ".join(text.split())
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    text = re.sub(r"[.,;:!?](?:\s*[.,;:!?])+", _strongest_stop, text)
    text = re.sub(r"([,;:!?])(?=[^\s.,;:!?])", r"\1 ", text)
    text = re.sub(r"(?<![A-Za-z])\.(?=[A-Za-z])", "", text)
    return text.lstrip(".,;:!? ").strip()


# --- the pipeline of passes ------------------------------------------------------------------

_B = f"(?<![{W}.])"  # not glued to a word or a decimal point on the left
_E = f"(?![{W}])"  # not glued to a word on the right


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_PASSES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_compile(rf"(?<![{W}\-.])(\d{{4}})-(\d{{2}})-(\d{{2}})(?![{W}]|-\d)"), _date_iso),
    (
        _compile(
            rf"(?<![{W}])(?P<m>{_MONTH_ALT})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
            rf"(?:,?\s+(?P<y>\d{{4}}))?{_E}"
        ),
        _date_named,
    ),
    (
        _compile(
            rf"{_B}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTH_ALT})\.?"
            rf"(?:,?\s+(?P<y>\d{{4}}))?{_E}"
        ),
        _date_day_first,
    ),
    (_compile(rf"(?<![{W}/.])(\d{{1,2}})/(\d{{1,2}})/(\d{{4}})(?![{W}/])"), _date_us),
    (
        _compile(rf"(?<![{W}])(?P<q>[QH][1-4])\s+(?P<y>\d{{4}}){_E}"),
        lambda m: f"{m.group('q')[0]} {cardinal(int(m.group('q')[1]))} "
        f"{year_words(int(m.group('y')))}",
    ),
    (
        _compile(
            rf"(?<![{W}:.])(?P<h>[01]?\d|2[0-3]):(?P<min>[0-5]\d)(?::(?P<sec>[0-5]\d))?"
            rf"(?:\s?(?P<ap>[AaPp])\.?[Mm]\.?)?(?![{W}:])"
        ),
        _time,
    ),
    (_compile(rf"(?<![{W}:.])(?P<h>1[0-2]|0?[1-9])\s?(?P<ap>[AaPp])\.?[Mm]\.?{_E}"), _hour_ampm),
    (
        _compile(
            rf"(?<![{LET}0-9.])(?P<sign>-)?(?P<cur>[$€£¥])\s?(?P<n>{NUM})"
            rf"(?:\s?(?P<mag>thousand|million|billion|trillion|mn|bn|tn|[kKmMbBT])(?![{LET}]))?"
            rf"(?P<plus>\+)?"
        ),
        _money,
    ),
    (
        _compile(rf"{_B}(?P<s1>[-+]?)(?P<a>{NUM})\s?%?\s?[–-]\s?(?P<s2>[-+]?)(?P<b>{NUM})\s?%"),
        _percent_range,
    ),
    (_compile(rf"(?<![{W}.\-])(?P<s>[-+]?)(?P<n>{NUM})\s?%"), _percent),
    (_compile(rf"(?<![{W}.'])'?(?P<n>\d0|\d{{3}}0)s{_E}"), _decade),
    (
        _compile(rf"{_B}(\d{{1,3}}(?:,\d{{3}})+|\d+)(?:st|nd|rd|th){_E}"),
        lambda m: ordinal(int(m.group(1).replace(",", ""))),
    ),
    (
        _compile(rf"(?<![{W}.\-])v(\d+(?:\.\d+)*){_E}(?!\.\d)"),
        lambda m: "version " + version_words(m.group(1)),
    ),
    (_compile(rf"{_B}(?P<n>{NUM})(?P<u>bn|tn|[KkMBT])?\+(?![\d+])"), _more_than),
    (_compile(rf"(?<![{W}.\-])(?P<n>{NUM})(?P<u>bn|tn|[KkMBT]){_E}(?P<dash>-(?=[{LET}]))?"), _size),
    (_compile(rf"(?<![{W}.\-])(?P<s>-?)(?P<n>{NUM})\s?(?P<u>{_UNIT_ALT})(?![{W}])"), _unit),
    (
        _compile(rf"{_B}(?P<a>{NUM})\s?[x×]\s?(?P<b>{NUM}){_E}"),
        lambda m: f"{_dimension(m.group('a'))} by {_dimension(m.group('b'))}",
    ),
    (
        _compile(rf"{_B}(?P<a>{NUM})\s?[–-]\s?(?P<b>{NUM})\s?[x×]{_E}"),
        lambda m: f"{decimal_words(m.group('a'))} to {decimal_words(m.group('b'))} times",
    ),
    (_compile(rf"{_B}(?P<n>{NUM})\s?[x×]{_E}"), lambda m: decimal_words(m.group("n")) + " times"),
    (_compile(rf"(?<![{W}./])(\d+)/(\d+)(?![{W}/]|\.\d)"), _fraction),
    (
        _compile(rf"{_B}(?P<a>{NUM})/(?P<b>{NUM}){_E}"),
        lambda m: f"{decimal_words(m.group('a'))} out of {decimal_words(m.group('b'))}",
    ),
    (_compile(rf"(?<![{W}.\-])(?P<a>{NUM})\s?[–-]\s?(?P<b>{NUM})(?![{W}]|[.,]\d|-\d)"), _range),
    (
        _compile(rf"(?<![{W}.\-])-(?P<n>{NUM}){_E}"),
        lambda m: "minus " + decimal_words(m.group("n")),
    ),
)
_EARLY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[~≈]\s?(?=[-$€£¥]?\d)"), " about "),
    (re.compile(r"≥\s?"), " at least "),
    (re.compile(r"≤\s?"), " at most "),
    (re.compile(r"<\s?(?=[$€£¥]?\d)"), " less than "),
    (re.compile(r">\s?(?=[$€£¥]?\d)"), " more than "),
    (re.compile(rf"(?<![{W}])#\s?(?=\d)"), " number "),
    (re.compile(r"(?<![\w.])@(?=[A-Za-z_])"), " at "),
    (re.compile(r"(?<=\d)\s?\+\s?(?=\d)"), " plus "),
)
_INITIALISM = re.compile(rf"(?<![{W}.])((?:[A-Za-z]\.)+[A-Za-z])\.?{_E}")
_COMPOUND = re.compile(
    rf"(?<![{W}])(?=[{W}.\-]*\d)(?=[{W}.\-]*[{LET}{SHELF}])"
    rf"[{W}]+(?:[.\-][{W}]+)*"
)
_PLAIN = re.compile(rf"{_B}(?:\d+(?:\.\d+){{2,}}|{NUM}|\.\d+)(?!\d)")
_WORD = re.compile(rf"(?<![{LET}{SHELF}])[{LET}]+(?:'[{LET}]+)*(?![{LET}{SHELF}])")
_HINT_RE = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")


def _shelved(
    speak: Callable[[re.Match[str]], str], shelf: _Shelf
) -> Callable[[re.Match[str]], str]:
    return lambda m: shelf.put(f" {speak(m)} ")


def normalize_marked(text: str, lexicon: Lexicon, hints: Mapping[str, str]) -> str:
    """Normalise text in which each inline hint stands as one character keyed in ``hints``."""
    shelf = _Shelf()
    text = _cleanup(text, keep_hints=bool(hints))
    text = re.sub(f"[{HINT}]", lambda m: shelf.put(f" {dot_letters(hints.get(m.group(), ''))} "), text)
    text = _urls(text, shelf, lexicon)
    text = _apply_lexicon(text, lexicon, shelf)
    for early, repl in _EARLY:
        text = early.sub(repl, text)
    for pattern, speak in _PASSES:
        text = pattern.sub(_shelved(speak, shelf), text)
    text = _INITIALISM.sub(
        lambda m: shelf.put(f" {_keep_final_dot(m, _spell(m.group(1).replace('.', '')))} "), text
    )
    text = _COMPOUND.sub(lambda m: shelf.put(_compound(m.group(0), lexicon)), text)
    text = _PLAIN.sub(lambda m: shelf.put(f" {_plain_number(m, shelf)} "), text)
    text = _symbols(text)
    # A headline in capitals ("SAY IT LOUD") is words, not acronyms; the lexicon still applies.
    shouting = _is_shouting(text)
    text = _WORD.sub(lambda m: _word(m.group(0), lexicon, shouting=shouting), text)
    return _finish(shelf.restore(text))


def normalize(text: str, lexicon: Lexicon) -> str:
    """The text the speech engine reads for ``text``. Pure; never raises for any string.

    Inline hints ``{written|spoken}`` are replaced by their spoken form, which is protected from
    every other rule (only digits and unreadable characters in it are still converted).

    >>> normalize("GPT-5.1 costs $1.5 billion, up 12% in 2024.", Lexicon())
    'G.P.T five point one costs one point five billion dollars, up twelve percent in twenty twenty-four.'
    """
    hints: dict[str, str] = {}

    def hint(m: re.Match[str]) -> str:
        if len(hints) >= 0xFFFD:
            return m.group(2)
        key = chr(HINT_BASE + len(hints))
        hints[key] = m.group(2).strip()
        return key

    text = re.sub(f"[{HINT}]", "", text)
    return normalize_marked(_HINT_RE.sub(hint, text), lexicon, hints)


def written_form(text: str) -> str:
    """The text with each hint ``{written|spoken}`` shown as its written form."""
    return _HINT_RE.sub(lambda m: m.group(1).strip(), text)


# --- sentences -------------------------------------------------------------------------------

MAX_SENTENCE = 400
# Abbreviations after which a full stop never ends a sentence.
_NEVER_ENDS = set(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "sr",
        "jr",
        "vs",
        "e.g",
        "i.e",
        "cf",
        "approx",
        "fig",
        "no",
        "nos",
        "gen",
        "sen",
        "rep",
        "gov",
        "lt",
        "col",
        "capt",
        "mt",
        "ft",
        "vol",
        "p",
        "pp",
        "ca",
        "est",
        "dept",
        "univ",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
# Abbreviations that may end a sentence: split only if a typical sentence opener follows.
_MAYBE_ENDS = set(["etc", "inc", "ltd", "corp", "co", "al", "bros", "llc", "plc"])
_OPENERS = set(
    [
        "The",
        "A",
        "An",
        "This",
        "That",
        "These",
        "Those",
        "It",
        "Its",
        "In",
        "On",
        "At",
        "But",
        "And",
        "Or",
        "So",
        "Yet",
        "We",
        "They",
        "He",
        "She",
        "I",
        "You",
        "Our",
        "Their",
        "His",
        "Her",
        "There",
        "Here",
        "What",
        "When",
        "Why",
        "How",
        "Who",
        "As",
        "For",
        "After",
        "Before",
        "While",
        "If",
        "Meanwhile",
        "However",
        "Also",
        "Still",
        "Now",
        "Then",
        "Today",
        "Next",
        "Finally",
        "Elsewhere",
        "Other",
        "Another",
        "One",
        "Some",
        "Many",
        "Most",
        "Both",
        "Each",
    ]
)
_BOUNDARY = re.compile(r"(\.\.\.|[.!?]+)([\"')\]]*)\s+(?=[\"'(\[]?([^\s]))")


def _ends_sentence(text: str, m: re.Match[str]) -> bool:
    mark, nxt = m.group(1), m.group(3)
    rest = text[m.end() : m.end() + 80]
    next_word = re.match(r"[\"'(\[]?([^\s.,;:!?]+)", rest)
    opener = next_word.group(1) if next_word else ""
    if not (nxt.isupper() or nxt.isdigit() or (ord(nxt) >= _SHELF_BASE)):
        return False
    if mark != ".":
        return True
    word = re.search(r"(\S+)$", text[max(0, m.start() - 80) : m.start()])
    before = word.group(1).lstrip("\"'([") if word else ""
    key = before.lower().rstrip(".")
    if key in _NEVER_ENDS:
        return False
    if re.fullmatch(r"[A-Z]", before):
        return False  # an initial: "John F. Kennedy"
    if key in _MAYBE_ENDS or re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", before):
        return opener in _OPENERS
    return True


def _split_long(sentence: str, limit: int = MAX_SENTENCE) -> list[str]:
    """Cut an over-long sentence at semicolons, then commas, then spaces."""
    if len(sentence) <= limit:
        return [sentence]
    for sep in (r"(?<=;)\s+", r"(?<=,)\s+", r"\s+"):
        pieces = re.split(sep, sentence)
        if len(pieces) < 2:
            continue
        chunks: list[str] = []
        for piece in pieces:
            if chunks and len(chunks[-1]) + 1 + len(piece) <= limit:
                chunks[-1] += " " + piece
            else:
                chunks.append(piece)
        out: list[str] = []
        for chunk in chunks:
            out.extend(_split_long(chunk, limit) if len(chunk) > limit else [chunk])
        return out
    return [sentence[i : i + limit] for i in range(0, len(sentence), limit)]


def split_marked(text: str) -> list[str]:
    """Split text whose hints are single characters; URLs and e-mails are kept whole."""
    shelf = _Shelf()
    text = _EMAIL_RE.sub(lambda m: shelf.put(m.group(0)), text)

    def url(m: re.Match[str]) -> str:
        raw, tail = m.group(0), ""
        while raw and raw[-1] in _URL_TRAIL:
            raw, tail = raw[:-1], raw[-1] + tail
        return shelf.put(raw) + tail

    text = _URL_RE.sub(url, text)
    sentences: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        block = " ".join(block.split())
        start = 0
        for m in _BOUNDARY.finditer(block):
            if _ends_sentence(block, m):
                sentences.append(block[start : m.start(2) + len(m.group(2))])
                start = m.end()
        sentences.append(block[start:])
    out: list[str] = []
    for sentence in sentences:
        sentence = sentence.strip()
        if sentence:
            out.extend(shelf.restore(piece).strip() for piece in _split_long(sentence))
    return [s for s in out if s]


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, each at most about 400 characters.

    Abbreviations ("Dr.", "e.g.", "U.S."), versions and sizes ("v2.3", "1.7B", "GPT-5.1"),
    decimals, URLs, e-mail addresses and inline hints ``{a|b}`` never cause a split; an ellipsis
    splits only before a capital. A longer sentence is cut at ``;``, then ``,``. Runs of white
    space become one space; private-use characters are removed; nothing else is lost.

    >>> split_sentences("Dr. Lee met the U.S. team. GPT-5.1 is out! Really?")
    ['Dr. Lee met the U.S. team.', 'GPT-5.1 is out!', 'Really?']
    """
    hints: list[str] = []

    def hint(m: re.Match[str]) -> str:
        hints.append(m.group(0))
        return chr(HINT_BASE + len(hints) - 1)

    text = re.sub(f"[{SHELF}{HINT}]", "", text)
    marked = _HINT_RE.sub(hint, text)
    return [
        re.sub(f"[{HINT}]", lambda m: hints[ord(m.group()) - HINT_BASE], s)
        for s in split_marked(marked)
    ]


__all__ = [
    "normalize",
    "split_sentences",
    "written_form",
    "cardinal",
    "ordinal",
    "year_words",
    "decimal_words",
    "version_words",
    "digit_words",
    "MAX_SENTENCE",
]
