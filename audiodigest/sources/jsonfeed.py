"""JSON Feed digests (https://jsonfeed.org, versions 1 and 1.1).

A JSON Feed is a JSON object whose ``version`` is ``https://jsonfeed.org/version/1`` or
``.../1.1`` and whose ``items`` are the articles. Each item gives:

- the title: ``title``; an untitled item (a micro-post) is titled by its first sentence;
- the summary: ``summary``, else ``content_html`` (made speakable: code blocks, tables and
  figures left out, list items read as sentences), else ``content_text`` (read as HTML when
  it holds HTML tags, as some generators' does); text that only repeats the title is skipped
  (see :mod:`.feedtext`);
- the URL: ``url``, else ``external_url`` (http(s) only; another link is ignored, with a warning);
- the publication date: ``date_published``, else ``date_modified`` (RFC 3339; a date that does
  not parse is ignored, with a warning);
- the source: the feed's ``title`` (the publication), else the item's authors (``authors`` in
  1.1, ``author`` in 1.0), else the feed's authors;
- the tags: ``tags``.

The feed's own title names the publication, not the issue, so it is not the episode's title.
An item with nothing to say beyond its title is read as a headline (its summary is its title,
which the script reads once), and one warning lists such items; an item with neither title nor
text is left out with a warning. A feed with no items, or none with a title or text, is an
error.
"""

from __future__ import annotations

import re
from typing import Any

from audiodigest.errors import SourceError
from audiodigest.sources.common import (
    Draft,
    Reading,
    Where,
    check_count,
    decode,
    parse_date,
    shorten,
    web_url,
)
from audiodigest.sources.feedtext import entry_text, headline_only_warning, html_text
from audiodigest.sources.structured import json_item_lines, load_json

VERSION_PREFIXES = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")
_HTML_TAG = re.compile(r"</?(?:p|br|img|pre|code|a|div|span|figure|table|ul|ol|li|em|strong|b|i|"
                       r"blockquote|h[1-6])\b[^<>]*>", re.IGNORECASE)
_VERSION_KEY = re.compile(rb'"version"\s*:\s*"https?://jsonfeed\.org/version/')


def is_json_feed(data: bytes) -> bool:
    """True when ``data`` is a JSON object whose ``version`` names a JSON Feed version."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{") or not _VERSION_KEY.search(data):
        return False
    try:
        loaded = load_json(data.decode("utf-8-sig"), "")
    except (SourceError, UnicodeDecodeError):
        return False  # the JSON reader reports what is wrong with it
    version = loaded.get("version") if isinstance(loaded, dict) else None
    return isinstance(version, str) and version.startswith(VERSION_PREFIXES)


def _text(mapping: dict[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _author_names(mapping: dict[str, Any]) -> str | None:
    """The names of the ``authors`` (1.1) or the ``author`` (1.0), joined for speech."""
    people = mapping.get("authors")
    if not isinstance(people, list):
        people = [mapping.get("author")]
    names = [p["name"].strip() for p in people
             if isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"].strip()]
    if not names:
        return None
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _url(item: dict[str, Any], label: str, warnings: list[str]) -> str | None:
    for key in ("url", "external_url"):
        raw = _text(item, key)
        if raw is None:
            continue
        url = web_url(raw)
        if url:
            return url
        warnings.append(f"{label}: ignoring {key} {shorten(raw)!r} (not an http(s) URL)")
    return None


def _published(item: dict[str, Any], where: Where, label: str, warnings: list[str]) -> Any:
    for key in ("date_published", "date_modified"):
        raw = _text(item, key)
        if raw is None:
            continue
        try:
            return parse_date(raw, where)
        except SourceError:
            warnings.append(f"{label}: ignoring {key} {shorten(raw)!r} (not an RFC 3339 date)")
    return None


def _content(item: dict[str, Any]) -> str | None:
    """The item's content as speakable text: ``content_html`` when there is any (its markup
    says what is code or a table), else ``content_text``. Some generators put HTML in
    ``content_text`` too (micro.blog: ``<img>``, ``<pre>``); such text is read as HTML."""
    html = _text(item, "content_html")
    if html is not None:
        return html_text(html)
    text = _text(item, "content_text")
    if text is not None and _HTML_TAG.search(text):
        return html_text(text)
    return text


def parse_jsonfeed(data: bytes, name: str) -> Reading:
    """Read a JSON Feed (shape in the module docstring) into drafts, one per readable item."""
    text = decode(data, name)
    feed = load_json(text, name)
    version = feed.get("version") if isinstance(feed, dict) else None
    if not isinstance(feed, dict) or not isinstance(version, str) \
            or not version.startswith(VERSION_PREFIXES):
        raise SourceError("not a JSON Feed: expected an object with a "
                          "\"version\": \"https://jsonfeed.org/version/1.1\"", path=name)
    items = feed.get("items")
    if not isinstance(items, list):
        raise SourceError("the JSON Feed has no \"items\" list", path=name)
    if not items:
        raise SourceError("the JSON Feed has no items", path=name)
    lines = json_item_lines(text, "items")
    publication = _text(feed, "title")
    warnings: list[str] = []
    drafts = []
    headlines: list[str] = []  # the entries with nothing but a title
    for index, item in enumerate(items, 1):
        line = lines[index - 1] if index <= len(lines) else None
        where = Where(name, line, f"item {index}")
        check_count(index, where)
        label = f"{name}:{line}" if line else f"{name}: item {index}"
        if not isinstance(item, dict):
            raise where.error(f"expected an object, not {type(item).__name__}")
        chosen = entry_text(_text(item, "title"), [_text(item, "summary"), _content(item)],
                            label, index, warnings, headlines)
        if chosen is None:
            continue
        title, summary = chosen
        tags = item.get("tags")
        drafts.append(Draft(
            where=where, title=title, summary=summary, url=_url(item, label, warnings),
            source=publication or _author_names(item) or _author_names(feed),
            published=_published(item, where, label, warnings),
            tags=[t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
        ))
    if headlines:
        warnings.append(headline_only_warning(name, headlines, "item", "items"))
    if not drafts:
        raise SourceError(f"none of the feed's {len(items)} items has a title or any "
                          "text", path=name)
    return Reading(drafts, warnings=warnings)
