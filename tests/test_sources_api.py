"""Reading digests through the public API: files, folders, formats, limits, ids and safety."""

from __future__ import annotations

import doctest
import http.server
import importlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from audiodigest.errors import SourceError
from audiodigest.sources import (
    FORMATS,
    MAX_DIGEST_BYTES,
    MAX_ENTRIES,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    article_id,
    detect_format,
    newest_digest,
    parse,
    read,
)

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "episodes" / "digests" / "2026-11-27.txt"


def _text_digest(count: int, summary: str = "A short summary.") -> bytes:
    return "\n\n".join(
        f"Title number {i}\n{summary} Entry {i}.\nRead more → https://example.com/a/{i}"
        for i in range(count)
    ).encode()


# --- the sample digest ----------------------------------------------------------------------


def test_sample_digest_reads_as_ten_articles_with_urls() -> None:
    articles = read(SAMPLE).articles
    assert len(articles) == 10
    assert len({a.id for a in articles}) == 10
    for article in articles:
        assert article.url and article.url.startswith("https://example.com/")
        assert article.title and "\n" not in article.summary
        sentences = re.findall(r"[.!?](?:\s|$)", article.summary)
        assert 2 <= len(sentences) <= 4, article.summary
    assert [a.line for a in articles] == list(range(1, 40, 4))


def test_sample_digest_exercises_text_normalisation() -> None:
    """Later stages test number and name reading against this file, so it must keep these."""
    text = SAMPLE.read_text(encoding="utf-8")
    for needle in [
        "120B-parameter",
        "1.7B",
        "8B dense",
        "512K-context",
        "GPT-5.1",
        "Qwen3-30B",
        "H200",
        "GH200",
        "Granite 4.1",
        "v2.3",
        "RLHF",
        "SFT",
        "LLM",
        "GPU",
        "NASA",
        "DRAM",
        "DelTA",
        "1.84×",
        "3+",
        "1–3%",
        " & ",
        "/",
        " — ",
        "$310 million",
        "2028",
        "24 November 2026",
        "71.4%",
    ]:
        assert needle in text, needle


# --- files and folders ----------------------------------------------------------------------


def test_newest_digest_picks_the_last_name_and_ignores_the_rest(tmp_path: Path) -> None:
    for name in ["2026-11-20.txt", "2026-11-27.md", "2026-11-03.json"]:
        (tmp_path / name).write_text("T\nS\n")
    (tmp_path / ".2026-12-31.txt").write_text("hidden")
    (tmp_path / "2026-12-30.txt~").write_text("editor backup")
    (tmp_path / "2026-12-29.pdf").write_text("unknown extension")
    (tmp_path / "2026-12-28.txt").mkdir()
    # Names that are not dates never count as the newest, whatever they sort as.
    (tmp_path / "README.txt").write_text("About these digests")
    (tmp_path / "zz-notes.md").write_text("# Notes\nnot a digest\n")
    assert newest_digest(tmp_path) == tmp_path / "2026-11-27.md"
    (tmp_path / "2026-11-27-evening.rss.xml").write_text("<rss/>")
    assert newest_digest(tmp_path) == tmp_path / "2026-11-27-evening.rss.xml"


