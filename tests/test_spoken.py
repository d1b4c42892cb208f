"""The spoken plan: editor's words in Sentence.text, engine text in Sentence.spoken."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from audiodigest.errors import ScriptError
from audiodigest.models import Paragraph, Pause, Script, ScriptChapter, Sentence
from audiodigest.script.lexicon import default_lexicon, load_lexicon
from audiodigest.script.spoken import plan_spoken, spoken_lines


def script(*chapters: ScriptChapter) -> Script:
    return Script(title="The Compute Brief", date=date(2026, 11, 27), chapters=chapters)


def test_sentences_keep_the_editors_words_and_only_spoken_differs() -> None:
    chapter = ScriptChapter(
        title="Qwen3-30B tops the leaderboard",
        url="https://example.com/a",
        article_id="example.com/a",
        blocks=(
            Paragraph("Alibaba's {Qwen3-30B|Kwen three thirty B} model leads. It beats "
                      "GPT-5.1 by 12%.", speaker="READER"),
            Pause(1.5),
            Paragraph("That's a big jump! Dr. Lee agrees."),
        ),
    )
    (spoken,) = plan_spoken(script(chapter), default_lexicon())
    assert (spoken.title, spoken.url, spoken.article_id) == (
        chapter.title, chapter.url, chapter.article_id)
    assert spoken.items == (
        Sentence("Alibaba's Qwen3-30B model leads.", "Alibaba's Kwen three thirty B model leads.",
                 "READER", 0),
        Sentence("It beats GPT-5.1 by 12%.", "It beats G.P.T five point one by twelve percent.",
                 "READER", 0),
        Pause(1.5),
        Sentence("That's a big jump!", "That's a big jump!", "HOST", 1),
        Sentence("Dr. Lee agrees.", "Doctor Lee agrees.", "HOST", 1),
    )


def test_precedence_hint_over_show_lexicon_over_default(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.toml"
    path.write_text('[terms]\nQwen = "Chwen"\n', encoding="utf-8")
    chapter = ScriptChapter("News", (Paragraph("Qwen is new. {Qwen|Tchwen} is newer."),))
    default = plan_spoken(script(chapter), default_lexicon())[0].items
    show = plan_spoken(script(chapter), load_lexicon(path))[0].items
    assert [s.spoken for s in default if isinstance(s, Sentence)] == [
        "Kwen is new.", "Tchwen is newer."]
    assert [s.spoken for s in show if isinstance(s, Sentence)] == [
        "Chwen is new.", "Tchwen is newer."]
    assert [s.text for s in show if isinstance(s, Sentence)] == ["Qwen is new.", "Qwen is newer."]


def test_escapes_are_literal_text_not_hints() -> None:
    chapter = ScriptChapter("News", (Paragraph(r"Braces \{like\|this\} stay. {RLHF|R L H F} too."),))
    items = plan_spoken(script(chapter), default_lexicon())[0].items
    assert items == (
        Sentence("Braces {like|this} stay.", "Braces, like, this, stay.", "HOST", 0),
        Sentence("RLHF too.", "R.L.H.F too.", "HOST", 0),
    )


def test_punctuation_only_sentences_are_dropped_and_paragraphs_counted() -> None:
    chapter = ScriptChapter("Outro", (
        Paragraph("..."),
        Paragraph("Thanks for listening. — !"),
        Pause(0.5),
        Paragraph("😀 🎉"),
        Paragraph("Bye."),
    ))
    items = plan_spoken(script(chapter), default_lexicon())[0].items
    assert items == (
        Sentence("Thanks for listening. — !", "Thanks for listening.", "HOST", 1),  # a statement
        Pause(0.5),
        Sentence("Bye.", "Bye.", "HOST", 4 - 1),
    )


def test_a_hint_can_hold_a_sentence_end_without_splitting() -> None:
    chapter = ScriptChapter("News", (Paragraph("Made in the {U.S.|U S}. By {Acme Inc.|Acme}."),))
    items = plan_spoken(script(chapter), default_lexicon())[0].items
    assert [(s.text, s.spoken) for s in items if isinstance(s, Sentence)] == [
        ("Made in the U.S..", "Made in the U.S."), ("By Acme Inc..", "By Acme.")]


def test_long_paragraph_units_stay_small() -> None:
    words = ", ".join(["the model improved on a benchmark"] * 40) + "."
    items = plan_spoken(script(ScriptChapter("Long", (Paragraph(words),))), default_lexicon())
    sentences = [s for s in items[0].items if isinstance(s, Sentence)]
    assert len(sentences) > 1
    assert all(len(s.text) <= 400 for s in sentences)
    assert " ".join(s.text for s in sentences) == words


def test_bad_inline_markup_is_a_script_error() -> None:
    chapter = ScriptChapter("News", (Paragraph("An {open hint"),))
    with pytest.raises(ScriptError, match="pronunciation hint"):
        plan_spoken(script(chapter), default_lexicon())


def test_spoken_lines_one_segment_per_line() -> None:
    chapters = plan_spoken(script(
        ScriptChapter("Intro", (Paragraph("Hello. Welcome to 2026."), Pause(1.25))),
        ScriptChapter("Qwen", (Paragraph("{Qwen|Kwen} wins.", speaker="READER"),)),
    ), default_lexicon())
    assert spoken_lines(chapters) == [
        "# Intro",
        "HOST: Hello.",
        "HOST: Welcome to twenty twenty-six.",
        "[pause 1.25s]",
        "# Qwen",
        "READER: Kwen wins.",
    ]
