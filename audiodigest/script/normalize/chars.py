"""Character classes, the shelf of finished speech, and the first clean-up of raw text.

Finished pieces of speech, and inline hints, travel through the passes as private-use
characters: a later, more general pass never re-reads them.
"""

from __future__ import annotations

import re
import unicodedata

from audiodigest.script.normalize.data import table

# Latin letters, without the multiplication and division signs that sit in that block.
LET = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
# Shelved (finished) pieces, and inline hints, travel as private-use characters.
SHELF_BASE = 0xF0000
SHELF_MAX = 0xFFFFD
SHELF = "\U000f0000-\U000ffffd"
HINT_BASE = 0x100000
HINT = "\U00100000-\U0010fffd"
W = LET + "0-9" + SHELF  # a "word" character for boundary checks
B = f"(?<![{W}.])"  # not glued to a word or a decimal point on the left
E = f"(?![{W}])"  # not glued to a word on the right

# A number as written: 12,000 / 2.5 / 42
NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"


class Shelf:
    """Finished pieces of speech, each standing in the text as one private-use character."""

    _RE = re.compile(f"[{SHELF}]")

    def __init__(self) -> None:
        self.items: list[str] = []

    def put(self, spoken: str) -> str:
        if SHELF_BASE + len(self.items) > SHELF_MAX:
            return f" {spoken} "  # an absurdly long text; rather unprotected than wrong
        self.items.append(spoken)
        return chr(SHELF_BASE + len(self.items) - 1)

    def restore(self, text: str) -> str:
        # Pieces may contain other pieces; a few rounds put everything back.
        for _ in range(8):
            if not self._RE.search(text):
                break
            text = self._RE.sub(self._item, text)
        return self._RE.sub("", text)

    def _item(self, m: re.Match[str]) -> str:
        # A shelf character that this shelf did not hand out (one inside a lexicon entry's
        # spoken form, say) is dropped, not looked up.
        index = ord(m.group()) - SHELF_BASE
        return self.items[index] if index < len(self.items) else ""


_PRIVATE = re.compile(f"[{SHELF}{HINT}]")


def without_marks(text: str) -> str:
    """``text`` without the private-use characters the shelf and the hints travel as: what
    comes from outside (a lexicon entry, a hint's spoken form) must not read as one of them."""
    return _PRIVATE.sub("", text)


def ends_text(m: re.Match[str]) -> bool:
    """Whether nothing but white space follows the match."""
    return not m.string[m.end() : m.end() + 200].strip() and not m.string[m.end() + 200 :].strip()


def keep_final_dot(m: re.Match[str], spoken: str) -> str:
    """A pattern that swallowed a full stop ("a.m.", "etc.") gives it back at the end of text."""
    return spoken + "." if m.group(0).endswith(".") and ends_text(m) else spoken


# --- cleanup ---------------------------------------------------------------------------------

_GREEK = {letter: name for letter, (name,) in table("greek", 2).items()}
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


def cleanup(text: str, keep_hints: bool) -> str:
    """Unicode folded (NFKC), quotes and dashes made plain, Greek letters named, emoji,
    marks and controls dropped; hint characters kept when ``keep_hints``."""
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
