"""RSS and Atom digests, read with feedparser.

Each feed entry is an article: its title, its summary (else its first content block that says
more than the title; see :mod:`.feedtext`), its link, its source (the entry's ``<source>``
title, else the feed's title), its publication date (else its update date) as an aware UTC
datetime, and its ``<category>`` tags. HTML is made speakable: paragraphs stay paragraphs, list
items become sentences, code blocks, tables, figures, scripts and styles are left out.

feedparser is only ever handed the bytes, wrapped in a stream: given a string (or even bytes)
it would treat it as a URL or a file name and fetch or open it.
"""

from __future__ import annotations

import io
import logging
import re
import xml.sax
from datetime import UTC, datetime
from typing import Any

import feedparser

from audiodigest.errors import SourceError
from audiodigest.sources.common import Draft, Reading, Where, check_count, shorten, web_url
from audiodigest.sources.feedtext import entry_text, headline_only_warning, html_line, html_text

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)""")


def declares_other_encoding(data: bytes) -> bool:
    """True when an XML declaration names an encoding other than UTF-8 (feedparser decodes it)."""
    match = _XML_ENCODING.match(data[:512].removeprefix(b"\xef\xbb\xbf"))
    return match is not None and match.group(1).lower().replace(b"_", b"-") not in (
        b"utf-8",
        b"utf8",
    )


def _detail_text(entry: Any, key: str, one_line: bool = False) -> str | None:
    """The entry's ``key`` as text, made speakable only when the feed says it is HTML."""
    value = entry.get(key)
    if not isinstance(value, str):
        return None
    # Without a detail record (feedparser copies Atom content into `summary` that way) the
    # value is taken as HTML, feedparser's default type.
    detail = entry.get(key + "_detail") or {"type": "text/html"}
    if detail.get("type") not in _HTML_TYPES:
        return value
    return html_line(value) if one_line else html_text(value)


def _texts(entry: Any) -> list[str | None]:
    """What the entry says, in order of preference: its summary, then its content blocks."""
    texts = [_detail_text(entry, "summary")]
    for content in entry.get("content") or ():
        value = content.get("value")
        if isinstance(value, str) and value.strip():
            texts.append(html_text(value) if content.get("type") in _HTML_TYPES else value)
    return texts


def _tags(entry: Any) -> list[str]:
    """The entry's categories (``<category>``), by their label when they have one."""
    tags = []
    for tag in entry.get("tags") or ():
        term = tag.get("label") or tag.get("term")
        if isinstance(term, str):
            tags.append(term)
    return tags


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


def parse_feed(data: bytes, name: str) -> Reading:
    """Read an RSS or Atom feed into drafts, one per entry with something to read, in feed
    order. An entry with nothing beyond its title is read as a headline (its summary is its
    title, read once by the script); one with neither title nor text is left out. Both are
    reported in the Reading's warnings."""
    result = _parse(data, name)
    entries = result.get("entries") or []
    problem = result.get("bozo_exception") if result.get("bozo") else None
    if not entries:
        line = None
        if isinstance(problem, xml.sax.SAXParseException):
            line = problem.getLineNumber()
        detail = f": {shorten(str(problem), 120)}" if problem else ""
        raise SourceError(f"no entries found in the feed{detail}", path=name, line=line)
    warnings: list[str] = []
    if problem:
        log.warning("%s: feed is not well-formed (%s); read what could be read", name, problem)
        warnings.append(f"{name}: the feed is not well-formed ({shorten(str(problem), 80)}); "
                        "read what could be read")
    feed_title = _detail_text(result.get("feed") or {}, "title", one_line=True)
    drafts = []
    headlines: list[str] = []  # the entries with nothing but a title
    for index, entry in enumerate(entries, 1):
        where = Where(name, None, f"entry {index}")
        check_count(index, where)
        label = f"{name}: entry {index}"
        chosen = entry_text(_detail_text(entry, "title", one_line=True), _texts(entry), label,
                            index, warnings, headlines)
        if chosen is None:
            continue
        title, summary = chosen
        link = entry.get("link")
        url = web_url(link) if isinstance(link, str) else None
        if link and not url:
            warnings.append(f"{label}: ignoring link {shorten(str(link))!r} (not an http(s) URL)")
        source = _detail_text(entry.get("source") or {}, "title", one_line=True) or feed_title
        drafts.append(
            Draft(
                where=where,
                title=title,
                summary=summary,
                url=url,
                source=source if isinstance(source, str) else None,
                published=_published(entry),
                tags=_tags(entry),
            )
        )
    if headlines:
        warnings.append(headline_only_warning(name, headlines, "entry", "entries"))
    if not drafts:
        raise SourceError(f"none of the feed's {len(entries)} entries has a title or any "
                          "text", path=name)
    return Reading(drafts, warnings=warnings)
