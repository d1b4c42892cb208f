"""The pass pipeline: raw text and a lexicon in, the text the speech engine reads out.

The passes run in a fixed order, most specific first. Each pass *shelves* what it produced (the
piece is swapped for one private-use character and put back at the end), so a later, more
general pass never re-reads finished speech: "$1.5 billion" is spoken once as money and never
again as a decimal. In order: inline hints ``{written|spoken}`` (the spoken form is used as
written), URLs and e-mail addresses, the lexicon, dates, times, money, percentages, decades,
ordinals, versions, model sizes, units, multipliers, fractions, ranges, dotted initialisms,
product names (``Qwen3-30B``), plain numbers, symbols, and finally capitals and mixed-case words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from audiodigest.script.hints import Hint, inline_parts
from audiodigest.script.lexicon import Lexicon
from audiodigest.script.normalize.chars import (
    HINT,
    HINT_BASE,
    LET,
    SHELF,
    Shelf,
    cleanup,
    without_marks,
)
from audiodigest.script.normalize.chars import keep_final_dot as _keep_final_dot
from audiodigest.script.normalize.dates import DATE_PASSES
from audiodigest.script.normalize.lexicon_pass import apply_lexicon
from audiodigest.script.normalize.numbers import decimal_words
from audiodigest.script.normalize.units import EARLY, NUMBER_PASSES, PLAIN, plain_number, symbols
from audiodigest.script.normalize.urls import speak_urls
from audiodigest.script.normalize.words import (
    COMPOUND,
    INITIALISM,
    WORD,
    dot_letters,
    is_shouting,
    speak_compound,
    speak_word,
    spell,
)

_PASSES = DATE_PASSES + NUMBER_PASSES
_ALLOWED = re.compile(f"[^{LET} .,;:!?'-]")
_PRIVATE = re.compile(f"[{SHELF}{HINT}]")


def _strongest_stop(m: re.Match[str]) -> str:
    """A run of punctuation becomes one mark: the sentence end it starts with ("Hello. ... !!!"
    stays "Hello.", a statement, not "Hello!"), else its strongest mark (", !" -> "!")."""
    if m.group()[0] in ".?!":
        return m.group()[0]
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
    # A possessive or plural of spelled letters is hyphenated: espeak reads "A.I's" and
    # "G.P.U's" as "A dot I's", "G P dot U's", "A.I.'s" as the letters and a lone "z", but
    # "A-I's" and "G-P-U's" as the letters with the "z" on the last one.
    text = re.sub(r"(?<![A-Za-z.])((?:[A-Z]\.)+[A-Z])'s\b",
                  lambda m: m.group(1).replace(".", "-") + "'s", text)
    return text.lstrip(".,;:!? ").strip()


def _shelved(
    speak: Callable[[re.Match[str]], str], shelf: Shelf
) -> Callable[[re.Match[str]], str]:
    return lambda m: shelf.put(f" {speak(m)} ")


def normalize_marked(text: str, lexicon: Lexicon, hints: Mapping[str, str]) -> str:
    """Normalise text in which each inline hint stands as one character keyed in ``hints``."""
    shelf = Shelf()
    text = cleanup(text, keep_hints=bool(hints))
    text = re.sub(f"[{HINT}]", lambda m: shelf.put(f" {dot_letters(without_marks(hints.get(m.group(), '')))} "),
                  text)
    text = speak_urls(text, shelf, lambda word: normalize_marked(word, lexicon, {}))
    text = apply_lexicon(text, lexicon, shelf)
    for early, repl in EARLY:
        text = early.sub(repl, text)
    for pattern, speak in _PASSES:
        text = pattern.sub(_shelved(speak, shelf), text)
    text = INITIALISM.sub(
        lambda m: shelf.put(f" {_keep_final_dot(m, spell(m.group(1).replace('.', '')))} "), text
    )
    text = COMPOUND.sub(lambda m: shelf.put(speak_compound(m.group(0), lexicon)), text)
    text = PLAIN.sub(lambda m: shelf.put(f" {plain_number(m, shelf)} "), text)
    text = symbols(text)
    # A headline in capitals ("SAY IT LOUD") is words, not acronyms; the lexicon still applies.
    shouting = is_shouting(text)
    text = WORD.sub(lambda m: speak_word(m.group(0), lexicon, shouting=shouting), text)
    return _finish(shelf.restore(text))


def mark_hints(parts: tuple[str | Hint, ...]) -> tuple[str, list[Hint]]:
    """Inline parts as one text in which hint ``i`` stands as the character ``HINT_BASE + i``.

    Private-use characters in the literal runs are removed: they would read as shelf or hint
    marks. Past 65,533 hints, a hint is kept as its spoken form.
    """
    hints: list[Hint] = []
    marked: list[str] = []
    for part in parts:
        if isinstance(part, Hint) and len(hints) < 0xFFFD:
            marked.append(chr(HINT_BASE + len(hints)))
            hints.append(part)
        elif isinstance(part, Hint):
            marked.append(part.spoken)
        else:
            marked.append(_PRIVATE.sub("", part))
    return "".join(marked), hints


def normalize(text: str, lexicon: Lexicon) -> str:
    """The text the speech engine reads for ``text``. Pure; never raises for any string.

    ``text`` is read as a paragraph of script text (script.hints): inline hints
    ``{written|spoken}`` are replaced by their spoken form, which is protected from every other
    rule (only digits and unreadable characters in it are still converted); a backslash makes
    the next character literal; bad markup is read as written.

    >>> normalize("GPT-5.1 costs $1.5 billion, up 12% in 2024.", Lexicon())
    'G.P.T five point one costs one point five billion dollars, up twelve percent in twenty twenty-four.'
    """
    marked, hints = mark_hints(inline_parts(text, strict=False))
    keys = {chr(HINT_BASE + i): hint.spoken for i, hint in enumerate(hints)}
    return normalize_marked(marked, lexicon, keys)
