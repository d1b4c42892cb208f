"""One reader of ``{written|spoken}`` hints: the script parser, the normaliser, the sentence
splitter and the written form all see the same hints in the same text."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiodigest.errors import ScriptError
from audiodigest.models import Paragraph, Script, ScriptChapter, Sentence
from audiodigest.script.format import plain_text
from audiodigest.script.hints import Hint, hint_spans, inline_parts, written_form
from audiodigest.script.lexicon import default_lexicon
from audiodigest.script.normalize import normalize, split_sentences
from audiodigest.script.spoken import plan_spoken

# Escaped bars and braces inside and around hints: the old regular expression in the normaliser
# read these differently from the script parser.
TRICKY = [
    r"Say {d\|e|f} now.",
    r"Braces \{a|b\} stay.",
    r"A {C\+\+|see plus plus} and {x\}y|ex why} pair.",
    r"Back\\slash {RLHF|R L H F} here.",
]


def _spoken(text: str) -> str:
    script = Script(title="T", date=date(2026, 11, 27), chapters=(ScriptChapter("C", (Paragraph(text),)),))
    items = plan_spoken(script, default_lexicon())[0].items
    return " ".join(item.spoken for item in items if isinstance(item, Sentence))


@pytest.mark.parametrize("text", TRICKY)
def test_every_reader_sees_the_same_hints(text: str) -> None:
    assert normalize(text, default_lexicon()) == _spoken(text)
    assert written_form(text) == plain_text(text)
    assert " ".join(split_sentences(text)) == " ".join(text.split())


def test_a_hint_with_an_escaped_bar_is_one_hint() -> None:
    assert inline_parts(r"{d\|e|f}") == (Hint("d|e", "f"),)
    assert normalize(r"Say {d\|e|f} now.", default_lexicon()) == "Say f now."
    assert normalize(r"Braces \{a|b\} stay.", default_lexicon()) == "Braces, a, b, stay."


@pytest.mark.parametrize("text", ["a {b", "a {b|c|d} e", "x } y", "{|a}", "{a|}", "{a{b|c}}", "end\\"])
def test_lenient_reading_keeps_bad_markup_as_text(text: str) -> None:
    with pytest.raises(ScriptError):
        plain_text(text)
    parts = inline_parts(text, strict=False)
    literal = "".join(p if isinstance(p, str) else "" for p in parts)
    assert all(ch in text for ch in literal)
    assert normalize(text, default_lexicon()) is not None


_MARKUP = st.lists(st.sampled_from(["{", "}", "|", "\\", "a", "B c", " ", "{x|y}", "\\{", "\\|"]),
                   max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(_MARKUP)
def test_strict_and_lenient_agree_wherever_the_markup_is_valid(text: str) -> None:
    lenient = inline_parts(text, strict=False)
    try:
        strict = inline_parts(text)
    except Exception:
        return
    assert lenient == strict
    assert [h for _, _, h in hint_spans(text)] == [p for p in strict if isinstance(p, Hint)]
