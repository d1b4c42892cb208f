"""The script file format: data-driven good/bad files, round trips (hypothesis), inline markup."""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiodigest.errors import ScriptError
from audiodigest.models import Paragraph, Pause, Script, ScriptChapter
from audiodigest.script.format import (
    Hint,
    canonical_script,
    escape_text,
    inline_parts,
    parse_body,
    parse_script,
    plain_text,
    update_script,
    write_script,
)

DATA = Path(__file__).parent / "data" / "scripts"
BAD = sorted((DATA / "bad").glob("*.md"))
GOOD = sorted((DATA / "good").glob("*.md"))
MESSY = sorted(p for p in (DATA / "normalise").glob("*.md") if not p.name.endswith(".canonical.md"))

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- data-driven files ----------------------------------------------------------------------


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_script_names_file_line_column_and_what_was_expected(path: Path) -> None:
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    with pytest.raises(ScriptError) as info:
        parse_script(path.read_text(encoding="utf-8"), path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    for fragment in expected:
        assert fragment in message


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_canonical_file_round_trips_byte_for_byte(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    script = parse_script(text, path)
    assert write_script(script) == text
    assert parse_script(write_script(script)) == script


@pytest.mark.parametrize("path", MESSY, ids=lambda p: p.stem)
def test_hand_edited_file_is_read_and_rewritten_canonically(path: Path) -> None:
    expected = path.with_name(path.stem + ".canonical.md").read_text(encoding="utf-8")
    script = parse_script(path.read_bytes().decode("utf-8"), path)
    assert write_script(script) == expected
    assert parse_script(expected) == script


def test_example_file_reads_into_the_expected_script() -> None:
    script = parse_script((DATA / "good" / "compute-brief.md").read_text(encoding="utf-8"))
    assert script.title == "The Compute Brief — 27 November 2026"
    assert script.date == date(2026, 11, 27)
    assert script.episode == 3
    assert script.meta == (("generated", "9f2c0d"), ("digest", "41aa"), ("producer", "Ana"))
    intro, story, outro = script.chapters
    assert intro.title == "Introduction" and intro.url is None and intro.article_id is None
    assert intro.blocks[1] == Pause(1.0)
    assert story == ScriptChapter(
        title="Qwen3-30B tops the leaderboard",
        url="https://example.com/a",
        article_id="example.com/a",
        blocks=(
            Paragraph("Alibaba's {Qwen3-30B|Kwen three thirty B} model leads the open "
                      "leaderboard this week.", "READER"),
            Paragraph("That's a big jump.", "HOST"),
            Pause(0.25),
        ),
    )
    assert outro.blocks == (Paragraph("That's all for today."),)


def test_escapes_file_keeps_markup_verbatim_and_reads_plainly() -> None:
    script = parse_script((DATA / "good" / "escapes.md").read_text(encoding="utf-8"))
    blocks = script.chapters[0].blocks
    assert plain_text(blocks[0].text).startswith("Templates write {{ 7*7 }} and {% for %}")
    assert [b.speaker for b in blocks if isinstance(b, Paragraph)][-1] == "GUEST_2"
    assert blocks[1] == Paragraph("NOTE: this paragraph starts with a word and a colon.")
    assert blocks[2] == Paragraph("# not a heading")
    assert blocks[3] == Paragraph("[pause 2s] is only a pause on its own line.")
    assert plain_text(blocks[5].text) == "# also not a heading, and a backslash \\ stays."
    assert inline_parts(blocks[6].text)[1:4] == (Hint("C++", "see plus plus"), " and ",
                                                Hint("a|b", "a or b"))
    assert script.chapters[1].blocks == ()
    assert script.chapters[2].blocks == (Pause(0.0), Pause(0.001), Pause(60.0))
    assert script.meta == (("note", ""),)


# --- writer contract ------------------------------------------------------------------------


def _one(block: Paragraph | Pause, **chapter: str | None) -> Script:
    return Script("T", date(2026, 1, 1), (ScriptChapter("C", (block,), **chapter),))


@pytest.mark.parametrize("script, fragment", [
    (Script("  ", date(2026, 1, 1), ()), "title is empty"),
    (_one(Paragraph("x", "host")), "speaker 'host'"),
    (_one(Paragraph("   ")), "paragraph is empty"),
    (_one(Paragraph("a {b")), "expected '|' or '}'"),
    (_one(Pause(61)), "a pause must be 0 to 60 seconds"),
    (_one(Pause(float("nan"))), "a pause must be"),
    (_one(Paragraph("x"), url="has space"), "link"),
    (_one(Paragraph("x"), article_id="a-->b"), "article id"),
    (Script("T", date(2026, 1, 1), (), meta=(("title", "x"),)), "reserved"),
    (Script("T", date(2026, 1, 1), (), meta=(("a b", "x"),)), "front matter key"),
    (Script("T", date(2026, 1, 1), (), meta=(("k", "two\nlines"),)), "single line"),
    (Script("T", date(2026, 1, 1), (), episode=-1), "episode number"),
])
def test_write_refuses_what_the_format_cannot_hold(script: Script, fragment: str) -> None:
    with pytest.raises(ScriptError, match=None) as info:
        write_script(script)
    assert fragment in str(info.value)


def test_writer_tags_host_paragraphs_that_would_read_as_markup() -> None:
    text = write_script(Script("T", date(2026, 1, 1), (ScriptChapter("C", (
        Paragraph("NOTE: x"), Paragraph("# x"), Paragraph("[pause 1s]"), Paragraph("<u>"),
        Paragraph("plain"), Paragraph("Mixed: case is not a tag"),
    )),)))
    body = text.split("# C\n", 1)[1].split("\n\n")
    assert [line.strip() for line in body if line.strip()] == [
        "HOST: NOTE: x", "HOST: # x", "HOST: [pause 1s]", "HOST: <u>", "plain",
        "Mixed: case is not a tag",
    ]


# --- hypothesis: round trips both ways, and any text -------------------------------------------

_WORD = st.text(alphabet=string.ascii_letters + string.digits + "éß—’.,!?;:'\"()*&%$#@+=<>[]-/",
                min_size=1, max_size=8)
_SPACE = st.sampled_from([" ", "  ", "\t", "\n", " \u2028 ", "\u00a0"])
_ESC = st.sampled_from(["\\{", "\\}", "\\|", "\\\\", "\\#", "\\N"])
_HINT = st.builds(lambda w, s: "{" + w + "|" + s + "}", _WORD, _WORD).filter(
    lambda h: "{" not in h[1:-1] and "}" not in h[1:-1] and h.count("|") == 1
    and "\\" not in h)


@st.composite
def _text(draw: st.DrawFn) -> str:
    """Paragraph text in inline markup: words, hints, escapes, any whitespace between."""
    pieces = draw(st.lists(st.one_of(_WORD, _HINT, _ESC), min_size=1, max_size=8))
    out = []
    for piece in pieces:
        out += [piece, draw(_SPACE)]
    text = "".join(out)
    # A stray brace or backslash from _WORD would not be valid markup; drop those texts.
    try:
        inline_parts(" ".join(text.split()))
    except ScriptError:
        return "plain words"
    return text if text.split() else "x"


_SPEAKER = st.sampled_from(["HOST", "HOST", "READER", "GUEST_2", "A", "Q1"])
_PARAGRAPH = st.builds(Paragraph, _text(), _SPEAKER)
_PAUSE = st.builds(Pause, st.floats(min_value=0, max_value=60, allow_nan=False))
_LINE = st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
                max_size=20)
_TITLE = _LINE.filter(lambda t: t.split())
_URL = st.text(alphabet=string.ascii_letters + string.digits + ":/?#&=.-_%~", min_size=1,
               max_size=30)
_ID = _LINE.filter(lambda t: t.strip() and "-->" not in t)
# Keys the format checks (season, episode_type, guests) get values of their own below.
_KEY = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,8}", fullmatch=True).filter(
    lambda k: k not in ("title", "date", "episode", "season", "episode_type", "guests"))
