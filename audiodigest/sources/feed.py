"""RSS and Atom digests, read with feedparser.

Each feed entry is an article: its title, its summary (else its first content block), its link,
its source (the entry's ``<source>`` title, else the feed's title) and its publication date (else
its update date), as an aware UTC datetime. HTML is reduced to text: tags removed, the contents
of ``<script>`` and ``<style>`` dropped, entities decoded, whitespace collapsed.

feedparser is only ever handed the bytes, wrapped in a stream: given a string (or even bytes)
it would treat it as a URL or a file name and fetch or open it.
"""

from __future__ import annotations

import io
import logging
import re
import xml.sax
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser

from audiodigest.errors import SourceError
from audiodigest.sources.common import Draft, Where, check_count, shorten, web_url

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Elements whose content is code or data, never prose.
_SKIP_CONTENT = frozenset({"script", "style", "template", "noscript", "head", "title"})
# Elements that separate words when rendered; their tags become spaces so words do not merge.
_BREAKS = frozenset(
    {
        "br",
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "dd",
        "dt",
        "figcaption",
    }
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)""")


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment (html.parser decodes entities)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_CONTENT:
            self.skipping += 1
        elif tag in _BREAKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_CONTENT:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML fragment (whitespace is collapsed later by the cleaner).

    >>> " ".join(html_to_text("<p>A &amp; B</p><script>x()</script><p>C</p>").split())
    'A & B C'
    """
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return "".join(extractor.parts)


def declares_other_encoding(data: bytes) -> bool:
    """True when an XML declaration names an encoding other than UTF-8 (feedparser decodes it)."""
    match = _XML_ENCODING.match(data[:512].removeprefix(b"\xef\xbb\xbf"))
    return match is not None and match.group(1).lower().replace(b"_", b"-") not in (
        b"utf-8",
        b"utf8",
    )


def _detail_text(entry: Any, key: str) -> str | None:
    """The entry's ``key`` as text, stripping HTML only when the feed says it is HTML."""
    value = entry.get(key)
    if not isinstance(value, str):
        return None
    # Without a detail record (feedparser copies Atom content into `summary` that way) the
    # value is taken as HTML, feedparser's default type.
    detail = entry.get(key + "_detail") or {"type": "text/html"}
    return html_to_text(value) if detail.get("type") in _HTML_TYPES else value


def _summary(entry: Any) -> str | None:
    summary = _detail_text(entry, "summary")
    if summary and summary.strip():
        return summary
    for content in entry.get("content") or ():
        value = content.get("value")
        if isinstance(value, str) and value.strip():
            return html_to_text(value) if content.get("type") in _HTML_TYPES else value
    return summary


def _published(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        year, month, day, hour, minute, second = parsed[:6]
        # feedparser normalises dates to UTC.
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _parse(data: bytes, name: str) -> Any:
    try:
        # Passed as a stream: bytes or str would be taken as a URL or file name (see above).
        return feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    except RecursionError:
        raise SourceError("feed nested too deeply", path=name) from None
    except Exception as exc:
        # feedparser documents no exceptions of its own (it reports problems in `bozo`), so
        # anything escaping it is a parse failure of this input.
        log.debug("feedparser failed on %s", name, exc_info=True)
        raise SourceError(f"not a readable feed: {exc}", path=name) from None


def parse_feed(data: bytes, name: str) -> list[Draft]:
    """Read an RSS or Atom feed into drafts, one per entry, in feed order."""
    result = _parse(data, name)
    entries = result.get("entries") or []
    problem = result.get("bozo_exception") if result.get("bozo") else None
    if not entries:
        line = None
        if isinstance(problem, xml.sax.SAXParseException):
            line = problem.getLineNumber()
        detail = f": {shorten(str(problem), 120)}" if problem else ""
        raise SourceError(f"no entries found in the feed{detail}", path=name, line=line)
    if problem:
        log.warning("%s: feed is not well-formed (%s); read what could be read", name, problem)
    feed_title = (result.get("feed") or {}).get("title")
    drafts = []
    for index, entry in enumerate(entries, 1):
        where = Where(name, None, f"entry {index}")
        check_count(index, where)
        link = entry.get("link")
        url = web_url(link) if isinstance(link, str) else None
        if link and not url:
            log.warning(
                "%s: entry %d: ignoring link %r (not an http(s) URL)",
                name,
                index,
                shorten(str(link)),
            )
        source = (entry.get("source") or {}).get("title") or feed_title
        drafts.append(
            Draft(
                where=where,
                title=_detail_text(entry, "title") or "",
                summary=_summary(entry) or "",
                url=url,
                source=source if isinstance(source, str) else None,
                published=_published(entry),
            )
        )
    return drafts
