"""Number words, sentence splitting, and properties of normalize() for any text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiodigest.script.lexicon import Lexicon, default_lexicon
from audiodigest.script.normalize import (
    cardinal,
    decimal_words,
    normalize,
    ordinal,
    split_sentences,
    written_form,
    year_words,
)

# --- number words: checked by reading them back -------------------------------------------

_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SMALL = {w: i for i, w in enumerate(_UNITS)} | {w: 10 * (i + 2) for i, w in enumerate(_TENS)}
_SCALE = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
          "quadrillion": 10**15}


def words_to_int(words: str) -> int:
    """An independent reader of English cardinals, to check cardinal() round-trips."""
    sign = 1
    tokens = words.replace("-", " ").split()
    if tokens[0] == "minus":
        sign, tokens = -1, tokens[1:]
    total = group = 0
    for token in tokens:
        if token in _SMALL:
            group += _SMALL[token]
        elif token == "hundred":
            group *= 100
        else:
            total += group * _SCALE[token]
            group = 0
    return sign * (total + group)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_cardinal_reads_back_to_the_same_number(n: int) -> None:
    words = cardinal(n)
    assert words_to_int(words) == n
    assert re.fullmatch(r"[a-z -]+", words)
    assert " and " not in f" {words} "  # American style, no "one hundred and one"


@pytest.mark.parametrize(("n", "expected"), [
    (0, "zero"), (13, "thirteen"), (40, "forty"), (99, "ninety-nine"), (100, "one hundred"),
    (101, "one hundred one"), (1000, "one thousand"), (1001, "one thousand one"),
    (12_000, "twelve thousand"), (10**6, "one million"), (10**15, "one quadrillion"),
    (-7, "minus seven"),
])
def test_cardinal_examples(n: int, expected: str) -> None:
    assert cardinal(n) == expected


@pytest.mark.parametrize(("n", "expected"), [
    (1, "first"), (2, "second"), (3, "third"), (4, "fourth"), (5, "fifth"), (8, "eighth"),
    (9, "ninth"), (12, "twelfth"), (20, "twentieth"), (21, "twenty-first"),
    (22, "twenty-second"), (100, "one hundredth"), (101, "one hundred first"),
])
def test_ordinal_examples(n: int, expected: str) -> None:
    assert ordinal(n) == expected


@pytest.mark.parametrize(("n", "expected"), [
    (1999, "nineteen ninety-nine"), (2026, "twenty twenty-six"), (2000, "two thousand"),
    (2009, "two thousand nine"), (2010, "twenty ten"), (1905, "nineteen oh five"),
    (1100, "eleven hundred"), (2099, "twenty ninety-nine"),
])
def test_year_examples(n: int, expected: str) -> None:
    assert year_words(n) == expected


@given(st.integers(min_value=0, max_value=10**12), st.text("0123456789", min_size=1,
                                                             max_size=6))
def test_decimals_read_the_fraction_digit_by_digit(whole: int, frac: str) -> None:
    words = decimal_words(f"{whole}.{frac}")
    head, _, tail = words.partition(" point ")
    assert words_to_int(head) == whole
    assert len(tail.split()) == len(frac)


# --- sentence splitting ---------------------------------------------------------------------

SPLITS = [
    ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
    ("Dr. Smith arrived. He sat.", ["Dr. Smith arrived.", "He sat."]),
    ("Use tools, e.g. Piper. Then stop.", ["Use tools, e.g. Piper.", "Then stop."]),
    ("The U.S. market grew. The U.S. Senate met.",
     ["The U.S. market grew.", "The U.S. Senate met."]),
    ("Growth in the U.S. The rest fell.", ["Growth in the U.S.", "The rest fell."]),
    ("It is v2.3 now. Good.", ["It is v2.3 now.", "Good."]),
    ("The 1.7B model won. GPT-5.1 lost.", ["The 1.7B model won.", "GPT-5.1 lost."]),
    ("Pi is 3.14 and e is 2.72. Fine.", ["Pi is 3.14 and e is 2.72.", "Fine."]),
    ("Wait... it works. Yes.", ["Wait... it works.", "Yes."]),
    ("He paused... Then he spoke.", ["He paused...", "Then he spoke."]),
    ("See https://example.com/a.b?x=1. Then go.", ["See https://example.com/a.b?x=1.",
                                                   "Then go."]),
    ("Mail a.b@example.com. Done.", ["Mail a.b@example.com.", "Done."]),
    ("Say {U.S.|U S}. Then {Dr. X|Doctor X} spoke.",
     ["Say {U.S.|U S}.", "Then {Dr. X|Doctor X} spoke."]),
    ("John F. Kennedy spoke. It ended.", ["John F. Kennedy spoke.", "It ended."]),
    ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
    ("Apples, pears etc. The end.", ["Apples, pears etc.", "The end."]),
    ("Sales etc. were up.", ["Sales etc. were up."]),
    ("Released in Nov. 2026 by Acme Inc. It sold.",
     ["Released in Nov. 2026 by Acme Inc.", "It sold."]),
    ("Lines\nwrap here. Next one.", ["Lines wrap here.", "Next one."]),
    ("First paragraph\n\nsecond paragraph", ["First paragraph", "second paragraph"]),
    ("", []),
    ("   ", []),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_a_very_long_sentence_is_cut_at_semicolons_then_commas() -> None:
    clause = "the model improved on every benchmark we tried, by a wide margin"
    text = "; ".join([clause] * 12) + "."
    pieces = split_sentences(text)
    assert len(pieces) > 1
    assert all(len(p) <= 400 for p in pieces)
    assert " ".join(pieces) == text
    assert pieces[0].endswith(";")
    commas = ", ".join(["alpha beta gamma delta epsilon"] * 30) + "."
    pieces = split_sentences(commas)
    assert all(len(p) <= 400 for p in pieces) and len(pieces) > 1
    assert " ".join(pieces) == commas


# Private-use characters are documented as removed; everything else must survive a split.
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Co")), max_size=300)
_WORDY = st.lists(st.sampled_from([
    "Dr.", "e.g.", "U.S.", "v2.3", "1.7B", "GPT-5.1", "3.14", "...", "word", "Word.", "The",
    "It!", "ok?", "https://x.io/a.b", "a@b.co", "{A.B|a b}", ";", ",", "\n\n", "etc.",
]), max_size=60).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_TEXT, _WORDY))
def test_splitting_keeps_every_character(text: str) -> None:
    pieces = split_sentences(text)
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())
    assert all(p == p.strip() and p for p in pieces)


# --- properties of normalize -----------------------------------------------------------------

_ALLOWED = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f .,;:!?'-]*")
_SPICY = st.lists(st.sampled_from([
    "12%", "$1.5", "€20", "£3.50", "1–3%", "2020-2024", "1.84×", "3x", "3+", "1/2", "1st",
    "2026", "2000s", "9:30", "am", "2026-11-27", "120B-parameter", "512K", "GPT-5.1", "Qwen3-30B",
    "H200", "v2.3", "RLHF", "GPUs", "DelTA", "&", "/", "→", "—", "…", "“q”", "😀", "#1", "@u",
    "°C", "x@y.com", "https://a.b/c", "{A|b}", "{", "|", "}", "-", "-5", "0.5", ",", ".", "C++",
    "10^18", "~", "<", ">", "=", "±", "§", "'", '"', "()", "[]", "α", "中文", "\u0301",
]), max_size=40).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_TEXT, _SPICY))
def test_normalize_never_raises_and_says_only_letters(text: str) -> None:
    for lexicon in (Lexicon(), default_lexicon()):
        out = normalize(text, lexicon)
        assert _ALLOWED.fullmatch(out), out
        assert not re.search(r"\d", out)
        assert out == out.strip() and "  " not in out


def test_normalize_is_pure_and_idempotent_on_plain_words() -> None:
    text = "The quick brown fox jumps over the lazy dog."
    assert normalize(text, default_lexicon()) == text
    assert normalize(text, default_lexicon()) == normalize(text, default_lexicon())


def test_hint_is_spoken_as_written_by_the_editor() -> None:
    # The hint's spoken form is not touched by the lexicon ("Qwen" -> "Kwen" would apply).
    out = normalize("The {Qwen3|Qwen three} model", default_lexicon())
    assert out == "The Qwen three model"
    assert written_form("The {Qwen3|Qwen three} model") == "The Qwen3 model"


@pytest.mark.parametrize("module", ["audiodigest.script.hints", "audiodigest.script.normalize.numbers",
                                    "audiodigest.script.normalize.passes",
                                    "audiodigest.script.normalize.sentences",
                                    "audiodigest.script.normalize.words"])
def test_module_examples_hold(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


# --- what espeak-ng (Piper's phonemiser) makes of the output ---------------------------------

_DOT = "dˈɑːt"  # espeak's "dot"


@pytest.fixture(scope="module")
def phonemes():
    from piper.phonemize_espeak import EspeakPhonemizer

    phonemizer = EspeakPhonemizer()
    return lambda text: " ".join("".join(s) for s in phonemizer.phonemize("en-us", text))


@pytest.mark.parametrize("text", ["The A.I's answer.", "The EU's rules.", "Many GPUs.",
                                  "OpenAI's model.", "The MoE's experts.", "The U.S.'s LLMs."])
def test_spelled_letters_with_a_possessive_are_not_read_with_dot(phonemes, text: str) -> None:
    spoken = normalize(text, default_lexicon())
    assert _DOT not in phonemes(spoken), spoken
    assert "dot" not in spoken


def test_a_slash_between_acronyms_keeps_them_apart(phonemes) -> None:
    spoken = normalize("The RLHF/DPO stage.", default_lexicon())
    assert phonemes(spoken) != phonemes("The R.L.H.F.D.P.O stage.")
    assert "slash" in spoken