_FEED_META = st.fixed_dictionaries({}, optional={
    "season": st.integers(min_value=1, max_value=10**9 - 1).map(str),
    "episode_type": st.sampled_from(["full", "trailer", "bonus"]),
    "guests": st.lists(_LINE.filter(lambda t: t.strip() and ";" not in t), max_size=3).map(
        "; ".join),
})
_IMAGE = st.builds("https://{}.example/{}".format,
                   st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8),
                   st.text(alphabet=string.ascii_letters + string.digits + "/?&=.-_%~",
                           max_size=20))
_CHAPTER = st.builds(ScriptChapter, _TITLE,
                     st.lists(st.one_of(_PARAGRAPH, _PAUSE), max_size=5).map(tuple),
                     st.none() | _URL, st.none() | _ID, st.none() | _IMAGE)
_SCRIPT = st.builds(
    Script, _TITLE, st.dates(), st.lists(_CHAPTER, max_size=4).map(tuple),
    st.none() | st.integers(min_value=0, max_value=10**9 - 1),
    st.builds(lambda free, feed: tuple({**free, **feed}.items()),
              st.dictionaries(_KEY, _LINE, max_size=3), _FEED_META),
)


@FAST
@given(_SCRIPT)
def test_parse_of_write_is_the_canonical_script(script: Script) -> None:
    text = write_script(script)
    assert parse_script(text) == canonical_script(script)


@FAST
@given(_SCRIPT)
def test_write_of_parse_is_identity_on_canonical_text(script: Script) -> None:
    text = write_script(script)
    assert write_script(parse_script(text)) == text


