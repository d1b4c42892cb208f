"""The pronunciation lexicon: file format, precedence, options, errors, fingerprint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiodigest.errors import ConfigError
from audiodigest.script.lexicon import Lexicon, LexiconEntry, default_lexicon, load_lexicon
from audiodigest.script.normalize import normalize
from audiodigest.script.normalize.lexicon_pass import lexicon_matcher, term_pattern
from audiodigest.script.termmatch import fold_char


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_or_no_show_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_lexicon(None) == default_lexicon()
    assert load_lexicon(tmp_path / "lexicon.toml") == default_lexicon()
    assert len(default_lexicon()) > 50


def test_show_entries_win_over_defaults_and_inline_hints_win_over_both(tmp_path: Path) -> None:
    show = load_lexicon(write(tmp_path, "lexicon.toml", '[terms]\nQwen = "Chwen"\n'))
    assert normalize("Qwen is here", default_lexicon()) == "Kwen is here"
    assert normalize("Qwen is here", show) == "Chwen is here"
    assert normalize("{Qwen|Tchwen} is here", show) == "Tchwen is here"
    # The show's entry replaces the default one, whatever case the show wrote it in.
    lower = load_lexicon(write(tmp_path, "lower.toml", '[terms]\nqwen = "Chwen"\n'))
    assert normalize("Qwen3 rocks", lower) == "Chwen three rocks"
    assert sum(1 for e in lower.entries if e.key == "qwen") == 1


def test_long_form_with_options_and_the_defaults_for_them(tmp_path: Path) -> None:
    lexicon = load_lexicon(write(tmp_path, "lexicon.toml", """
[terms]
RLHF = "R L H F"
Kube = "koob"

[terms.nginx]
spoken = "engine x"
case_sensitive = true

[terms.tensor]
spoken = "tenser"
whole_word = false
"""))
    entries = {e.term: e for e in lexicon.entries}
    assert entries["RLHF"].case_sensitive is True  # all capitals: case-sensitive by default
    assert entries["Kube"].case_sensitive is False
    assert entries["Kube"].whole_word is True
    # case_sensitive: only the exact spelling matches.
    assert normalize("nginx and Nginx", lexicon) == "engine x and Nginx"
    # case-insensitive by default for a non-capital term.
    assert normalize("KUBE and kube", lexicon) == "koob and koob"
    # all-caps terms are case-sensitive: "rlhf" is left alone.
    assert normalize("RLHF and rlhf", lexicon) == "R.L.H.F and rlhf"
    # whole_word = false matches inside words; whole-word terms do not.
    assert normalize("TensorFlow and Kubernetes", lexicon) == "tenser Flow and Kubernetes"
    assert entries["tensor"].whole_word is False


def test_whole_word_lets_digits_touch_letters_but_not_digits(tmp_path: Path) -> None:
    lexicon = load_lexicon(write(tmp_path, "l.toml", '[terms]\n"GPT-4" = "G P T four"\n'
                                                     'Zeta = "zay-ta"\n'))
    assert normalize("GPT-4 and GPT-40", lexicon) == "G.P.T four and G.P.T forty"
    assert normalize("Zeta2 and Zetas", lexicon) == "zay-ta two and Zetas"


def test_plural_of_an_all_caps_term(tmp_path: Path) -> None:
    lexicon = load_lexicon(write(tmp_path, "l.toml", '[terms]\nTPU = "T P U"\n'))
    assert normalize("TPUs and TPU's", lexicon) == "T-P-U's and T-P-U's"


def test_yaml_lexicon_keeps_every_key_as_text(tmp_path: Path) -> None:
    path = write(tmp_path, "lexicon.yaml", """
terms:
  NO: "N O"            # would be the boolean False in plain YAML
  Qwen: Chwen
  nginx:
    spoken: engine x
    case_sensitive: yes
