"""The web site: structure, links, escaping, template overrides and readable colours."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from audiodigest.errors import UserError
from audiodigest.models import PublishedChapter
from audiodigest.publish.site import write_site
from tests.publish_support import (
    SEGMENTS,
    daily_records,
    make_config,
    make_record,
    write_episode_files,
)

COVER = "cover-0123abcd.png"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# Elements whose end tag HTML lets you leave out; our templates still close them.
HOSTILE = "<script>alert('pwned')</script> \"quoted\" & ]]> 'x'"


@dataclass
class Page:
    """What a strict reading of an HTML page found."""

    doctype: str = ""
    lang: str | None = None
    errors: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    refs: list[tuple[str, str, str]] = field(default_factory=list)  # (attr, id, tag)
    links: list[dict[str, str]] = field(default_factory=list)  # attrs of every <a>
    urls: list[str] = field(default_factory=list)  # every href/src
    scripts: list[dict[str, str]] = field(default_factory=list)
    imgs: list[dict[str, str]] = field(default_factory=list)
    audio: list[dict[str, str]] = field(default_factory=list)
    text: str = ""


class StrictParser(HTMLParser):
    """Checks nesting (every non-void element closed, in order) and collects what tests need."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[str] = []
        self.chunks: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.page.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.page.lang = a.get("lang")
        if "id" in a:
            self.page.ids.append(a["id"])
        for attr in ("for", "aria-labelledby", "aria-describedby"):
            if attr in a:
                self.page.refs.append((attr, a[attr], tag))
        for attr in ("href", "src"):
            if attr in a:
                self.page.urls.append(a[attr])
        if tag == "a":
            self.page.links.append(a)
        elif tag == "script":
            self.page.scripts.append(a)
        elif tag == "img":
            self.page.imgs.append(a)
        elif tag == "audio":
            self.page.audio.append(a)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.page.errors.append(f"end tag for void element {tag}")
        elif not self.stack or self.stack[-1] != tag:
            self.page.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def read_page(path: Path) -> Page:
    parser = StrictParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    if parser.stack:
        parser.page.errors.append(f"unclosed: {parser.stack}")
    parser.page.text = " ".join(" ".join(parser.chunks).split())
    return parser.page


def build(tmp_path: Path, records=None, extra: str = ""):
    config = make_config(tmp_path / "show", extra)
    out = tmp_path / "out"
    records = [write_episode_files(out, r) for r in (records or daily_records(3))]
    (out / COVER).write_bytes(b"png")
    written = write_site(config, records, out, COVER)
    return config, records, out, written


def test_writes_index_episode_pages_and_assets(tmp_path: Path) -> None:
    _config, records, out, written = build(tmp_path)
    expected = {out / "index.html", out / "assets" / "style.css", out / "assets" / "player.js",
                *(out / r.page for r in records)}
    assert set(written) == expected
    assert all(p.is_file() for p in expected)


def test_pages_are_well_formed_html5_with_lang_and_accessible_names(tmp_path: Path) -> None:
    _config, records, out, _ = build(tmp_path)
    for path in [out / "index.html", *(out / r.page for r in records)]:
        page = read_page(path)
        assert page.doctype.lower() == "doctype html", path
        assert page.lang == "en-us"
        assert page.errors == [], (path, page.errors)
        assert len(page.ids) == len(set(page.ids)), "duplicate ids"
        for attr, target, tag in page.refs:
            assert target in page.ids, f"<{tag} {attr}={target!r}> points at nothing"
        assert all("alt" in img for img in page.imgs)
        assert all(s.get("src") and "defer" in s for s in page.scripts)


def test_every_relative_link_points_at_a_file_in_the_output(tmp_path: Path) -> None:
    _config, records, out, _ = build(tmp_path)
    for page_rel in ["index.html", *(r.page for r in records)]:
        for url in read_page(out / page_rel).urls:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("#"):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), parts.path))
            assert (out / target).is_file(), f"{page_rel}: broken link {url}"


def test_index_lists_episodes_newest_first(tmp_path: Path) -> None:
    _config, records, out, _ = build(tmp_path)
    page = read_page(out / "index.html")
    episode_links = [a["href"] for a in page.links if a["href"].startswith("episodes/")]
    assert episode_links == [r.page for r in reversed(records)]
    assert "Signal & Noise" in page.text and "by The Test Desk" in page.text
    assert "https://podcasts.example.com/signal/feed.xml" in page.urls
    assert "podcast://podcasts.example.com/signal/feed.xml" in page.urls


def test_episode_page_has_player_chapters_articles_and_transcript(tmp_path: Path) -> None:
    _config, records, out, _ = build(tmp_path)
    record = records[0]
    page = read_page(out / record.page)
    (audio,) = page.audio
    assert "controls" in audio and audio["preload"] == "metadata"
    assert audio["src"] == posixpath.basename(record.audio.path)
    assert audio.get("aria-label")

    chapter_links = [a for a in page.links if "chapter" in a.get("class", "").split()]
    assert [(a["href"], a["data-start"]) for a in chapter_links] == [
        ("#t=0", "0"), ("#t=1", "1"), ("#t=2.5", "2.5")]
    for chapter in record.chapters:
        assert chapter.title in page.text
        if chapter.url:
            assert chapter.url in page.urls

    cues = [a for a in page.links if "cue" in a.get("class", "").split()]
    assert len(cues) == len(SEGMENTS)
    for cue, seg in zip(cues, SEGMENTS, strict=True):
        assert float(cue["data-start"]) == seg["startTime"]
        assert float(cue["data-end"]) == seg["endTime"]
        assert cue["href"] == f"#t={cue['data-start']}"
        assert seg["body"] in page.text  # the transcript is in the HTML, no script needed
    for label in ("Transcript (WebVTT)", "Transcript (SRT)", "Transcript (JSON)", "Chapters (JSON)"):
        assert label in page.text