def test_only_files_named_by_date_are_digests(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("About these digests")
    with pytest.raises(SourceError, match="no digest named by date here .README.txt"):
        newest_digest(tmp_path)


def test_newest_digest_errors_name_the_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no digest here") as caught:
        newest_digest(tmp_path)
    assert caught.value.path == str(tmp_path)
    with pytest.raises(SourceError, match="does not exist"):
        newest_digest(tmp_path / "missing")
    (tmp_path / "2026-11-27.txt").write_text("T\nS\n")
    (tmp_path / "2026-11-27.md").write_text("# T\nS\n")
    with pytest.raises(SourceError, match="more than one digest for 2026-11-27"):
        newest_digest(tmp_path)
    (tmp_path / "2026-11-27.md").unlink()
    (tmp_path / "2026-11-27.rss.xml").write_text("<rss/>")
    with pytest.raises(SourceError, match="more than one digest for 2026-11-27: 2026-11-27.rss"):
        newest_digest(tmp_path)


def test_read_reports_unreadable_files_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such digest file") as caught:
        read(tmp_path / "nope.txt")
    assert str(caught.value).startswith(str(tmp_path / "nope.txt") + ": ")
    with pytest.raises(SourceError, match="the digest: a folder, not a regular file"):
        read(tmp_path)
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:  # sparse: costs no disk and is never read
        handle.truncate(MAX_DIGEST_BYTES + 1)
    with pytest.raises(SourceError, match="the limit is"):
        read(huge)


def test_forced_format_overrides_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "digest.txt"
    path.write_text(json.dumps([{"title": "Forced", "summary": "Read as JSON."}]))
    (article,) = read(path, fmt="json").articles
    assert (article.title, article.summary) == ("Forced", "Read as JSON.")
    with pytest.raises(SourceError, match="has no summary"):
        read(path)  # as text, the JSON is one title line with nothing under it


def test_unknown_format_lists_the_choices() -> None:
    with pytest.raises(SourceError) as caught:
        parse(b"T\nS\n", "d.txt", fmt="docx")
    message = str(caught.value)
    assert message.startswith("d.txt: unknown digest format 'docx'")
    assert all(name in message for name in FORMATS)


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"<?xml version='1.0'?><rss/>", "x", "feed"),
        (b"\xef\xbb\xbf  <feed xmlns='http://www.w3.org/2005/Atom'/>", "x", "feed"),
        (b"\n  [1]", "x", "json"),
        (b"{}", "x", "json"),
        (b"---\ntitle: x", "x", "yaml"),
        (b"- title: x\n  summary: y", "x", "yaml"),
        (b"Intro\n\n## Heading\nText", "x", "markdown"),
        (b"#1 in downloads\nSummary", "x", "text"),
        (b"Plain title\nSummary", "x", "text"),
        (b"[not json]", "digest.TXT", "text"),
        (b"Plain", "digest.yml", "yaml"),
        (b"Plain", "digest.atom", "feed"),
        (b"Plain", "digest.markdown", "markdown"),
    ],
)
def test_detect_format(data: bytes, name: str, expected: str) -> None:
    assert detect_format(data, name) == expected


# --- limits -----------------------------------------------------------------------------------


def test_five_thousand_entries_parse_quickly() -> None:
    data = _text_digest(5000)
    start = time.perf_counter()
    articles = parse(data, "big.txt").articles
    elapsed = time.perf_counter() - start
    assert len(articles) == 5000
    assert articles[-1].url == "https://example.com/a/4999"
    assert articles[-1].line == 4999 * 4 + 1
    # A guard against quadratic reading, not a speed target: 0.75 s alone, 4.5 s on a loaded
    # 2-core machine; a quadratic reader would take minutes.
    assert elapsed < 60.0, f"5,000 entries took {elapsed:.2f} s"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_too_many_entries_is_refused(fmt: str) -> None:
    count = MAX_ENTRIES + 1
    if fmt == "text":
        data = "\n\n".join(f"T{i}\nS{i}" for i in range(count)).encode()
    else:
        data = json.dumps([{"title": f"T{i}", "summary": f"S{i}"} for i in range(count)]).encode()
    with pytest.raises(SourceError, match=f"more than {MAX_ENTRIES} entries"):
        parse(data, "many", fmt)


def test_a_one_megabyte_summary_is_refused_quickly() -> None:
    data = b"Huge\n" + b"word " * 200_000 + b"\nRead more -> https://example.com/h\n"
    start = time.perf_counter()
    with pytest.raises(SourceError) as caught:
        parse(data, "huge.txt")
    assert time.perf_counter() - start < 1.0
    assert f"longer than {MAX_SUMMARY_CHARS} characters" in str(caught.value)
    assert caught.value.line == 1


def test_long_title_is_refused() -> None:
    data = json.dumps([{"title": "x" * (MAX_TITLE_CHARS + 1), "summary": "s"}]).encode()
    with pytest.raises(SourceError, match=f"title is longer than {MAX_TITLE_CHARS}"):
        parse(data, "t.json")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"# T\n" + b">" * 100_000 + b" deep\n", "deep.md"),
        (b"# T\n" + b"[" * 100_000 + b"\n", "brackets.md"),
        (b"[" * 100_000 + b"]" * 100_000, "deep.json"),
        (b"[" * 100_000, "deep.yaml"),
        (b"- " * 10_000 + b"x", "dashes.yaml"),
    ],
)
def test_deep_nesting_is_bounded(data: bytes, name: str) -> None:
    start = time.perf_counter()
    with pytest.raises(SourceError):
        parse(data, name)
    # A guard against runaway (exponential) parsing, not a speed target: these take 1-3 s
    # alone and up to 9 s on a loaded 2-core machine; a blow-up would take minutes.
    assert time.perf_counter() - start < 60.0


# --- content rules ----------------------------------------------------------------------------


def test_duplicates_keep_the_first_and_warn(caplog: pytest.LogCaptureFixture) -> None:
    data = (
        "First\nOne.\nRead more → https://example.com/x?utm_source=mail\n\n"
        "Second\nTwo.\nRead more → https://EXAMPLE.com/x/\n\n"
        "Third\nThree.\n"
    ).encode()
    with caplog.at_level(logging.WARNING, logger="audiodigest.sources"):
        articles = parse(data, "dup.txt").articles
    assert [a.title for a in articles] == ["First", "Third"]
    assert "dup.txt:5" in caplog.text and "keeping the first" in caplog.text


