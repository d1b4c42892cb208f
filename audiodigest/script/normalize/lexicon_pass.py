"""The lexicon applied to the text: every term at once, longest first, shelved as speech."""

from __future__ import annotations

import re
from functools import cache

from audiodigest.script.lexicon import Lexicon, LexiconEntry, is_all_caps
from audiodigest.script.normalize.chars import LET, SHELF, Shelf, W, ends_text, without_marks
from audiodigest.script.normalize.units import UNITS
from audiodigest.script.normalize.words import dot_letters
from audiodigest.script.termmatch import TermMatcher


def term_pattern(entry: LexiconEntry) -> str:
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
def lexicon_matcher(lexicon: Lexicon) -> TermMatcher:
    """Every term at once, longest first (ties: earlier entries, i.e. the show's)."""
    entries = lexicon.entries
    return TermMatcher([e.term for e in entries], lambda i: term_pattern(entries[i]))


def apply_lexicon(text: str, lexicon: Lexicon, shelf: Shelf) -> str:
    out: list[str] = []
    done = 0
    for index, m in lexicon_matcher(lexicon).finditer(text):
        entry = lexicon.entries[index]
        if entry.term in UNITS and re.search(r"\d[\s-]?$", text[max(0, m.start() - 2) : m.start()]):
            continue  # "100 km/h": the unit pass says it with its number ("a 100-kilometre...")
        spoken = without_marks(entry.spoken)
        if "s" in m.re.groupindex and m.group("s"):
            spoken += "'s"
        if entry.term.endswith(".") and ends_text(m):
            spoken += "."
        out += [text[done : m.start()], shelf.put(f" {dot_letters(spoken)} ")]
        done = m.end()
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)