def test_hostile_text_is_escaped_everywhere(tmp_path: Path) -> None:
    chapters = (
        PublishedChapter(HOSTILE, 0.0, 1.0, "javascript:alert(1)"),
        PublishedChapter("Fine", 1.0, 4.0, 'https://example.com/"><script>x()</script>'),
    )
    record = make_record(title=HOSTILE, summary=HOSTILE, chapters=chapters)
    segments = ({"speaker": "HOST", "startTime": 0.0, "endTime": 1.0, "body": HOSTILE},)
    config = make_config(tmp_path / "show").model_copy(update={"title": HOSTILE,
                                                               "description": HOSTILE})
    out = tmp_path / "out"
    record = write_episode_files(out, record, segments)
    write_site(config, [record], out, COVER)
    for path in (out / "index.html", out / record.page):
        page = read_page(path)
        assert page.errors == []
        assert [s["src"] for s in page.scripts] == [s["src"] for s in page.scripts
                                                    if s["src"].endswith("assets/player.js")]
        assert len(page.scripts) == 1  # only our own script element exists
        assert HOSTILE in page.text  # shown as text
        assert not any(u.lower().startswith("javascript:") for u in page.urls)
    raw = (out / record.page).read_text()
    assert "<script>alert" not in raw and "<script>x()" not in raw


def test_transcripts_with_several_speakers_name_them(tmp_path: Path) -> None:
    segments = (
        {"speaker": "HOST", "startTime": 0.0, "endTime": 1.0, "body": "Hello."},
        {"speaker": "GUEST", "startTime": 1.0, "endTime": 2.0, "body": "Hi there."},
    )
    config = make_config(tmp_path / "show")
    out = tmp_path / "out"
    record = write_episode_files(out, make_record(), segments)
    write_site(config, [record], out, COVER)
    text = read_page(out / record.page).text
    assert "Host: Hello." in text and "Guest: Hi there." in text


def test_episode_without_transcript_says_so(tmp_path: Path) -> None:
    config = make_config(tmp_path / "show")
    out = tmp_path / "out"
    record = write_episode_files(out, make_record())
    (out / record.transcripts[2].path).unlink()
    write_site(config, [record], out, COVER)
    assert "No transcript is available" in read_page(out / record.page).text


@pytest.mark.parametrize(("content", "problem"), [
    ("{not json", "not valid JSON"),
    (json.dumps({"segments": [{"startTime": "zero", "endTime": 1, "body": "x"}]}), "segment #1"),
    (json.dumps({"version": "1.0.0"}), "no 'segments' list"),
])
def test_damaged_transcript_names_the_file(tmp_path: Path, content: str, problem: str) -> None:
    config = make_config(tmp_path / "show")
    out = tmp_path / "out"
    record = write_episode_files(out, make_record())
    path = out / record.transcripts[2].path
    path.write_text(content)
    with pytest.raises(UserError) as err:
        write_site(config, [record], out, COVER)
    assert err.value.one_line().startswith(str(path)) and problem in err.value.one_line()


def test_show_templates_override_the_defaults(tmp_path: Path) -> None:
    site_dir = tmp_path / "show" / "templates" / "site"
    site_dir.mkdir(parents=True)
    (site_dir / "index.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block main %}<p>Custom: {{ show.title }}</p>'
        "{% endblock %}")
    (site_dir / "style.css").write_text("body { color: #123456; }\n")
    _config, records, out, _ = build(tmp_path)
    assert "Custom: Signal &amp; Noise" in (out / "index.html").read_text()
    assert (out / "assets" / "style.css").read_text() == "body { color: #123456; }\n"
    assert "Transcript" in (out / records[0].page).read_text()  # default still used


@pytest.mark.parametrize(("template", "problem"), [
    ("{% block main %}{% if %}{% endblock %}", "template error"),
    ("{{ no_such_variable }}", "no_such_variable"),
])
def test_broken_override_is_one_clear_error(tmp_path: Path, template: str, problem: str) -> None:
    site_dir = tmp_path / "show" / "templates" / "site"
    site_dir.mkdir(parents=True)
    (site_dir / "index.html.j2").write_text(template)
    with pytest.raises(UserError) as err:
        build(tmp_path)
    message = err.value.one_line()
    assert problem in message and "index.html.j2" in message and "\n" not in message


def test_rebuilding_an_unchanged_site_leaves_files_untouched(tmp_path: Path) -> None:
    config, records, out, written = build(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in written}
    write_site(config, records, out, COVER)
    assert {p: p.stat().st_mtime_ns for p in written} == before


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_default_colours_meet_wcag_aa_contrast_in_both_schemes() -> None:
    css = (Path(__file__).parent.parent / "audiodigest" / "publish" / "site_templates"
           / "style.css").read_text()
    blocks = re.findall(r":root\s*\{([^}]*)\}", css)
    assert len(blocks) == 2  # light, and dark under prefers-color-scheme
    for block in blocks:
        colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", block))
        pairs = [("fg", "bg"), ("muted", "bg"), ("accent", "bg"), ("fg", "card"),
                 ("accent-fg", "accent"), ("fg", "mark")]
        for fg, bg in pairs:
            assert _contrast(colours[fg], colours[bg]) >= 4.5, (fg, bg, block)
