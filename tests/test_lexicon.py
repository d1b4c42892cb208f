"""The pronunciation lexicon: file format, precedence, options, errors, fingerprint."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiodigest.errors import ConfigError
from audiodigest.script.lexicon import Lexicon, LexiconEntry, default_lexicon, load_lexicon
from audiodigest.script.normalize import normalize


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
    assert normalize("TPUs and TPU's", lexicon) == "T.P.U's and T.P.U's"


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
    with pytest.raises(ConfigError, match="cannot read"):
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
