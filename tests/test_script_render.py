"""Rendering articles into a Script through the templates (defaults and show overrides).

Golden files: tests/data/scripts/rendered/<case>.json (inputs) -> <case>.md (expected script).
After an intended change to the default templates, regenerate them with
    AUDIODIGEST_REGENERATE=1 .venv/bin/pytest tests/test_script_render.py
and review the diff.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from audiodigest.config import ShowConfig, parse
from audiodigest.errors import ScriptError
from audiodigest.models import Article, Paragraph, Pause
from audiodigest.script.format import parse_script, plain_text, write_script
from audiodigest.script.render import render_script
from audiodigest.script.speakdate import spoken_date

DATA = Path(__file__).parent / "data" / "scripts"
RENDERED = sorted((DATA / "rendered").glob("*.json"))
REGENERATE = os.environ.get("AUDIODIGEST_REGENERATE") == "1"

TOML = """\
title = "The Compute Brief"
description = "Compute news, read aloud."
author = "Desk Nine"
[owner]
name = "Desk Nine"
email = "desk@example.com"
"""


def make_config(root: Path, extra_toml: str = "") -> ShowConfig:
    root.mkdir(parents=True, exist_ok=True)
    return parse(TOML + extra_toml, root)


@pytest.fixture
def config(tmp_path: Path) -> ShowConfig:
    return make_config(tmp_path / "show")


def articles(n: int, prefix: str = "") -> list[Article]:
    return [Article(id=f"example.com/{prefix}{i}", title=f"Story {prefix}{i} makes news",
                    summary=f"Summary {i} has " + "word " * 20, url=f"https://example.com/{i}")
            for i in range(1, n + 1)]


def texts(script_chapter_blocks: tuple[Paragraph | Pause, ...]) -> list[str]:
    return [plain_text(b.text) for b in script_chapter_blocks if isinstance(b, Paragraph)]


# --- defaults -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", RENDERED, ids=lambda p: p.stem)
def test_default_templates_render_the_golden_script(case: Path, tmp_path: Path) -> None:
    spec = json.loads(case.read_text(encoding="utf-8"))
    cfg = make_config(tmp_path / "show", spec["extra_toml"])
    items = [Article(**a) for a in spec["articles"]]
    script = render_script(items, cfg, episode_date=date.fromisoformat(spec["date"]),
                           number=spec["number"])
    text = write_script(script)
    golden = case.with_suffix(".md")
    if REGENERATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    assert parse_script(text) == script


def test_structure_intro_one_chapter_per_article_and_wrap_up(config: ShowConfig) -> None:
    items = articles(3)
    script = render_script(items, config, episode_date=date(2026, 11, 24), number=4)
    assert script.title == "The Compute Brief — 24 November 2026"
    assert script.date == date(2026, 11, 24) and script.episode == 4
    titles = [c.title for c in script.chapters]
    assert titles == ["Introduction", *(a.title for a in items), "Wrap-up"]
    for chapter, article in zip(script.chapters[1:-1], items, strict=True):
        assert (chapter.url, chapter.article_id) == (article.url, article.id)
        assert any(article.summary.strip() in t for t in texts(chapter.blocks))
    intro = " ".join(texts(script.chapters[0].blocks))
    assert "The Compute Brief" in intro and "Tuesday, the twenty-fourth of November" in intro
    assert "episode four" in intro
    # The preview names the first titles; 3 * 26 words at 150 wpm is about one minute.
    assert all(a.title in intro for a in items) and "about one minute" in intro
    outro = " ".join(texts(script.chapters[-1].blocks))
    assert "Thanks for listening to The Compute Brief" in outro


def test_reading_time_is_estimated_at_150_words_a_minute(config: ShowConfig) -> None:
    items = [Article(id=str(i), title="T", summary="w " * 149) for i in range(3)]  # 450 words
    intro = texts(render_script(items, config, episode_date=date(2026, 1, 1),
                                number=None).chapters[0].blocks)
    assert any("about three minutes of listening" in t for t in intro)
    assert not any("episode" in t for t in intro)


def test_an_empty_digest_still_renders_intro_and_outro(config: ShowConfig) -> None:
    script = render_script([], config, episode_date=date(2026, 1, 1), number=1)
    assert [c.title for c in script.chapters] == ["Introduction", "Wrap-up"]


def test_reader_voice_reads_summaries_when_the_show_has_one(tmp_path: Path) -> None:
    cfg = make_config(tmp_path / "s", "[voices.HOST]\n[voices.READER]\n")
    script = render_script(articles(2), cfg, episode_date=date(2026, 1, 1), number=None)
    speakers = {b.speaker for c in script.chapters[1:-1] for b in c.blocks
                if isinstance(b, Paragraph) and b.text.startswith("Summary")}
    assert speakers == {"READER"}


@pytest.mark.parametrize("line", [
    line for line in (DATA / "spoken-dates.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
])
def test_spoken_dates(line: str) -> None:
    iso, spoken = line.split("\t")
    assert spoken_date(date.fromisoformat(iso)) == spoken


# --- sandbox: article text is data ------------------------------------------------------------


def test_article_text_with_template_syntax_comes_out_literally(config: ShowConfig) -> None:
    evil = Article(
        id="x", title="{{ 7*7 }} reasons",
        summary="Use {{ 7*7 }} and {% for x in range(3) %}{{ x }}{% endfor %} {# c #} "
                "{{ ''.__class__.__mro__ }} {RLHF|oops} \\ | NOTE: done",
        source="READER: {{ show }}")
    script = render_script([evil], config, episode_date=date(2026, 1, 1), number=None)
    story = script.chapters[1]
    assert story.title == "{{ 7*7 }} reasons"
    body = " ".join(texts(story.blocks))
    assert ("Use {{ 7*7 }} and {% for x in range(3) %}{{ x }}{% endfor %} {# c #} "
            "{{ ''.__class__.__mro__ }} {RLHF|oops} \\ | NOTE: done") in body
    assert "READER: {{ show }}" in body
    assert "49" not in body and "012" not in body
    assert {b.speaker for b in story.blocks if isinstance(b, Paragraph)} == {"HOST"}
    # And the script file keeps it that way through a write and a read.
    assert parse_script(write_script(script)) == script


def test_article_text_cannot_start_a_paragraph_of_its_own_kind(config: ShowConfig) -> None:
    odd = Article(id="x", title="# Heading?", summary="[pause 30s]\n\nREADER: hi")
    story = render_script([odd], config, episode_date=date(2026, 1, 1), number=None).chapters[1]
    assert Pause(30.0) not in story.blocks
    # Each summary paragraph is a paragraph of the script, read as written by the host.
    assert texts(story.blocks)[-2:] == ["[pause 30s]", "READER: hi"]
    assert all(b.speaker == "HOST" for b in story.blocks if isinstance(b, Paragraph))
    assert "# Heading?" in texts(story.blocks)


def test_a_headline_without_a_summary_is_read_once(config: ShowConfig) -> None:
    # Feed entries with nothing but a title carry the title as their summary.
    headline = Article(id="h", title="Chip makers agree on a standard",
                       summary="Chip makers agree on a standard.")
    story = render_script([headline], config, episode_date=date(2026, 1, 1),
                          number=None).chapters[1]
    spoken = " ".join(texts(story.blocks))
    assert spoken.count("Chip makers agree on a standard") == 1


def test_digest_title_and_intro_give_the_episode_title_and_summary(config: ShowConfig) -> None:
    script = render_script(articles(1), config, episode_date=date(2026, 1, 1), number=1,
                           digest_title="  Issue #42:  The week in chips ",
                           digest_summary="A short week.\n\nThree stories.")
    assert script.title == "Issue #42: The week in chips"
    assert dict(script.meta)["summary"] == "A short week. Three stories."
    assert parse_script(write_script(script)) == script


# --- deterministic variety --------------------------------------------------------------------


def _transitions(script_chapters: tuple) -> list[str]:  # type: ignore[type-arg]
    return [texts(c.blocks)[0] for c in script_chapters[1:-1]]


def test_same_input_gives_the_same_script(config: ShowConfig) -> None:
    one = render_script(articles(5), config, episode_date=date(2026, 2, 2), number=2)
    two = render_script(articles(5), config, episode_date=date(2026, 2, 2), number=2)
    assert write_script(one) == write_script(two)


def test_transitions_vary_within_and_between_episodes(config: ShowConfig) -> None:
    script = render_script(articles(6), config, episode_date=date(2026, 2, 2), number=2)
    middle = _transitions(script.chapters)[1:-1]
    assert all(a != b for a, b in zip(middle, middle[1:], strict=False))
    seen = set()
    for n in range(8):
        day = date(2026, 2, 2) + timedelta(days=n)
        other = render_script(articles(3, prefix=str(n)), config, episode_date=day, number=n + 1)
        seen.add(tuple(_transitions(other.chapters)) + (texts(other.chapters[0].blocks)[0][:12],))
    assert len(seen) >= 4


# --- show overrides ---------------------------------------------------------------------------


def test_show_template_overrides_one_template_and_defaults_fill_the_rest(
        config: ShowConfig) -> None:
    folder = config.path(config.templates)
    folder.mkdir()
    (folder / "outro.j2").write_text(
        "{{ show.title }} signing off on {{ episode.spoken_date }}.\n\n[pause 2s]\n\n"
        "READER: Bye from {{ articles | length }} stories. {Qwen|Kwen} agrees.\n",
        encoding="utf-8")
    script = render_script(articles(2), config, episode_date=date(2026, 11, 24), number=None)
    assert script.chapters[-1].blocks == (
        Paragraph("The Compute Brief signing off on Tuesday, the twenty-fourth of November."),
        Pause(2.0),
        Paragraph("Bye from 2 stories. {Qwen|Kwen} agrees.", "READER"),
    )
    assert "to The Compute Brief. It's Tuesday" in " ".join(texts(script.chapters[0].blocks))


@pytest.mark.parametrize("template, body, line, fragment", [
    ("article.j2", "{{ article.title }}\n\n{{ article.titel }}\n", 3,
     "undefined value: 'article' has no attribute 'titel'"),
    ("intro.j2", "Hello\n{% if %}\n", 2, "template error: Expected an expression"),
    ("outro.j2", "{{ show.title }}\n{{ nothing_here }}\n", 2, "'nothing_here' is undefined"),
    ("transition.j2", "{{ ''.__class__ }}\n", 1, "unsafe"),
    ("article.j2", "{% include 'missing.j2' %}\n", 1, "template not found: missing.j2"),
])
def test_override_errors_are_one_line_naming_the_file_and_line(
        config: ShowConfig, template: str, body: str, line: int, fragment: str) -> None:
    folder = config.path(config.templates)
    folder.mkdir()
    (folder / template).write_text(body, encoding="utf-8")
    with pytest.raises(ScriptError) as info:
        render_script(articles(1), config, episode_date=date(2026, 1, 1), number=None)
    message = str(info.value)
    assert message.startswith(f"{folder / template}:{line}: ")
    assert fragment in message and "\n" not in message


def test_override_rendering_invalid_script_text_names_the_template(config: ShowConfig) -> None:
    folder = config.path(config.templates)
    folder.mkdir()
    (folder / "intro.j2").write_text("Welcome to {the show.\n", encoding="utf-8")
    with pytest.raises(ScriptError) as info:
        render_script(articles(1), config, episode_date=date(2026, 1, 1), number=None)
    assert str(info.value).startswith(f"{folder / 'intro.j2'}: ")
    assert "expected '|' or '}' to close the pronunciation hint" in str(info.value)
