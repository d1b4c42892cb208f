"""Speech normalisation: turn the editor's words into the text a speech engine reads well.

:func:`normalize` is pure: text and a :class:`~audiodigest.script.lexicon.Lexicon` in, engine
text out. Its output contains only Latin letters, spaces and ``. , ; : ! ? ' -`` -- no digits
and no symbols a voice reads badly (``%``, ``&``, ``×``, ``→``, emoji). The transcript keeps the
editor's words; only the engine sees this text.

The modules, in the order a text meets them: ``chars`` (character classes, the shelf, clean-up),
``urls``, ``lexicon_pass``, ``dates``, ``units`` (money, units, numbers in context, symbols),
``words`` (capitals, initialisms, product names), all run by ``passes``; ``numbers`` says the
number words; ``sentences`` cuts text into sentences. Word lists live in ``data/``.
"""

from audiodigest.script.hints import written_form
from audiodigest.script.normalize.chars import HINT, HINT_BASE, SHELF
from audiodigest.script.normalize.numbers import (
    MONTHS,
    cardinal,
    decimal_words,
    digit_words,
    ordinal,
    version_words,
    year_words,
)
from audiodigest.script.normalize.passes import mark_hints, normalize, normalize_marked
from audiodigest.script.normalize.sentences import MAX_SENTENCE, split_marked, split_sentences
from audiodigest.script.normalize.words import dot_letters

__all__ = [
    "HINT",
    "HINT_BASE",
    "MAX_SENTENCE",
    "MONTHS",
    "SHELF",
    "cardinal",
    "decimal_words",
    "digit_words",
    "dot_letters",
    "mark_hints",
    "normalize",
    "normalize_marked",
    "ordinal",
    "split_marked",
    "split_sentences",
    "version_words",
    "written_form",
    "year_words",
]