def test_control_characters_go_and_scripts_stay() -> None:
    data = (
        "Ti\x07tle \u05e9\u05dc\u05d5\u05dd \U0001f469\u200d\U0001f52c\n"
        "Sum\x1bmary\x7f with \u200fRTL mark\tand\x85tab.\n"
    ).encode()
    (article,) = parse(data, "c.txt").articles
    assert article.title == "Title \u05e9\u05dc\u05d5\u05dd \U0001f469\u200d\U0001f52c"
    assert article.summary == "Summary with \u200fRTL mark and tab."


def test_rss_html_is_reduced_to_text() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><item>
      <title>Hostile &lt;i&gt;markup&lt;/i&gt;</title>
      <description><![CDATA[<div onclick="x()">Safe <a href="https://example.com">text</a>
        &amp; more</div><script type="text/javascript">steal(document.cookie)</script>
        <style>.a{display:none}</style><noscript>fallback</noscript>end]]></description>
      <link>https://example.com/item</link></item></channel></rss>"""
    (article,) = parse(feed, "f.xml").articles
    assert article.title == "Hostile markup"
    # The closed <div> ends a paragraph; the text after it is one of its own.
    assert article.paragraphs == ("Safe text & more", "end")
    assert article.source == "F"


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.hits.append(self.path)
        body = b"<rss><channel><item><title>fetched</title><description>x</description></item>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_CountingHandler,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_feeds_never_fetch_anything(counting_server: tuple[str, list[str]], tmp_path: Path) -> None:
    url, hits = counting_server
    secret = tmp_path / "secret.xml"
    secret.write_text(
        "<rss><channel><item><title>local file</title>"
        "<description>leaked</description></item></channel></rss>"
    )
    for data in [f"{url}/feed.xml".encode(), str(secret).encode()]:
        with pytest.raises(SourceError, match="no entries found"):
            parse(data, "looks-like-a-url", fmt="feed")
    external = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY ext SYSTEM "{url}/entity">]>
<rss version="2.0"><channel><title>T</title><item><title>Entity &ext;</title>
<description>Body</description></item></channel></rss>""".encode()
    (article,) = parse(external, "xxe.xml").articles
    assert "fetched" not in article.title and article.summary == "Body"
    assert hits == []


# --- ids --------------------------------------------------------------------------------------

SAME_URLS = [
    "https://example.com/papers/delta",
    "  https://example.com/papers/delta  ",
    "HTTPS://Example.COM/papers/delta/",
    "https://example.com:443/papers/delta",
    "https://example.com/papers/delta?utm_source=news&utm_medium=email",
    "https://example.com/papers/delta#section-2",
    "https://example.com/papers/delta?UTM_Campaign=x&fbclid=abc",
]


@pytest.mark.parametrize("url", SAME_URLS)
def test_ids_are_stable_across_url_noise(url: str) -> None:
    assert article_id(url, "any title") == article_id(SAME_URLS[0], "another title")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/papers/delta2",
        "https://example.com/papers/delta?id=2",
        "http://example.com:8080/papers/delta",
        "https://example.org/papers/delta",
        "https://example.com/Papers/delta",
    ],
)
def test_ids_tell_different_articles_apart(url: str) -> None:
    assert article_id(url, "t") != article_id(SAME_URLS[0], "t")


def test_ids_from_titles_fold_case_width_and_whitespace() -> None:
    base = article_id(None, "DelTA compresses KV caches")
    assert article_id("", "  delta   compresses\tkv CACHES ") == base
    assert article_id("   ", "ＤelTA compresses KV caches") == base  # full-width letter, NFKC
    assert article_id(None, "DelTA compresses KV cache") != base
    assert re.fullmatch(r"[0-9a-f]{16}", base)
    assert article_id("https://example.com/x?b=2&a=1", "t") == article_id(
        "https://example.com/x?a=1&b=2", "u"
    )


def test_ids_survive_unparseable_urls() -> None:
    for url in ["http://[::1", "https://example.com:99999999999999999999/x", "\ud800"]:
        assert re.fullmatch(r"[0-9a-f]{16}", article_id(url, "t"))


@pytest.mark.parametrize(
    "module",
    [
        "audiodigest.sources",
        "audiodigest.sources.common",
        "audiodigest.sources.ids",
        "audiodigest.sources.feedtext",
        "audiodigest.sources.speakable",
        "audiodigest.sources.boilerplate",
        "audiodigest.sources.markdown_lines",
    ],
)
def test_doctests(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
