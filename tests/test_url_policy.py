"""One URL policy for everything published: only http(s) links (or relative ones in pages)
reach the feed, the pages, the JSON chapters and the ID3 tags, whatever the script or the
digest says; show.toml's URL settings are checked when it is loaded."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lxml import etree
from mutagen.id3 import ID3

from audiodigest.config import parse
from audiodigest.errors import ConfigError
from audiodigest.urls import safe_url
from tests.conftest import SHOW_TOML, make_show, run_cli

HOSTILE = ["javascript:alert(document.domain)//", "JaVaScRiPt:alert(1)", "data:text/html,x",
           "vbscript:msgbox", "java\tscript:alert(1)", "file:///etc/passwd", "//evil.example/x",
           "http:/no-host", "https://exa mple.com/", "https://example.com/\u200bx"]


@pytest.mark.parametrize("url", HOSTILE)
def test_the_policy_refuses_script_and_odd_urls(url: str) -> None:
    assert safe_url(url) is None
    assert safe_url(url, relative=True) is None


@pytest.mark.parametrize("key", ["link", "base_url"])
@pytest.mark.parametrize("value", ["javascript:alert(document.domain)//", "data:,x",
                                   "ftp://example.com/", "https://"])
def test_url_settings_are_checked_when_show_toml_is_loaded(tmp_path: Path, key: str,
                                                           value: str) -> None:
    text = SHOW_TOML.replace('base_url = "https://podcasts.example.com/test/"\n', "")
    text = f'{key} = "{value}"\n' + text
    with pytest.raises(ConfigError) as err:
        parse(text, tmp_path, tmp_path / "show.toml")
    assert f"show.toml: bad value for '{key}':" in err.value.one_line()


def test_a_javascript_link_in_show_toml_stops_the_build(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", extra_toml="")
    (root / "show.toml").write_text('link = "javascript:alert(document.domain)"\n' + SHOW_TOML,
                                    encoding="utf-8")
    result = run_cli("build", root)
    assert result.code == 2
    assert "bad value for 'link'" in result.err and len(result.err.strip().splitlines()) == 1
    assert not (root / "public").exists()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v for k, v in attrs if k in ("href", "src") and v]


def _allowed(url: str) -> bool:
    return url.startswith(("http://", "https://", "#", "podcast://")) or \
        safe_url(url, relative=True) == url


@pytest.mark.slow
def test_a_script_link_with_another_scheme_is_written_nowhere(tmp_path: Path,
                                                              shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("script", root).code == 0
    script = root / "scripts" / "2026-11-20.md"
    text = script.read_text(encoding="utf-8")
    assert "<https://example.com/cooler-chips>" in text
    script.write_text(text.replace("<https://example.com/cooler-chips>",
                                   "<javascript:alert(document.domain)//>")
                      .replace("<https://example.com/open-voices>", "<data:text/html,hi>"),
                      encoding="utf-8")
    result = run_cli("build", root)
    assert result.code == 0, result.err
    out = root / "public"

    # Nothing published carries the hostile links, in any form.
    for path in out.rglob("*"):
        if path.is_file() and path.suffix != ".mp3":
            data = path.read_text(encoding="utf-8", errors="replace").lower()
            assert "javascript:" not in data and "data:text" not in data, path

    # The JSON chapters keep their titles, but only the safe link.
    chapter_file = next(out.glob("episodes/*/chapters-*.json"))
    chapters = json.loads(chapter_file.read_text(encoding="utf-8"))["chapters"]
    assert "Chips get a cooler" in [c["title"] for c in chapters]
    assert [c["url"] for c in chapters if "url" in c] == ["https://example.com/dram-week"]

    # The ID3 chapter frames: WXXX only for the safe link.
    tags = ID3(next(out.glob("episodes/*/*.mp3")))
    urls = [f.url for f in tags.getall("WXXX") + tags.getall("WOAS")]
    for chap in tags.getall("CHAP"):
        urls += [f.url for f in chap.sub_frames.getall("WXXX")]
    assert "https://example.com/dram-week" in urls
    assert all(u.startswith("https://") for u in urls), urls

    # Every URL in the feed and every link in the pages follows the policy.
    feed = etree.parse(str(out / "feed.xml"))
    feed_urls = feed.xpath("//@url | //@href | //link/text() | //*[local-name()='url']/text()")
    feed_urls += re.findall(r'href="([^"]*)"', etree.tostring(feed, encoding="unicode"))
    assert feed_urls and all(u.startswith(("http://", "https://")) for u in feed_urls), feed_urls
    for page in out.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.links and all(_allowed(u) for u in parser.links), (page, parser.links)