""")
    lexicon = load_lexicon(path)
    entries = {e.term: e for e in lexicon.entries}
    assert entries["NO"].spoken == "N O"
    assert entries["nginx"].case_sensitive is True
    assert normalize("Qwen and NO", lexicon) == "Chwen and N.O"


@pytest.mark.parametrize(("name", "text", "line", "words"), [
    ("lexicon.toml", '[terms]\nQwen = "Kwen"\nbad = \n', 3, "not valid TOML"),
    ("lexicon.toml", '[terms]\nQwen = "Kwen"\nRLHF = 3\n', 3, "'RLHF'"),
    ("lexicon.toml", '[terms]\nQwen = ""\n', 2, "non-empty spoken"),
    ("lexicon.toml", '[terms.nginx]\nspoken = "x"\ncase = true\n', 1, "unknown key 'case'"),
    ("lexicon.toml", '[terms.nginx]\nspoken = "x"\nwhole_word = "maybe"\n', 1, "true or false"),
    ("lexicon.toml", 'words = 1\n', 1, "unknown key 'words'"),
    ("lexicon.yaml", "terms:\n  Qwen: [a, b]\n", 2, "'Qwen'"),
    ("lexicon.yaml", "terms:\n  Qwen: \"Kwen\n  x: y\n", None, "not valid YAML"),
    ("lexicon.yml", "- a\n- b\n", None, "table"),
    ("lexicon.json", "{}", None, ".toml, .yaml or .yml"),
])
def test_a_bad_file_is_one_line_naming_the_file(tmp_path: Path, name: str, text: str,
                                                 line: int | None, words: str) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(ConfigError) as caught:
        load_lexicon(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert words in message
    if line is not None:
        assert caught.value.line == line
        assert message.startswith(f"{path}:{line}: ")


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.toml"
    path.write_bytes(b"[terms]\nQwen = \"\xff\"\n")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_lexicon(path)
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    with pytest.raises(ConfigError, match="the lexicon: a folder, not a regular file"):
        load_lexicon(folder)


def test_fingerprint_is_stable_and_notices_changes(tmp_path: Path) -> None:
    a = load_lexicon(write(tmp_path, "a.toml", '[terms]\nQwen = "Chwen"\nZed = "zed"\n'))
    b = load_lexicon(write(tmp_path, "b.toml", '[terms]\nZed = "zed"\nQwen = "Chwen"\n'))
    c = load_lexicon(write(tmp_path, "c.toml", '[terms]\nQwen = "Kwen"\nZed = "zed"\n'))
    d = load_lexicon(write(tmp_path, "d.toml", '[terms.Qwen]\nspoken = "Chwen"\n'
                                               'case_sensitive = true\n[terms.Zed]\nspoken = "zed"\n'))
    assert a.fingerprint() == b.fingerprint()  # order in the file does not matter
    assert len({a.fingerprint(), c.fingerprint(), d.fingerprint(),
                default_lexicon().fingerprint()}) == 4
    assert default_lexicon().fingerprint() == load_lexicon(None).fingerprint()
    assert len(a.fingerprint()) == 64


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=12).map(str.strip).filter(bool),
                       st.text(min_size=1, max_size=20).filter(str.strip), max_size=6),
       st.text(max_size=80))
def test_any_lexicon_and_text_give_speakable_output(terms: dict[str, str], text: str) -> None:
    entries = tuple(LexiconEntry(term, spoken, case_sensitive=False) for term, spoken
                    in terms.items())
    out = normalize(text, default_lexicon().merged(Lexicon(entries)))
    assert not any(ch.isdigit() for ch in out)
    assert not set(out) & set("%&×→#@$€£/\\{}[]()<>=+*_|~^\"")


# --- the matcher: the semantics of one big alternation, without its cost ------------------


def _alternation_spans(lexicon: Lexicon, text: str) -> list[tuple[int, int, int]]:
    """(entry, start, end) of each match of one alternation of every term, longest first:
    how the lexicon was matched before the automaton, kept here as the reference."""
    order = sorted(range(len(lexicon.entries)), key=lambda i: -len(lexicon.entries[i].term))
    if not order:
        return []
    pattern = re.compile("|".join(
        f"(?P<t{i}>{term_pattern(lexicon.entries[i]).replace('(?P<s>', '(?:')})" for i in order))
    return [(int((m.lastgroup or "t0")[1:]), m.start(), m.end()) for m in pattern.finditer(text)]


def _matcher_spans(lexicon: Lexicon, text: str) -> list[tuple[int, int, int]]:
    return [(i, m.start(), m.end()) for i, m in lexicon_matcher(lexicon).finditer(text)]


# Letters whose case forms re treats as equal in unexpected ways, plus boundary characters.
_TRICKY = "iIıİsSſσςΣkKKßẞµμΜθϑΘϴåÅÅωΩΩΐΐﬅﬆaAbB'-. 0123"
_term = st.text(alphabet=_TRICKY, min_size=1, max_size=5).map(str.strip).filter(bool)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_term, st.booleans(), st.booleans()), min_size=1, max_size=8),
       st.data())
def test_the_matcher_finds_what_one_alternation_of_the_terms_finds(
        terms: list[tuple[str, bool, bool]], data: st.DataObject) -> None:
    lexicon = Lexicon(tuple(LexiconEntry(term, "x", case, whole)
                            for term, case, whole in terms))
    # A text mostly made of the terms (in other cases too) and boundary characters.
    written = [t for t, _, _ in terms]
    piece = st.one_of(st.sampled_from(written), st.sampled_from(written).map(str.swapcase),
                      st.sampled_from(written).map(str.upper), st.text(_TRICKY, max_size=2))
    text = "".join(data.draw(st.lists(piece, max_size=10)))
    assert _matcher_spans(lexicon, text) == _alternation_spans(lexicon, text)


def test_folding_joins_every_pair_of_letters_re_matches_ignoring_case() -> None:
    groups = ["iIıİ", "sSſ", "σςΣ", "kKK", "ßẞ", "µμΜ", "θϑΘϴ", "åÅÅ", "ωΩΩ", "ΐΐ", "ΰΰ", "ﬅﬆ"]
    for group in groups:
        for a in group:
            for b in group:
                if re.fullmatch(f"(?i:{re.escape(a)})", b):
                    assert fold_char(a) == fold_char(b), (a, b)


def _name(n: int) -> str:
    """Four letters for ``n`` (base 26): the code of a generated term."""
    letters = ""
    for _ in range(4):
        n, digit = divmod(n, 26)
        letters += chr(ord("a") + digit)
    return letters


def test_twenty_thousand_terms_are_all_found_with_their_rules(tmp_path: Path) -> None:
    """A big show lexicon, read from its file: every rule still holds for every kind of term."""
    lines = ["[terms]", 'Qwen = "Chwen"']  # a show entry over the default "Kwen"
    for n in range(19_800):
        lines.append(f'Qu{_name(n)} = "cue {_name(n)}"')  # Quxxxx: matches in any case
    for n in range(190):
        lines.append(f'ZX{_name(n).upper()} = "zix {_name(n)}"')  # capitals: exact, plurals
    for n in range(0, 18, 2):  # two-word terms that start with a one-word term: longest wins
        lines.append(f'"Qu{_name(n)} Qu{_name(n + 1)}" = "pair {_name(n)}"')
    path = write(tmp_path, "lexicon.toml", "\n".join(lines) + "\n")
    lexicon = load_lexicon(path)
    assert len(lexicon) >= 20_000

    said, expected = [], []
    for n in range(1, 19_800, 397):
        said.append(f"QU{_name(n).upper()} met qu{_name(n)} and Qu{_name(n)}x.")
        expected.append(f"cue {_name(n)} met cue {_name(n)} and Qu{_name(n)}x.")
    for n in range(3, 190, 37):
        said.append(f"The ZX{_name(n).upper()}s beat zx{_name(n)}.")
        expected.append(f"The zix {_name(n)}'s beat zx{_name(n)}.")
    said.append(f"Qu{_name(4)} Qu{_name(5)} then Qu{_name(5)} Qu{_name(6)}, and Qwen.")
    expected.append(f"pair {_name(4)} then cue {_name(5)} cue {_name(6)}, and Chwen.")
    said.append(f"{{Qu{_name(7)}|hinted}} wins over Qu{_name(7)}.")
    expected.append(f"hinted wins over cue {_name(7)}.")
    for text, want in zip(said, expected, strict=True):
        assert normalize(text, lexicon) == want


def test_a_private_use_character_in_a_spoken_form_is_dropped_not_a_crash() -> None:
    # Found by the property test above: the shelf took U+F0001 for one of its own pieces.
    entry = LexiconEntry("0", "\U000f0001", case_sensitive=False)
    assert normalize("0 and 1", default_lexicon().merged(Lexicon((entry,)))) == "and one"