_FRAGMENTS = st.sampled_from([
    "---", "title: T", "date: 2026-11-27", "episode: 3", "k: v", "", "", "# Heading", "#",
    "<https://x>", "<!-- id: a -->", "<!-- image: https://x/i.png -->", "<!-- image: x -->",
    "season: 2", "episode_type: bonus", "guests: A; B", "[pause 1s]", "[pause 20ms]", "[pause x]", "HOST: hi",
    "READER:", "{a|b}", "{a", "a}", "\\", "\\{", "text", "  indented", "\t", "\r", "\ufeff---",
])


_LINES = st.lists(st.one_of(_FRAGMENTS, _FRAGMENTS, st.text(max_size=12)), max_size=14).map(
    "\n".join)
_ANY_TEXT = _LINES | st.builds("---\ntitle: T\ndate: 2026-11-27\n---\n# C\n".__add__, _LINES)


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT)
def test_any_text_gives_a_script_or_a_script_error(text: str) -> None:
    try:
        script = parse_script(text, "any.md")
    except ScriptError as exc:
        assert exc.path == "any.md" and exc.line is not None and exc.column is not None
        assert "\n" not in str(exc)
        return
    # Whatever parsed is stable: writing and reading it again gives the same Script.
    assert parse_script(write_script(script)) == script


_DATA_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40) | st.lists(
    st.sampled_from(["{{ 7*7 }}", "{%", "%}", "NOTE:", "#", "[pause 1s]", "<u>", "\\", "|", "\n",
                     "\n\n", " ", "x", "{a|b}"]), max_size=8).map("".join)


@FAST
@given(_DATA_TEXT.filter(lambda t: t.split()))
def test_escaped_data_reads_back_literally_as_one_host_paragraph(data: str) -> None:
    (block,) = parse_body(escape_text(data))
    assert isinstance(block, Paragraph)
    assert block.speaker == "HOST"
    assert plain_text(block.text) == " ".join(data.split())


@pytest.mark.parametrize("text, parts", [
    ("plain", ("plain",)),
    ("{RLHF|R L H F} works", (Hint("RLHF", "R L H F"), " works")),
    ("a \\{b\\} c", ("a {b} c",)),
    ("{ x | y }", (Hint("x", "y"),)),
    ("a | b", ("a | b",)),
])
def test_inline_parts(text: str, parts: tuple[str | Hint, ...]) -> None:
    assert inline_parts(text) == parts


def test_inline_parts_error_names_the_column() -> None:
    with pytest.raises(ScriptError, match="column 7: expected '\\|' or '}'"):
        inline_parts("ab {cd")


def test_module_examples_hold() -> None:
    import doctest

    from audiodigest.script import format as fmt
    from audiodigest.script import speakdate

    for module in (fmt, speakdate):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0


# --- writing a change over a hand-formatted file ---------------------------------------------


def _parses(text: str) -> bool:
    try:
        parse_script(text)
    except ScriptError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT.filter(_parses))
def test_update_with_no_change_gives_the_file_back_byte_for_byte(text: str) -> None:
    assert update_script(text, parse_script(text)) == text


@FAST
@given(_ANY_TEXT.filter(_parses), _SCRIPT)
def test_update_reads_back_as_the_new_script(text: str, script: Script) -> None:
    assert parse_script(update_script(text, script)) == canonical_script(script)


@pytest.mark.parametrize("path", MESSY, ids=lambda p: p.stem)
def test_update_keeps_the_hand_formatting_of_what_did_not_change(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    old = parse_script(text)
    assert update_script(text, old) == text
    if not old.chapters:
        return
    # Drop the first chapter and move the last to the front: every kept chapter's text is
    # still there verbatim, and the file reads as the new order.
    from audiodigest.script.format import _raw_parts

    _head, pieces = _raw_parts(text)
    order = [old.chapters[-1], *old.chapters[1:-1]] if len(old.chapters) > 1 else []
    new = replace(old, chapters=tuple(order))
    updated = update_script(text, new)
    assert parse_script(updated) == canonical_script(new)
    for piece in pieces[1:]:
        assert piece.rstrip("\r\n") in updated


def test_update_writes_an_edited_paragraph_canonically_and_keeps_the_rest() -> None:
    text = ("---\ntitle:   Wrapped   \ndate: 2026-11-27\n---\n\n# One\n\nA paragraph\n"
            "   wrapped by hand.\n\n# Two\n\nREADER: Old words\nhere.\n")
    old = parse_script(text)
    two = replace(old.chapters[1], blocks=(Paragraph("New words.", "GUEST"),))
    updated = update_script(text, replace(old, chapters=(old.chapters[0], two)))
    assert updated == ("---\ntitle:   Wrapped   \ndate: 2026-11-27\n---\n\n# One\n\nA paragraph\n"
                       "   wrapped by hand.\n\n# Two\n\nGUEST: New words.\n")
